// Benchmark (not a test): the page on CIFAR-sized images (D = 3,072 = 32 x 32 x 3), on the CPU
// path (no WebGPU), in headless Chromium. It writes a CIFAR-10 binary batch of N generated images
// (10 classes, each a smooth colour pattern plus noise; nothing is downloaded) and, for each figure
// named on the command line, loads it through the data panel of a fresh page that shows that
// figure's panel only (embed mode), pressing Recompute where the page holds the figure, and times it from the
// press of Load to its progress row's `done`. The page's estimates are printed first.
//   cargo xtask serve --port 8700 &
//   RECON_ALIGN_URL=http://127.0.0.1:8700/ node bench/large-d-bench.mjs [n=10000] [side=16] [hash=epochs=5] \
//     alignment never subspace train sweep guided designer
import { launch, openPage, exportFile } from '../tests/e2e/browser.mjs';

const args = process.argv.slice(2);
const n = Number(args.find((a) => a.startsWith('n='))?.slice(2) ?? 10_000);
const figures = args.filter((a) => !a.includes('='));
/** Extra page settings, e.g. `hash=epochs=5` (the page's defaults otherwise). */
const hash = args.find((a) => a.startsWith('hash='))?.slice(5) ?? '';
/** `side=16`: the data panel's resize (D = 16 x 16 x 3 = 768); CIFAR's 32 x 32 otherwise. */
const side = args.find((a) => a.startsWith('side='))?.slice(5) ?? '';
const d = side ? 3 * Number(side) ** 2 : 3072;

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

const rows = { alignment: 'alignment', never: 'never', subspace: 'subspace', train: 'train', guided: 'guided', sweep: 'sweep', designer: 'designer' };
/** The panel (`panel=` of the page's address) that shows each figure's row. */
const panels = { sweep: 'alignment' };
const browser = await launch({ webgpu: false });
try {
  for (const f of figures) {
    // Each figure in a fresh page showing its panel only, timed from the press of Load (the Gram
    // matrix included, as in the estimate) to its row's `done`, Recompute pressed if it waits.
    const { page } = await openPage(browser, ['embed=1', `panel=${panels[f] ?? f}`, hash].filter(Boolean).join('&'));
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 600_000 });
    const row = `#${rows[f]}-progress`;
    await page.waitForSelector(`${row}[data-state="done"], ${row}[data-state="idle"], ${row}[data-state="held"]`, { timeout: 600_000 });
    if (side) await page.selectOption('#data-side', side, { force: true });
    await page.setInputFiles('#data-file', { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: cifarBatch(n) });
    const t0 = Date.now();
    await page.evaluate(() => document.getElementById('load-file').click());
    await page.waitForFunction((dd) => document.getElementById('dataset-summary').textContent.includes(`D=${dd})`), d, { timeout: 600_000 });
    if (f === figures[0]) console.log(await page.textContent('#data-estimates'));
    await page.waitForSelector(`${row}[data-state="running"], ${row}[data-state="queued"], ${row}[data-state="held"]`, { timeout: 600_000 });
    const held = (await page.getAttribute(row, 'data-state')) === 'held';
    if (held) await page.locator(`${row} .rerun`).click();
    await page.waitForSelector(`${row}[data-state="done"], ${row}[data-state="error"]`, { timeout: 3_600_000 });
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const state = await page.getAttribute(row, 'data-state');
    const json = JSON.parse((await exportFile(page, `${panels[f] ?? f}.json`)).bytes.toString('utf8'));
    const shape = json.n ? `n=${json.n}, d=${json.d}` : `k up to ${json.k?.at?.(-1) ?? json.settings?.k}`;
    console.log(`${f}: ${state} in ${seconds} s from the load${held ? ' (it waited: Recompute pressed)' : ''} (export: ${shape})`);
    await page.close();
  }
} finally {
  await browser.close();
}
