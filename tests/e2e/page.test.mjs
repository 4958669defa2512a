// The page loads the wasm module in a worker, shows the bundled digits and names its backend,
// with WebGPU and without it (the CPU fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPage, ARTIFACTS } from './browser.mjs';

for (const webgpu of [true, false]) {
  const mode = webgpu ? 'webgpu' : 'cpu-fallback';
  test(`page shows the digit grid and the backend (${mode})`, async () => {
    const browser = await launch({ webgpu });
    try {
      const context = await browser.newContext();
      const fetched = [];
      // Requests of the page and of its workers.
      context.on('request', (r) => { if (r.url().includes('/www/data/')) fetched.push(new URL(r.url()).pathname); });
      const { page, problems } = await openPage(context);
      await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
      assert.ok(await page.evaluate(() => navigator.hardwareConcurrency) < 2 || page.workers().length >= 2, 'one compute worker per core');
      assert.deepEqual(fetched, ['/www/data/mnist.bin'], 'the bundled digits are downloaded once, for every worker');
      await page.waitForSelector('#backend:not([data-state="pending"])', { timeout: 60_000 });

      const summary = await page.textContent('#dataset-summary');
      assert.match(summary, /N=10,000/);
      assert.match(summary, /D=784/);

      // 100 digits drawn (once the browser is idle), and they are not blank: MNIST digits have
      // bright strokes.
      await page.waitForSelector('#digit-grid[data-count="100"]', { timeout: 60_000 });
      assert.equal(await page.locator('#digit-grid canvas').count(), 100);
      const bright = await page.evaluate(() => [...document.querySelectorAll('#digit-grid canvas')]
        .map((c) => c.getContext('2d').getImageData(0, 0, c.width, c.height).data)
        .filter((px) => px.some((v, i) => i % 4 === 0 && v > 200)).length);
      assert.equal(bright, 100, 'every sample digit has bright pixels');

      const backend = await page.textContent('#backend');
      if (webgpu) {
        assert.match(backend, /^WebGPU \(.+\)$/, `expected a WebGPU adapter, got "${backend}"`);
      } else {
        assert.equal(backend, 'CPU (WebGPU unavailable)');
        // A friendly sentence; wgpu's own words only behind the disclosure, closed.
        const notice = page.locator('#notices .notice').first();
        assert.match(await notice.textContent(), /^This browser offers no WebGPU adapter; computing on the CPU \(WebAssembly\)\./);
        assert.equal(await notice.locator('details').count(), 1);
        assert.equal(await notice.locator('details').getAttribute('open'), null);
        assert.equal(await notice.locator('details p').isVisible(), false);
      }
      await page.screenshot({ path: join(ARTIFACTS, `page-${mode}.png`), fullPage: true });
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}
