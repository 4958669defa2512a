// The page's single-file loader (NumPy .npz, CIFAR .tar.gz and .bin): a generated file loads, its
// alignment figure equals the command-line tool's on the same file to 1e-9 relative (CIFAR's
// 32 x 32 colour images resized to 16 x 16, colour and grey, as the data panel offers), and a file
// the page refuses leaves the loaded data and its figures in place, with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPage, exportFile } from './browser.mjs';
import { alignmentExport, cliAlignment, closeTo as close } from './page-cli.mjs';
import { cifarRecords, npy, npz as npzOf, smallNpz, tarGz } from './numpy-files.mjs';

/** `recon-align align` on `bytes` written as `name` (see cliAlignment). */
function cliOnBytes(name, bytes, noise, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'recon-align-files-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return cliAlignment(file, noise, extra);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function chooseFile(page, name, buffer) {
  await page.setInputFiles('#data-file', { name, mimeType: 'application/octet-stream', buffer });
  await page.evaluate(() => {
    const status = document.getElementById('byod-status');
    status.textContent = '';
    status.dataset.level = '';
    document.getElementById('load-file').click();
  });
}

test('a generated .npz loads and its alignment equals the CLI on the same file (cpu-fallback)', { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'panel=alignment&epochs=1');
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
    await page.click('#byod summary');
    const npz = smallNpz(400);
    await chooseFile(page, 'small.npz', npz);
    await page.waitForFunction(() => /N=400\b/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 60_000 });
    await page.waitForSelector('#byod-status[data-level="ok"]');
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    const json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    assert.equal(json.n, 400);
    assert.equal(json.d, 64);
    assert.ok(json.curves.length >= 1, 'the export holds the curves');
    for (const curve of json.curves) {
      const cli = cliOnBytes('small.npz', npz, curve.noise);
      assert.equal(cli.n, 400);
      assert.deepEqual(curve.k, cli.alignment.map((_, i) => i + 1));
      curve.alignment.forEach((a, i) => close(a, cli.alignment[i], 1e-9, `alignment(${i + 1}) under ${curve.noise}`));
    }

    // 64 x 64 colour images (D = 12,288) are beyond this page's memory: refused with the numbers,
    // and the .npz data stays.
    const big = Buffer.alloc(20 * 3 * 64 * 64);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const bigLabels = Buffer.alloc(8 * 20);
    for (let r = 0; r < 20; r++) bigLabels.writeBigInt64LE(BigInt(r % 4), 8 * r);
    await chooseFile(page, 'big.npz', npzOf([['x.npy', npy('|u1', [20, 3, 64, 64], big)], ['y.npy', npy('<i8', [20], bigLabels)]]));
    await page.waitForSelector('#byod-status[data-level="error"]', { timeout: 60_000 });
    assert.match(await page.textContent('#byod-status'), /20 images of D=12,288 pixels are too large for this page: the figures would need about [\d.]+ GB of memory/);
    assert.match(await page.textContent('#dataset-summary'), /N=400\b/, 'the .npz data stays loaded');

    // A file of no known format.
    await chooseFile(page, 'notes.txt', Buffer.from('not a data file'));
    await page.waitForSelector('#byod-status[data-level="error"]', { timeout: 60_000 });
    assert.match(await page.textContent('#byod-status'), /not a data file this tool reads/);
    assert.match(await page.textContent('#dataset-summary'), /N=400\b/, 'the .npz data stays loaded');
    // Refused files produce an error message from the worker, which the page reports: expected.
    assert.deepEqual(problems.filter((p) => !/data file|too large/i.test(p)), []);
  } finally {
    await browser.close();
  }
});

/** The alignment export once it describes `d` pixels, each curve equal to the CLI's on the file. */
async function alignmentMatchesCli(page, d, name, bytes, extra) {
  const json = await alignmentExport(page, d);
  for (const curve of json.curves) {
    const cli = cliOnBytes(name, bytes, curve.noise, extra);
    assert.equal(cli.n, json.n);
    assert.equal(cli.d, d);
    curve.alignment.forEach((a, i) => close(a, cli.alignment[i], 1e-9, `alignment(${i + 1}) under ${curve.noise} ${extra.join(' ')}`));
  }
}

test('CIFAR files (.tar.gz and one .bin batch), resized on the page, equal the CLI with --side', { timeout: 1_800_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'panel=alignment&epochs=1');
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
    await page.click('#byod summary');
    // More images than pixels (N > D), so that every eigenvector the curves use is determined.
    const records = cifarRecords(1000);
    const archive = tarGz([['cifar-10-batches-bin/data_batch_1.bin', records]]);
    await page.selectOption('#data-side', '16');
    await page.check('#data-grey');
    await chooseFile(page, 'cifar-10-binary.tar.gz', archive);
    await page.waitForFunction(() => /N=1,000\b.*16×16×1 \(D=256\)/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 120_000 });
    await alignmentMatchesCli(page, 256, 'cifar-10-binary.tar.gz', archive, ['--side', '16', '--grey']);
    await page.uncheck('#data-grey');
    await chooseFile(page, 'data_batch_1.bin', records);
    await page.waitForFunction(() => /N=1,000\b.*16×16×3 \(D=768\)/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 120_000 });
    await alignmentMatchesCli(page, 768, 'data_batch_1.bin', records, ['--side', '16']);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
