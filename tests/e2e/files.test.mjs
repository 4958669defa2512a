// The page's single-file loader (NumPy .npz, CIFAR .tar.gz): a generated file loads, its
// alignment figure equals the command-line tool's on the same file to 1e-9 relative, and a file
// the page refuses leaves the loaded data and its figures in place, with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPage, exportFile, REPO_ROOT } from './browser.mjs';
import { smallNpz, tarGz } from './numpy-files.mjs';

/** `recon-align align --data FILE --noise NOISE --json` on `bytes` written as `name`. */
function cliAlignment(name, bytes, noise) {
  const dir = mkdtempSync(join(tmpdir(), 'recon-align-files-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'align', '--data', file, '--noise', noise, '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 26 });
    return JSON.parse(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const close = (a, b, rel, what) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300), `${what}: page ${a}, CLI ${b}`);

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
      const cli = cliAlignment('small.npz', npz, curve.noise);
      assert.equal(cli.n, 400);
      assert.deepEqual(curve.k, cli.alignment.map((_, i) => i + 1));
      curve.alignment.forEach((a, i) => close(a, cli.alignment[i], 1e-9, `alignment(${i + 1}) under ${curve.noise}`));
    }

    // CIFAR's D = 3072 is beyond this page's size limits: refused with the numbers, and the
    // .npz data stays.
    const records = Buffer.alloc(3073 * 20);
    for (let i = 0; i < records.length; i++) records[i] = (i * 7) % 251;
    for (let r = 0; r < 20; r++) records[r * 3073] = r % 4;
    await chooseFile(page, 'cifar-10-binary.tar.gz', tarGz([['cifar-10-batches-bin/data_batch_1.bin', records]]));
    await page.waitForSelector('#byod-status[data-level="error"]', { timeout: 60_000 });
    assert.match(await page.textContent('#byod-status'), /D=3,072 pixels are too large for this page/);
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
