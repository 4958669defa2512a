// The wasm build computes the Gram matrix, two linear DAE steps and one MLP probe step on
// WebGPU in headless Chromium (SwiftShader adapter) and agrees with its own CPU path.
//
// It runs on the bench site's check page (bench/web/, `?check=1`), whose wasm is built with
// `--features bench` (the shipped dist/ carries none of it); `cargo xtask test` builds and serves
// that site and passes the page's URL as RECON_ALIGN_BENCH_URL. Without it the test fails.
//
// Why Playwright rather than wasm-bindgen-test: one browser harness (tests/e2e/browser.mjs)
// drives every page test, with Debian's Chromium and the flags that give it a WebGPU adapter;
// wasm-bindgen-test would need a chromedriver matching Debian's Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BENCH_URL } from './browser.mjs';

// Relative to the reference's largest entry (f32 against f64 for the Gram, f32 against f32
// otherwise). Gram: sums of N = 2000 products, error bounded by N * 2^-24 ~ 1.2e-4 and typically
// far below; the native tests use the same 1e-4. DAE: two f32 steps with different summation
// orders, as in tests/gpu_training.rs (1e-4). MLP: one step's loss and gradients, 1e-4.
const TOLERANCES = {
  gram: 1e-4,
  'dae loss': 1e-4, 'dae encoder': 1e-4, 'dae decoder': 1e-4,
  'mlp loss': 1e-4, 'mlp dW1': 1e-4, 'mlp db1': 1e-4, 'mlp dW2': 1e-4, 'mlp db2': 1e-4,
};

test('wasm WebGPU kernels match the wasm CPU path (Gram, DAE step, MLP step)', async () => {
  assert.ok(BENCH_URL, 'RECON_ALIGN_BENCH_URL names the bench site\'s check page (cargo xtask test sets it)');
  const browser = await launch({ webgpu: true });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${BENCH_URL}?check=1`);
    await page.waitForFunction(() => window.reconAlignCheck !== undefined, null, { timeout: 120_000 });
    const report = await page.evaluate(() => window.reconAlignCheck);
    assert.equal(report.error, undefined, `the check failed: ${report.error}`);
    assert.equal(report.backend, 'BrowserWebGpu', 'wgpu ran on the browser\'s WebGPU');
    assert.ok(report.adapterInfo, 'navigator.gpu gave an adapter');
    assert.equal(report.d, 784);
    assert.deepEqual(report.checks.map((c) => c.what).sort(), Object.keys(TOLERANCES).sort());
    for (const c of report.checks) {
      assert.ok(c.reference_max_abs > 0, `${c.what}: the reference is not all zeros`);
      assert.ok(c.relative_error <= TOLERANCES[c.what],
        `${c.what}: relative error ${c.relative_error} > ${TOLERANCES[c.what]}`);
    }
    console.log(`GPU check on ${JSON.stringify(report.adapterInfo)} in ${report.milliseconds.toFixed(0)} ms:`,
      report.checks.map((c) => `${c.what} ${c.relative_error.toExponential(1)}`).join(', '));
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
  }
});
