// Benchmark (not a test): the page on CIFAR-sized images (D = 3,072 = 32 x 32 x 3), on the CPU
// path (no WebGPU), in headless Chromium. It writes a CIFAR-10 binary batch of N generated images
// (10 classes, each a smooth colour pattern plus noise; nothing is downloaded), loads it through
// the data panel, records the page's estimates, then runs each figure named on the command line
// one after another (pressing Recompute or Train where the page holds it) and times it from the
// press to its progress row's `done`. The estimates and the times are printed side by side.
//   cargo xtask serve --port 8700 &
//   RECON_ALIGN_URL=http://127.0.0.1:8700/ node bench/large-d-bench.mjs [n=10000] alignment never subspace train
import { launch, openPage } from '../tests/e2e/browser.mjs';

const args = process.argv.slice(2);
const n = Number(args.find((a) => a.startsWith('n='))?.slice(2) ?? 10_000);
const figures = args.filter((a) => !a.includes('='));

/** A CIFAR-10 binary batch: per record a label byte, then 3 x 32 x 32 channel-major pixels. */
function cifarBatch(count) {
  const record = 1 + 3072;
  const out = Buffer.alloc(count * record);
  let seed = 12345;
  const noise = () => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 16) / 65536 - 0.5; };
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    out[i * record] = label;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const pattern = Math.sin((x * (label + 1)) / 9 + c) * Math.cos((y * (10 - label)) / 11 - c);
          const v = 128 + 70 * pattern + 90 * noise();
          out[i * record + 1 + c * 1024 + y * 32 + x] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return out;
}

const browser = await launch({ webgpu: false });
try {
  const { page } = await openPage(browser, 'panel=all&epochs=1');
  await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 600_000 });
  await page.setInputFiles('#data-file', { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: cifarBatch(n) });
  const t0 = Date.now();
  await page.evaluate(() => document.getElementById('load-file').click());
  await page.waitForFunction(() => /D=3072/.test(document.getElementById('dataset-summary').textContent), null, { timeout: 600_000 });
  console.log(`loaded N=${n}, D=3072 in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(await page.textContent('#data-estimates'));
  const rows = { alignment: 'alignment', never: 'never', subspace: 'subspace', train: 'train', guided: 'guided', sweep: 'sweep' };
  for (const f of figures) {
    const row = `#${rows[f]}-progress`;
    // Wait for whatever runs on its own to finish first, so that each figure is timed alone.
    await page.waitForFunction(() => ![...document.querySelectorAll('.progress-row')].some((r) => ['running', 'queued'].includes(r.dataset.state)), null, { timeout: 3_600_000 });
    const start = Date.now();
    await page.locator(`${row} .rerun`).click();
    await page.waitForSelector(`${row}[data-state="running"], ${row}[data-state="done"]`, { timeout: 600_000 });
    await page.waitForSelector(`${row}[data-state="done"], ${row}[data-state="error"]`, { timeout: 3_600_000 });
    const state = await page.getAttribute(row, 'data-state');
    console.log(`${f}: ${state} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
} finally {
  await browser.close();
}
