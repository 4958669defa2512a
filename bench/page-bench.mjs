// Benchmark (not a test): time from navigation to the first alignment plot and to the end of the
// default training run, in headless Chromium, with WebGPU (SwiftShader) and without (CPU).
//   cargo xtask bench page
// builds dist/, serves it and runs this script with RECON_ALIGN_URL set to it.
import { launch, BASE_URL } from '../tests/e2e/browser.mjs';

const rows = [];
for (const webgpu of [true, false]) {
  const browser = await launch({ webgpu });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const t0 = Date.now();
    await page.goto(BASE_URL);
    const done = (panel) => page.waitForSelector(`#${panel}-progress[data-state="done"]`, { timeout: 600_000 })
      .then(() => (Date.now() - t0) / 1000);
    const [alignment, train] = await Promise.all([done('alignment'), done('train')]);
    const backend = await page.textContent('#backend');
    rows.push({ mode: webgpu ? 'webgpu flag' : 'no webgpu', backend, first_alignment_plot_s: alignment, default_training_done_s: train });
  } finally {
    await browser.close();
  }
}
console.table(rows);
console.log(JSON.stringify(rows));
