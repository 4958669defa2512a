// Browser benchmark (not a test): the Gram and GEMM kernels and DAE training on WebGPU and on the
// wasm CPU path, and the same matrix products through TensorFlow.js's WebGPU backend, all in one
// headless Chromium run (SwiftShader WebGPU unless the machine has a GPU Chromium can use).
//
//   cargo xtask bench browser [query]
//
// builds the bench site (the product site plus bench/web/, wasm built with `--features bench`),
// serves it and runs this script with RECON_ALIGN_BENCH_URL set to its page bench/.
// [query] is passed to the page, e.g. 'n=10000&size=784&reps=2&train_n=2048&k=64' (the defaults);
// 'only=gemm&reps=1' runs just the GEMM (any of gram, gemm, training, comma-separated), for iterating.
// TF.js is served from node_modules through a Playwright route, so no site ships it.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, BENCH_URL } from '../tests/e2e/browser.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VENDOR = {
  'tf.min.js': 'node_modules/@tensorflow/tfjs/dist/tf.min.js',
  'tf-backend-webgpu.min.js': 'node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js',
};

const query = process.argv[2] ?? '';
if (!BENCH_URL) throw new Error('RECON_ALIGN_BENCH_URL is not set: run `cargo xtask bench browser`');
const browser = await launch({ webgpu: true });
try {
  // The site's Content-Security-Policy forbids evaluating strings, which TF.js does while it loads
  // (it leaves `tf` half made: "tf.setBackend is not a function"). TF.js is only the benchmark's
  // yardstick, so this page alone runs without the policy; the product keeps it.
  const page = await browser.newPage({ bypassCSP: true });
  page.on('console', (m) => { if (m.type() === 'error') console.error(`console: ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.route('**/bench-vendor/**', (route) => {
    const file = VENDOR[new URL(route.request().url()).pathname.split('/').pop()];
    return file
      ? route.fulfill({ path: join(ROOT, file), contentType: 'text/javascript' })
      : route.fulfill({ status: 404 });
  });
  const started = Date.now();
  await page.goto(`${BENCH_URL}?bench=1${query ? `&${query}` : ''}`);
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
