// Benchmark (not a test): time from navigation until each default panel is done, and the bytes of
// bundled data fetched, in headless Chromium, on the CPU path (no WebGPU) unless `webgpu` is given;
// and, in the same run, the native commands that compute the same figures (bench/native-plan.mjs).
// Each site is visited twice in one browser profile: `cold` (empty caches) and `warm` (a second
// load, with the HTTP cache and the page's caches of G and of results filled by the first;
// www/cache.js, www/results.js: the warm visit draws what the cache of results holds). The
// first plot is the moment the alignment panel draws its first curve (the clean one; the noisy
// one joins it later); `alignment` is the moment both are drawn.
//   cargo xtask bench page [BASELINE_SITE] [reps=N] [webgpu] [first]
// (`first`: each visit ends once the alignment panel is done; the other panels are not timed.)
// builds dist/ and the release `recon-align`, serves dist/ (and BASELINE_SITE, a `dist/` built
// from an older commit, when given) and runs this script with RECON_ALIGN_URL,
// RECON_ALIGN_BASELINE_URL and RECON_ALIGN_BIN set. Each repetition loads the baseline, then this
// tree, then runs the native commands one after another, so that all see the same background load.
import { spawnSync } from 'node:child_process';
import { launch, BASE_URL, REPO_ROOT } from '../tests/e2e/browser.mjs';
import { nativePlan } from './native-plan.mjs';

const args = process.argv.slice(2);
const reps = Number(args.find((a) => a.startsWith('reps='))?.slice(5) ?? 1);
const modes = args.includes('webgpu') ? [false, true] : [false];
const sites = [
  ...(process.env.RECON_ALIGN_BASELINE_URL ? [['baseline', process.env.RECON_ALIGN_BASELINE_URL]] : []),
  ['this tree', BASE_URL],
];
const BIN = process.env.RECON_ALIGN_BIN;
const round = (x, digits) => Number(x.toFixed(digits));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
// The progress rows of the default panels, in the order they usually finish.
const PANELS = args.includes('first') ? ['alignment'] : ['alignment', 'never', 'subspace', 'guided', 'train', 'sweep'];
const plan = BIN ? nativePlan().filter((f) => PANELS.includes(f.figure)) : [];

/** Both visits of `url` in one fresh browser profile: [cold row, warm row]. */
async function measure(url, webgpu) {
  const browser = await launch({ webgpu });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const cold = await visit(context, url);
    const warm = await visit(context, url);
    return [{ visit: 'cold', ...cold }, { visit: 'warm', ...warm }];
  } finally {
    await browser.close();
  }
}

async function visit(context, url) {
  const page = await context.newPage();
  try {
    let dataBytes = 0;
    // Dedicated workers' fetches are reported on the page too (Chromium).
    page.on('response', async (r) => {
      if (r.url().includes('/www/data/')) dataBytes += (await r.body().catch(() => Buffer.alloc(0))).length;
    });
    // Each moment is taken in the page: the first time its selector matches (a MutationObserver),
    // then the next animation frame (the one that paints it), in seconds since the navigation
    // started (performance.timeOrigin). Neither the load event nor the test driver's polling
    // delays it.
    // When the page holds the data (the summary of a worker, or of the cache of results): no
    // figure can start before, so this is the floor under the first plot. A site that draws both
    // curves at once (a baseline) has its first plot when the panel is done.
    const moments = {
      data: '#dataset-summary[data-state="ready"]',
      first: '#panel-alignment[data-drawn], #alignment-progress[data-state="done"]',
      ...Object.fromEntries(PANELS.map((p) => [p, `#${p}-progress[data-state="done"]`])),
    };
    await page.addInitScript((selectors) => {
      const seen = {};
      globalThis.benchMoments = seen;
      const check = () => {
        for (const [name, sel] of Object.entries(selectors)) {
          if (name in seen || !document.querySelector(sel)) continue;
          seen[name] = null;
          requestAnimationFrame(() => { seen[name] = performance.now() / 1000; });
        }
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
    }, moments);
    await page.goto(url, { waitUntil: 'commit' });
    await Promise.all(Object.keys(moments).map((name) => page.waitForFunction((n) => typeof globalThis.benchMoments?.[n] === 'number', name, { timeout: 900_000, polling: 100 })));
    const at = await page.evaluate(() => globalThis.benchMoments);
    const data = at.data;
    const first = at.first;
    const times = PANELS.map((p) => at[p]);
    const gram = await page.getAttribute('#panel-alignment', 'data-gram');
    // A visit that computed G stores it in the background: the next visit is warm once it is there.
    if (gram && gram !== 'cache' && gram !== 'off') {
      // (waitForFunction takes a promise for true: the entry is polled here.)
      const entries = () => page.evaluate(async () => (await (await caches.open('recon-align-gram-v1')).keys()).length);
      for (const until = Date.now() + 60_000; (await entries()) === 0;) {
        if (Date.now() > until) throw new Error('the cold visit stored no cache entry within 60 s');
        await page.waitForTimeout(100);
      }
    }
    // ... and its results (www/results.js) as they arrive: the summary and both curves at least.
    const label = await page.textContent('#alignment-progress .progress-label');
    const fromCache = /from this browser's cache/.test(label);
    // A site with a cache of results has opened it by now (its first lookup creates it); an older
    // site (a baseline) has none to wait for.
    const hasResults = await page.evaluate(() => caches.has('recon-align-results-v1'));
    if (hasResults && !fromCache) {
      const results = () => page.evaluate(async () => (await (await caches.open('recon-align-results-v1')).keys())
        .map((r) => r.url.split('/').pop().split('?')[0]));
      for (const until = Date.now() + 60_000; ;) {
        const tasks = await results();
        if (tasks.includes('dataset') && tasks.filter((t) => t === 'curve').length >= 2) break;
        if (Date.now() > until) throw new Error(`the cold visit stored no summary and curves within 60 s: ${tasks}`);
        await page.waitForTimeout(100);
      }
    }
    // A result from the cache of results carries the provenance of G from the visit that computed it.
    const row = { backend: await page.textContent('#backend'), gram: fromCache ? '-' : gram, results: !hasResults ? 'none' : fromCache ? 'cache' : 'computed', data_mb: dataBytes / 1e6, data_s: round(data, 3), first_plot_s: round(first, 3) };
    PANELS.forEach((p, i) => { row[`${p}_s`] = round(times[i], 3); });
    row.all_panels_s = round(Math.max(...times), 3);
    return row;
  } finally {
    await page.close();
  }
}

/** Wall seconds of one native command (from the repository root, output discarded). */
function timeCommand(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BIN, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 24 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`recon-align ${argv.join(' ')} failed (${r.error ?? `exit ${r.status}`}): ${r.stderr}`);
  return s;
}

/** Each figure's native commands, one after another: seconds per figure and their sum. */
function measureNative() {
  const row = {};
  for (const { figure, commands } of plan) row[`${figure}_s`] = commands.reduce((s, argv) => s + timeCommand(argv), 0);
  row.all_panels_s = plan.reduce((s, { figure }) => s + row[`${figure}_s`], 0);
  for (const key of Object.keys(row)) row[key] = round(row[key], 3);
  return row;
}

if (BIN) {
  console.log('native commands (the page\'s default settings):');
  for (const { figure, commands, note } of plan) {
    console.log(`  ${figure}: ${commands.map((a) => `recon-align ${a.join(' ')}`).join(' ; ')}${note ? `\n    note: ${note}` : ''}`);
  }
  timeCommand(plan[0].commands[0]); // warm-up: page cache
}

const rows = [];
for (let rep = 0; rep < reps; rep++) {
  for (const webgpu of modes) {
    for (const [site, url] of sites) {
      for (const row of await measure(url, webgpu)) {
        rows.push({ site, mode: webgpu ? 'webgpu flag' : 'no webgpu', rep, ...row });
        console.log(JSON.stringify(rows.at(-1)));
      }
    }
  }
  if (BIN) {
    rows.push({ site: 'native', mode: 'cpu', rep, ...measureNative() });
    console.log(JSON.stringify(rows.at(-1)));
  }
}
console.table(rows);

// The first plot (the clean curve) and the whole alignment figure are both set against native
// `align`, which computes both curves.
const FIGURES = [['page holds the data', 'data_s'], ['first plot (clean curve)', 'first_plot_s', 'alignment_s'],
  ['alignment (both curves)', 'alignment_s'], ...PANELS.slice(1).map((p) => [p, `${p}_s`]), ['all panels', 'all_panels_s']];
for (const [webgpu, visitName] of modes.flatMap((m) => [[m, 'cold'], [m, 'warm']])) {
  const mode = `${webgpu ? 'webgpu flag' : 'no webgpu'}, ${visitName} visit`;
  const of = (site, key) => median(rows.filter((r) => r.site === site
    && (site === 'native' || (r.mode === (webgpu ? 'webgpu flag' : 'no webgpu') && r.visit === visitName))).map((r) => r[key]));
  if (sites.length === 2) {
    // Ratios baseline / this tree, from the medians over the repetitions.
    const ratios = {};
    for (const key of ['data_mb', 'data_s', 'first_plot_s', 'alignment_s', 'all_panels_s', ...PANELS.map((p) => `${p}_s`)]) {
      ratios[key] = { baseline: of('baseline', key), this_tree: of('this tree', key), ratio: of('baseline', key) / of('this tree', key) };
    }
    console.log(`${mode}: medians over ${reps} run(s), ratio = baseline / this tree`);
    console.table(ratios);
  }
  if (BIN) {
    // Page (navigation until the progress row is done) against the native commands of that figure;
    // "all panels": page until every row is done, native the sum of all the commands.
    const table = {};
    for (const [name, key, nativeKey = key] of FIGURES) {
      const entry = { page_s: of('this tree', key) };
      if (sites.length === 2) entry.baseline_page_s = of('baseline', key);
      // The native commands have no "holds the data" moment of their own.
      const native = of('native', nativeKey);
      entry.native_s = native == null ? null : round(native, 3);
      entry['page/native'] = native == null ? null : round(entry.page_s / native, 2);
      table[name] = entry;
    }
    console.log(`${mode}: page against native, medians over ${reps} run(s), ratio = page / native`);
    console.table(table);
  }
}
