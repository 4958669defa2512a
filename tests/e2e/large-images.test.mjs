// CIFAR-sized images on the page (D = 3,072 = 32 x 32 x 3, on the CPU path): before anything runs
// the data panel states D and each figure's estimated time and memory; the alignment runs on its
// own and equals the command-line tool's to 1e-9 relative; the mask sweep (estimated at minutes)
// waits, says why, starts on Recompute with progress, and Cancel stops it, leaving the data and
// the alignment figure in place. The batch is generated here; nothing is downloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPage } from './browser.mjs';
import { alignmentMatchesCli, chooseAndLoad } from './page-cli.mjs';
import { cifarRecords } from './numpy-files.mjs';

test('D=3,072 on the page: estimates first, the alignment equals the CLI, a long figure waits and Cancel stops it', { timeout: 1_800_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recon-align-large-'));
  const browser = await launch({ webgpu: false });
  try {
    const records = cifarRecords(40, 4);
    const file = join(dir, 'data_batch_1.bin');
    writeFileSync(file, records);
    // The alignment panel alone (its curves and the mask sweep), as an embed shows it.
    const { page, problems } = await openPage(browser, 'embed=1&panel=alignment');
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    await chooseAndLoad(page, { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: records });
    await page.waitForFunction(() => /N=40\b.*32×32×3 \(D=3072\)/.test(document.getElementById('dataset-summary').textContent), null, { timeout: 120_000 });

    // Each figure's estimate, with D, before the figures finish.
    const estimates = await page.textContent('#data-estimates');
    assert.match(estimates, /for D=3,072 \(32×32×3\), N=40:/);
    for (const name of ['alignment curves', 'mask sweep', 'never-beneficial test', 'subspace probes', 'guided sweep', 'training \\(at the default 20 epochs\\)', 'noise designer \\(with a painted map\\)']) {
      assert.match(estimates, new RegExp(`${name} \\d+ (s|min|hours?), \\d+ MB`), name);
    }
    assert.match(estimates, /mask sweep [^;]*\(waits for you\)/);
    assert.doesNotMatch(estimates, /alignment curves [^;]*waits/);

    // The alignment runs and equals the command line's; the sweep, which follows it, waits and
    // says why.
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 900_000 });
    await page.waitForSelector('#sweep-progress[data-state="held"]', { timeout: 120_000 });
    assert.equal(await page.textContent('#sweep-progress .progress-label'), 'waits for you');
    // 40 centred images span at most 39 directions: beyond K = 39 the eigenvectors are those of a
    // repeated eigenvalue (the ridge), which two solvers may order differently.
    const json = await alignmentMatchesCli(page, { d: 3072, n: 40, path: file, upTo: 39 });
    for (const curve of json.curves) assert.equal(curve.alignment.length, 3072);

    // Recompute starts the sweep with progress; Cancel stops it; the data and the figure stay.
    await page.click('#sweep-progress .rerun');
    await page.waitForSelector('#sweep-progress[data-state="running"]', { timeout: 120_000 });
    await page.click('#sweep-progress .cancel');
    await page.waitForSelector('#sweep-progress[data-state="cancelled"]', { timeout: 600_000 });
    assert.match(await page.textContent('#dataset-summary'), /D=3072\b/);
    assert.equal(await page.getAttribute('#alignment-progress', 'data-state'), 'done');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
