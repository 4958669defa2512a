// The page against the real worker (wasm, WebGPU or CPU fallback): a link's numbers equal the
// command-line tool's, a copied link replays them, and embed mode shows one panel at any width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launch, openPage, exportFile, syntheticIdx, ARTIFACTS, REPO_ROOT } from './browser.mjs';

const LINK = 'k=48&noise=mask&p=0.3&patch=2&seed=5&epochs=2&panel=alignment';
const TOLERANCE = 1e-6; // percent

const cliCache = new Map();
/** Alignment curve from the native tool, for the same data and noise: `{ n, d, noise, alignment }`. */
function cliAlignment(noise) {
  if (!cliCache.has(noise)) {
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'align', '--data', 'mnist', '--noise', noise, '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 26 });
    cliCache.set(noise, JSON.parse(out));
  }
  return cliCache.get(noise);
}

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  actual.forEach((a, i) => { worst = Math.max(worst, Math.abs(a - expected[i])); });
  assert.ok(worst <= TOLERANCE, `${what}: largest difference ${worst} > ${TOLERANCE}`);
}

async function alignmentJSON(page) {
  await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
  return JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
}

for (const webgpu of [true, false]) {
  const mode = webgpu ? 'webgpu' : 'cpu-fallback';

  test(`a link with non-default settings reproduces the command-line alignment (${mode})`, async () => {
    const browser = await launch({ webgpu });
    try {
      const { page, problems } = await openPage(browser, LINK);
      const json = await alignmentJSON(page);
      assert.equal(json.panel, 'alignment');
      assert.equal(json.settings.k, 48);
      assert.equal(json.settings.seed, 5);
      assert.deepEqual(json.curves.map((c) => c.noise), ['none', 'mask:0.3:2']);
      for (const curve of json.curves) {
        const cli = cliAlignment(curve.noise);
        assert.equal(json.n, cli.n);
        assert.equal(json.d, cli.d);
        assert.deepEqual(curve.k, cli.alignment.map((_, i) => i + 1));
        assertClose(curve.alignment, cli.alignment, `alignment under ${curve.noise}`);
      }
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}

test('a copied link opens the same settings and the same numbers (webgpu)', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { page, problems } = await openPage(browser, LINK);
    await page.fill('#ctl-p', '0.7');
    await page.press('#ctl-p', 'Tab');
    await page.waitForFunction(() => location.hash.includes('p=0.7'));
    // The rerun has finished when the sentence names the new noise.
    await page.waitForFunction(() => document.querySelector('#alignment-takeaway').textContent.includes('mask p=0.7'), null, { timeout: 300_000 });
    const first = await alignmentJSON(page);
    assert.equal(first.curves[1].noise, 'mask:0.7:2');
    await page.click('#copy-link');
    const link = await page.inputValue('#share-link');
    const { page: again, problems: p2 } = await openPage(browser, link.split('#')[1]);
    assert.equal(await again.inputValue('#ctl-p'), '0.7');
    assert.equal(await again.inputValue('#ctl-k'), '48');
    assert.equal(await again.inputValue('#ctl-seed'), '5');
    const second = await alignmentJSON(again);
    assert.deepEqual(second.curves, first.curves);
    assert.deepEqual({ ...second.settings }, { ...first.settings });
    assert.deepEqual([...problems, ...p2], []);
  } finally {
    await browser.close();
  }
});

for (const width of [400, 1200]) {
  test(`embed mode shows one panel, fluid at ${width}px`, async () => {
    const browser = await launch({ webgpu: width === 1200 });
    try {
      const { page, problems } = await openPage(browser, 'embed=1&panel=alignment', { width, height: 900 });
      await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
      assert.equal(await page.isVisible('#panel-alignment'), true);
      for (const hidden of ['header', 'footer', '#settings', '#panel-data']) assert.equal(await page.isVisible(hidden), false, hidden);
      assert.equal(await page.locator('section.panel[data-panel]').count(), 1, 'only the embedded panel is built');
      assert.equal(await page.isVisible('#backend'), true, 'the backend line stays visible');
      const link = page.locator('#full-demo');
      assert.equal(await link.isVisible(), true);
      assert.doesNotMatch(await link.getAttribute('href'), /embed=1/);
      const { scroll, client, chart } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
        chart: document.querySelector('[data-chart="alignment"] canvas').getBoundingClientRect().width,
      }));
      assert.ok(scroll <= client, `no horizontal scrolling (${scroll} > ${client})`);
      assert.ok(chart > width * 0.6 && chart <= width, `the chart fills the width (${chart}px of ${width}px)`);
      await page.screenshot({ path: join(ARTIFACTS, `embed-alignment-${width}.png`), fullPage: true });
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}

test('a hostile link on the real page gives the defaults and runs no script (cpu-fallback)', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'k=<script>alert(1)</script>&p=NaN&zzz=1');
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
    assert.match(await page.textContent('#notices'), /Ignored k=/);
    assert.equal(await page.inputValue('#ctl-k'), '32');
    assert.equal(await page.locator('script').count(), 1);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('bring your own IDX files: every panel reruns; a broken file shows a clear error (cpu-fallback)', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'panel=alignment&epochs=1');
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
    await page.click('#byod summary');
    await page.setInputFiles('#idx-images', { name: 'broken-images.idx', mimeType: 'application/octet-stream', buffer: Buffer.from('not an IDX file') });
    await page.setInputFiles('#idx-labels', { name: 'broken-labels.idx', mimeType: 'application/octet-stream', buffer: Buffer.from('nor this') });
    await page.click('#load-files');
    await page.waitForSelector('#byod-status[data-level="error"]', { timeout: 60_000 });
    assert.match(await page.textContent('#byod-status'), /Could not load/);
    assert.match(await page.textContent('#dataset-summary'), /N=10,000/, 'the bundled digits stay loaded');

    const { images, labels } = syntheticIdx(300);
    await page.setInputFiles('#idx-images', { name: 'mine-images.idx', mimeType: 'application/octet-stream', buffer: images });
    await page.setInputFiles('#idx-labels', { name: 'mine-labels.idx', mimeType: 'application/octet-stream', buffer: labels });
    await page.click('#load-files');
    await page.waitForFunction(() => /N=300\b/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 60_000 });
    await page.waitForSelector('#byod-status[data-level="ok"]');
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    const json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    assert.equal(json.n, 300);
    assert.equal(json.settings.n, 300);
    // Broken files produce an error message from the worker, which the page reports: expected.
    assert.deepEqual(problems.filter((p) => !/IDX|idx|magic/i.test(p)), []);
  } finally {
    await browser.close();
  }
});
