// The page's single-file loader (NumPy .npz, CIFAR .tar.gz and .bin): a generated file loads, its
// alignment figure equals the command-line tool's on the same file to 1e-9 relative (CIFAR's
// 32 x 32 colour images resized to 16 x 16, colour and grey, as the data panel offers), and a file
// the page refuses leaves the loaded data and its figures in place, with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './browser.mjs';
import { alignmentMatchesCli, chooseAndLoad, openDataPanel, refusedWith } from './page-cli.mjs';
import { cifarRecords, npy, npz as npzOf, smallNpz, tarGz } from './numpy-files.mjs';

/** Chooses `buffer` as the file `name` in the data panel and loads it. */
const chooseFile = (page, name, buffer) => chooseAndLoad(page, { name, mimeType: 'application/octet-stream', buffer });

/** A fresh folder for the files the command line reads (removed by the caller). */
const scratch = () => mkdtempSync(join(tmpdir(), 'recon-align-files-'));

/** `bytes` written as `name` in `dir`; returns its path. */
function written(dir, name, bytes) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

test('a generated .npz loads and its alignment equals the CLI on the same file (cpu-fallback)', { timeout: 900_000 }, async () => {
  const dir = scratch();
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openDataPanel(browser);
    const npz = smallNpz(400);
    await chooseFile(page, 'small.npz', npz);
    await page.waitForFunction(() => /N=400\b/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 60_000 });
    await page.waitForSelector('#byod-status[data-level="ok"]');
    await alignmentMatchesCli(page, { d: 64, n: 400, path: written(dir, 'small.npz', npz) });

    // 64 x 64 colour images (D = 12,288) are beyond this page's memory: refused with the numbers,
    // and the .npz data stays.
    const big = Buffer.alloc(20 * 3 * 64 * 64);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const bigLabels = Buffer.alloc(8 * 20);
    for (let r = 0; r < 20; r++) bigLabels.writeBigInt64LE(BigInt(r % 4), 8 * r);
    await chooseFile(page, 'big.npz', npzOf([['x.npy', npy('|u1', [20, 3, 64, 64], big)], ['y.npy', npy('<i8', [20], bigLabels)]]));
    await refusedWith(page, /20 images of D=12,288 pixels are too large for this page: the figures would need about [\d.]+ GB of memory/, /N=400\b/);

    // A file of no known format.
    await chooseFile(page, 'notes.txt', Buffer.from('not a data file'));
    await refusedWith(page, /not a data file this tool reads/, /N=400\b/);
    // Refused files produce an error message from the worker, which the page reports: expected.
    assert.deepEqual(problems.filter((p) => !/data file|too large/i.test(p)), []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CIFAR files (.tar.gz and one .bin batch), resized on the page, equal the CLI with --side', { timeout: 1_800_000 }, async () => {
  const dir = scratch();
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openDataPanel(browser);
    // More images than pixels (N > D), so that every eigenvector the curves use is determined.
    const records = cifarRecords(1000);
    const archive = tarGz([['cifar-10-batches-bin/data_batch_1.bin', records]]);
    await page.selectOption('#data-side', '16');
    await page.check('#data-grey');
    await chooseFile(page, 'cifar-10-binary.tar.gz', archive);
    await page.waitForFunction(() => /N=1,000\b.*16×16×1 \(D=256\)/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 120_000 });
    await alignmentMatchesCli(page, { d: 256, n: 1000, path: written(dir, 'cifar-10-binary.tar.gz', archive), extra: ['--side', '16', '--grey'] });
    await page.uncheck('#data-grey');
    await chooseFile(page, 'data_batch_1.bin', records);
    await page.waitForFunction(() => /N=1,000\b.*16×16×3 \(D=768\)/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 120_000 });
    await alignmentMatchesCli(page, { d: 768, n: 1000, path: written(dir, 'data_batch_1.bin', records), extra: ['--side', '16'] });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
