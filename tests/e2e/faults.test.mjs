// The fault-injection suite: every hostile input of tests/e2e/hostile.mjs (IDX pairs) and of
// tests/e2e/hostile-files.mjs (single NumPy, CIFAR and non-data files), written when the test
// runs, is loaded into the real page, with WebGPU and without. For each: a clear message, the
// previous dataset and its figure kept, and a page that still works afterwards (a good dataset
// loads and its figure is computed). Then 70,000 images with batch 65,536 train.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, syntheticIdx, chooseIdxFiles, REPO_ROOT } from './browser.mjs';
import { hostileInputs, seventyThousand } from './hostile.mjs';
import { hostileFiles } from './hostile-files.mjs';

/** Gives the page's single-file input `file` (named `name`) and presses its Load button. */
async function chooseFile(page, { file, bytes }) {
  await page.setInputFiles('#data-file', { name: file, mimeType: 'application/octet-stream', buffer: bytes });
  await page.evaluate(() => {
    const status = document.getElementById('byod-status');
    status.textContent = '';
    status.dataset.level = '';
    document.getElementById('load-file').click();
  });
}

test('the README states how many hostile inputs the suite tries, and names each', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const count = hostileInputs().length + hostileFiles().length;
  assert.match(readme, new RegExp(`${count} hostile inputs tried: clear message, nothing lost`));
  const section = readme.split('## Hostile input')[1].split('\n## ')[0].replace(/\s+/g, ' ');
  for (const { name } of hostileFiles()) assert.ok(section.includes(name), `README's "Hostile input" names ${name}`);
});

for (const webgpu of [true, false]) {
  const mode = webgpu ? 'webgpu' : 'cpu-fallback';

  test(`hostile data files: a clear message, nothing lost, the page still works (${mode})`, { timeout: 600_000 }, async () => {
    const browser = await launch({ webgpu });
    try {
      const { page, problems } = await openPage(browser, 'embed=1&panel=alignment');
      await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 120_000 });
      const before = await page.textContent('#dataset-summary');
      assert.match(before, /N=10,000/);
      const inputs = hostileInputs();
      const files = hostileFiles();
      for (const input of [...inputs, ...files]) {
        if (input.file) await chooseFile(page, input);
        else await chooseIdxFiles(page, input);
        await page.waitForFunction(() => document.getElementById('byod-status').dataset.level === 'error'
          && !/Reading/.test(document.getElementById('byod-status').textContent), null, { timeout: 60_000 });
        const status = await page.textContent('#byod-status');
        assert.match(status, input.expect, `${input.name}: the message says why`);
        assert.match(status, /bundled MNIST .* stay/, `${input.name}: the message says the data stays`);
        assert.equal(await page.textContent('#dataset-summary'), before, `${input.name}: the previous dataset is kept`);
        assert.equal(await page.locator('#alignment-progress[data-state="done"]').count(), 1, `${input.name}: the figure is kept`);
      }
      // One notice per refusal: five show, the rest are counted on one line.
      assert.equal(await page.locator('#notices .notice:not(.notice-more)').count(), 5);
      assert.match(await page.textContent('#notices .notice-more'), /^\d+ more messages? not shown/);
      // Still working: a good dataset loads and its figure is computed.
      const good = syntheticIdx(300);
      await chooseIdxFiles(page, good, 'good');
      await page.waitForFunction(() => /N=300,/.test(document.getElementById('dataset-summary').textContent), null, { timeout: 60_000 });
      await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 120_000 });
      assert.deepEqual(problems, [], 'no console errors, no CSP violation');
      console.log(`${inputs.length + files.length} hostile inputs tried (${mode}): clear message, nothing lost`);
    } finally {
      await browser.close();
    }
  });

  test(`70,000 images with batch 65,536 train (${mode})`, { timeout: 600_000 }, async () => {
    const browser = await launch({ webgpu });
    try {
      const { page, problems } = await openPage(browser, 'embed=1&panel=train&batch=65536&epochs=1&k=8');
      await page.waitForSelector('#train-progress[data-state="done"]', { timeout: 300_000 });
      await chooseIdxFiles(page, seventyThousand(), 'seventy');
      await page.waitForFunction(() => /N=70,000,/.test(document.getElementById('dataset-summary').textContent), null, { timeout: 120_000 });
      await page.waitForSelector('#train-progress[data-state="done"]', { timeout: 300_000 });
      const said = await page.textContent('#panel-train');
      assert.match(said, /After 1 epoch .* the loss is \d/, said.slice(0, 400));
      assert.doesNotMatch(said, /-100(\.0+)?% above/, 'a step was taken');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
}

test('a batch larger than the training images is clamped, with a notice', { timeout: 600_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'embed=1&panel=train&batch=20000&epochs=1');
    await page.waitForSelector('#train-progress[data-state="done"]', { timeout: 300_000 });
    assert.match(await page.textContent('#notices'), /Batch 20,000 is larger than the 8,000 training images \(the training part of N=10,000\); training uses batches of 8,000/);
    const said = await page.textContent('#panel-train');
    assert.match(said, /After 1 epoch/);
    assert.doesNotMatch(said, /-100(\.0+)?% above/, 'a step was taken');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
