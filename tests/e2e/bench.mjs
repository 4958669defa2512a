// Browser benchmark (not a test): the Gram and GEMM kernels and DAE training on WebGPU and on the
// wasm CPU path, and the same matrix products through TensorFlow.js's WebGPU backend, all in one
// headless Chromium run (SwiftShader WebGPU unless the machine has a GPU Chromium can use).
//
//   cargo xtask dist && (cd dist && python3 -m http.server 8000 --bind 127.0.0.1) &
//   RECON_ALIGN_URL=http://127.0.0.1:8000/ node tests/e2e/bench.mjs [query]
//
// [query] is passed to the page, e.g. 'n=10000&size=784&reps=2&train_n=2048&k=64' (the defaults).
// TF.js is served from node_modules through a Playwright route, so dist/ never ships it.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, BASE_URL } from './browser.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENDOR = {
  'tf.min.js': 'node_modules/@tensorflow/tfjs/dist/tf.min.js',
  'tf-backend-webgpu.min.js': 'node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js',
};

const query = process.argv[2] ?? '';
const browser = await launch({ webgpu: true });
try {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error(`console: ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.route('**/bench-vendor/**', (route) => {
    const file = VENDOR[new URL(route.request().url()).pathname.split('/').pop()];
    return file
      ? route.fulfill({ path: join(ROOT, file), contentType: 'text/javascript' })
      : route.fulfill({ status: 404 });
  });
  const started = Date.now();
  await page.goto(`${BASE_URL}www/bench/?bench=1${query ? `&${query}` : ''}`);
  let last = '';
  for (;;) {
    const [result, status] = await page.evaluate(() => [window.reconAlignBench, document.getElementById('status').textContent]);
    if (status !== last) console.error(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${(last = status)}`);
    if (result) {
      if (result.error) throw new Error(result.error);
      console.log(JSON.stringify(result, null, 2));
      console.table(result.summary);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  await browser.close();
}
