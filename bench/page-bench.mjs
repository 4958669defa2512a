// Benchmark (not a test): time from navigation until each default panel is done, and the bytes of
// bundled data fetched, in headless Chromium, on the CPU path (no WebGPU) unless `webgpu` is given.
//   cargo xtask bench page [BASELINE_SITE] [reps=N] [webgpu]
// builds dist/, serves it (and BASELINE_SITE, a `dist/` built from an older commit, when given)
// and runs this script with RECON_ALIGN_URL (and RECON_ALIGN_BASELINE_URL) set. Baseline and this
// tree run alternately, N times each, so that both see the same background load.
import { launch, BASE_URL } from '../tests/e2e/browser.mjs';

const args = process.argv.slice(2);
const reps = Number(args.find((a) => a.startsWith('reps='))?.slice(5) ?? 1);
const modes = args.includes('webgpu') ? [false, true] : [false];
const sites = [
  ...(process.env.RECON_ALIGN_BASELINE_URL ? [['baseline', process.env.RECON_ALIGN_BASELINE_URL]] : []),
  ['this tree', BASE_URL],
];
// The progress rows of the default panels, in the order they usually finish.
const PANELS = ['alignment', 'never', 'subspace', 'guided', 'train', 'sweep'];

async function measure(url, webgpu) {
  const browser = await launch({ webgpu });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    let dataBytes = 0;
    // Dedicated workers' fetches are reported on the page too (Chromium).
    page.on('response', async (r) => {
      if (r.url().includes('/www/data/')) dataBytes += (await r.body().catch(() => Buffer.alloc(0))).length;
    });
    const t0 = Date.now();
    await page.goto(url);
    const times = await Promise.all(PANELS.map((p) => page.waitForSelector(`#${p}-progress[data-state="done"]`, { timeout: 900_000 })
      .then(() => (Date.now() - t0) / 1000)));
    const row = { backend: await page.textContent('#backend'), data_mb: dataBytes / 1e6 };
    PANELS.forEach((p, i) => { row[`${p}_s`] = times[i]; });
    row.all_panels_s = Math.max(...times);
    return row;
  } finally {
    await browser.close();
  }
}

const rows = [];
for (let rep = 0; rep < reps; rep++) {
  for (const webgpu of modes) {
    for (const [site, url] of sites) {
      rows.push({ site, mode: webgpu ? 'webgpu flag' : 'no webgpu', rep, ...(await measure(url, webgpu)) });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
}
console.table(rows);
if (sites.length === 2) {
  // Ratios baseline / this tree, from the medians over the repetitions.
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
  for (const webgpu of modes) {
    const mode = webgpu ? 'webgpu flag' : 'no webgpu';
    const of = (site, key) => median(rows.filter((r) => r.site === site && r.mode === mode).map((r) => r[key]));
    const ratios = {};
    for (const key of ['data_mb', 'alignment_s', 'all_panels_s', ...PANELS.map((p) => `${p}_s`)]) {
      ratios[key] = { baseline: of('baseline', key), this_tree: of('this tree', key), ratio: of('baseline', key) / of('this tree', key) };
    }
    console.log(`${mode}: medians over ${reps} run(s), ratio = baseline / this tree`);
    console.table(ratios);
  }
}
