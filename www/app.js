// The page: UI only. All computation happens in the worker (www/worker.js); the state lives in one
// typed table (www/state.js) mirrored in the URL hash; charts (www/charts.js) only draw.
import { Compute } from './compute.js';
import { WorkerPool, poolSize } from './pool.js';
import { visit } from './boot.js';
import { sameKey } from './results.js';
import { byodStatus, wireByod } from './byod.js';
import { notice } from './notices.js';
import { planHolds, release } from './holds.js';
import { SCHEMA, PANELS, RUN_ORDER, parseHash, parseValue, toHash, noiseSpec, validate, trainSteps, trainingImages, defaults } from './state.js';
import { createTrainPanel } from './panels/train.js';
import { createAlignmentPanel } from './panels/alignment.js';
import { createNeverPanel } from './panels/never.js';
import { createSubspacePanel } from './panels/subspace.js';
import { createGuidedPanel } from './panels/guided.js';
import { createDesignerPanel } from './panels/designer.js';
import { watchTheme } from './theme.js';
import { embedDialog } from './embed-dialog.js';
import { reportHeight } from './embed-frame.js';

const $ = (id) => document.getElementById(id);

// How each panel of www/state.js's PANEL_TABLE is built (a missing one fails at start-up).
const CREATE = {
  train: createTrainPanel, alignment: createAlignmentPanel, never: createNeverPanel,
  subspace: createSubspacePanel, guided: createGuidedPanel, designer: createDesignerPanel,
};
for (const id of PANELS) if (!CREATE[id]) throw new Error(`no panel module for "${id}"`);

let state;
// { source, summary, key, cached }: `key` names a bundled dataset's bytes and build (null for other
// data); `cached` is true while the page shows the summary of an earlier visit and no worker has
// confirmed that it holds the same data.
let dataset = null;
const panels = new Map();

function showBackend(b) {
  const el = $('backend');
  if (b.kind === 'webgpu') {
    el.textContent = `WebGPU (${b.adapter})`;
    el.title = b.software ? 'a software adapter: training runs on the CPU, which is faster here' : (b.backend ?? '');
  } else {
    el.textContent = 'CPU (WebGPU unavailable)';
    el.title = b.detail ?? '';
    notice('This browser offers no WebGPU adapter; computing on the CPU (WebAssembly).', 'warn',
      [b.reason, b.detail].filter(Boolean).join(': '));
  }
  el.dataset.state = b.kind;
}

function drawDigits(grid, samples, labels, { h, w, c, d }) {
  grid.replaceChildren();
  const count = samples.length / d;
  for (let i = 0; i < count; i++) {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.title = `label ${labels[i]}`;
    const img = new ImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      // Channel-major storage: grey for C=1, RGB from the first three planes otherwise.
      for (let ch = 0; ch < 3; ch++) img.data[4 * p + ch] = samples[i * d + Math.min(ch, c - 1) * h * w + p];
      img.data[4 * p + 3] = 255;
    }
    canvas.getContext('2d').putImageData(img, 0, 0);
    grid.append(canvas);
  }
  grid.dataset.count = String(count);
}

// ---- state <-> controls <-> URL ----

function controlFor(key) { return $(`ctl-${key}`); }

function fillControls() {
  for (const row of SCHEMA) {
    const el = controlFor(row.key);
    if (el) el.value = String(state[row.key]);
  }
  for (const label of document.querySelectorAll('#settings [data-when]')) {
    label.hidden = label.dataset.when !== state.noise;
  }
}

function writeHash() {
  const hash = `#${toHash(state)}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  updateLinks();
}

function shareURL(s = state) {
  return `${location.href.split('#')[0]}#${toHash(s)}`;
}

function updateLinks() {
  $('full-demo').href = `./#${toHash({ ...state, embed: false, controls: false })}`;
  const share = $('share-link');
  if (!share.hidden) share.value = shareURL();
}

let pending = new Set();
let pendingTimer = 0;
/** Records changed keys and reruns the panels that depend on them, once the reader pauses. */
function changed(keys) {
  keys.forEach((k) => pending.add(k));
  clearTimeout(pendingTimer);
  pendingTimer = setTimeout(() => {
    const keys = [...pending];
    pending = new Set();
    rerun(keys);
  }, 250);
}

let loadData = () => {};
function rerun(keys) {
  if (!dataset) return;
  if (keys.includes('data')) {
    // Another bundled dataset: the worker loads it, and its arrival reruns every figure.
    loadData(state.data);
    return;
  }
  for (const id of runOrder()) {
    const p = panels.get(id);
    if (p && p.deps.some((d) => keys.includes(d))) p.run(keys);
  }
}

function runOrder() {
  return state.panel !== 'all' ? [state.panel, ...RUN_ORDER.filter((p) => p !== state.panel)] : RUN_ORDER;
}

function onControlChange(e) {
  const el = e.target;
  const row = SCHEMA.find((r) => controlFor(r.key) === el);
  if (!row) return;
  const r = parseValue(row, el.value.trim());
  if (r.error) {
    notice(`${row.doc}: "${el.value.slice(0, 24)}" is ${r.error}; keeping ${state[row.key]}.`);
    el.value = String(state[row.key]);
    return;
  }
  if (r.value === state[row.key]) return;
  state = { ...state, [row.key]: r.value };
  if (dataset && (row.key === 'batch' || row.key === 'k')) boundNotices(state, dataset.summary, [row.key]);
  fillControls();
  writeHash();
  changed([row.key]);
}

/** Sets settings from a panel (the noise designer): state, controls, hash, then the reruns. */
function update(patch) {
  const next = { ...state, ...patch };
  const problems = validate(next);
  if (problems.length) {
    notice(`Setting not changed: ${problems.join('; ')}.`);
    return;
  }
  const keys = SCHEMA.map((r) => r.key).filter((k) => next[k] !== state[k]);
  if (keys.length === 0) return;
  state = next;
  fillControls();
  writeHash();
  changed(keys);
}

function onHashChange() {
  const { state: next, problems } = parseHash(location.hash);
  problems.forEach((p) => notice(p));
  const keys = SCHEMA.map((r) => r.key).filter((k) => next[k] !== state[k]);
  if (keys.length === 0) return;
  if (keys.some((k) => ['embed', 'panel', 'controls'].includes(k))) {
    // The layout changes: simplest and surest is a fresh page with the new hash.
    location.reload();
    return;
  }
  state = next;
  fillControls();
  writeHash();
  changed(keys);
}

async function copyLink() {
  const url = shareURL();
  const share = $('share-link');
  share.hidden = false;
  share.value = url;
  share.select();
  try {
    await navigator.clipboard.writeText(url);
    $('copy-link').textContent = 'Link copied';
  } catch {
    $('copy-link').textContent = 'Copy the link below';
  }
  setTimeout(() => { $('copy-link').textContent = 'Copy link'; }, 3000);
}

// ---- layout ----

function applyLayout() {
  const body = document.body;
  body.classList.toggle('embed', state.embed);
  body.dataset.panel = state.panel;
  // The theme only restyles (no panel depends on it); www/theme.js follows later changes.
  watchTheme(() => state);
  if (state.embed) {
    $('settings').hidden = !state.controls;
    $('panel-data').hidden = true;
    // Tells a host page how tall this embed is (www/embed.js sizes the iframe from it).
    reportHeight(state.panel);
  }
}

function shownPanels() {
  return state.embed && state.panel !== 'all' ? [state.panel] : PANELS;
}

function buildPanels(ctx) {
  const main = $('panels');
  const embedButton = state.embed ? null : embedDialog(ctx.state);
  for (const id of PANELS) {
    if (!shownPanels().includes(id)) continue;
    const p = CREATE[id](ctx);
    panels.set(id, p);
    main.append(p.shell.section);
    p.shell.progress.rerun.addEventListener('click', () => { release(id); p.run(null); });
    if (embedButton) p.shell.exports.append(embedButton(id));
  }
  if (!state.embed && state.panel !== 'all') {
    // A link to one panel in the full page: scroll to it once it exists.
    requestAnimationFrame(() => $(`panel-${state.panel}`)?.scrollIntoView());
  }
}

function showSplit(split) {
  if (!split) return;
  $('split-note').textContent = `${split.train.toLocaleString('en')} training and ${split.test.toLocaleString('en')} test images, seed ${split.seed}`;
  $('split-note').dataset.state = 'ready';
}

// ---- start ----

function start() {
  const parsed = parseHash(location.hash);
  state = parsed.state;
  parsed.problems.forEach((p) => notice(p));
  applyLayout();
  fillControls();
  writeHash();
  $('settings').addEventListener('change', onControlChange);
  $('settings').addEventListener('submit', (e) => e.preventDefault());
  $('copy-link').addEventListener('click', copyLink);
  window.addEventListener('hashchange', onHashChange);

  // The module and the first dataset are downloaded once, for every worker (www/boot.js started
  // both before this module ran).
  const compute = new Compute(poolSize());
  compute.memo = visit.memo;
  const spawn = (name) => {
    const worker = new Worker(new URL(`./worker.js?data=${name}&wasm=page`, import.meta.url), { type: 'module' });
    Promise.all([visit.module, visit.build]).then(([module, build]) => worker.postMessage({ type: 'wasm', module, build }));
    return worker;
  };
  let pool;
  try {
    pool = new WorkerPool(spawn, compute, state.data, {
      message: (msg) => onWorkerMessage(msg, compute),
      restart: (why) => notice(`The computation stopped: ${why}. The compute worker was restarted with ${dataset?.source ?? 'the data'}; pending figures run again and every setting is kept.`, 'error'),
      loadFailed: (why) => byodStatus(`Could not load the data: ${why}. The previous data stays.`, 'error'),
      gaveUp: (why) => notice(why, 'error'),
    }, visit.bytes);
  } catch (e) {
    notice(`This browser cannot start a module Web Worker (${e}); the demo cannot run here.`, 'error');
    return;
  }
  loadData = (name) => pool.load({ type: 'load-bundled', name });
  const ctx = {
    compute,
    notice,
    state: () => state,
    update,
    settings: () => ({ ...state, noise_spec: noiseSpec(state), dataset: dataset?.source, n: dataset?.summary.n, d: dataset?.summary.d }),
    dims: () => dataset?.summary.d ?? 784,
    images: () => dataset?.summary.n ?? 10_000,
    classes: () => dataset?.summary.classes ?? 10,
    showSplit,
  };
  buildPanels(ctx);
  wireByod(pool);
  warmStart(visit, compute);
}

/**
 * A repeat visit: once the hashes of the module and of the first dataset are known, the summary
 * an earlier visit stored for them (www/results.js) is shown and the panels start, their results
 * coming from the same cache, without waiting for a worker to hold the data.
 */
async function warmStart(visit, compute) {
  try {
    const cached = await visit.cached;
    if (!cached || dataset || state.data !== visit.firstName) return;
    onDataset({ ...cached, cached: true }, compute);
    // The figures the cache holds are drawn before the workers load the data.
    await compute.lookupsSettled();
  } finally {
    visit.release();
  }
}

let backendShown = false;
function onWorkerMessage(msg, compute) {
  switch (msg.type) {
    case 'backend':
      // A restarted worker probes the adapter again; the reader has been told once.
      if (!backendShown) showBackend(msg.backend);
      backendShown = true;
      break;
    case 'dataset': {
      // A worker holds these data: results are looked up and stored under its key (none for
      // data that is not bundled).
      compute.memo.setKey(msg.key, true);
      if (dataset?.cached && sameKey(dataset.key, msg.key)) {
        // The summary and figures already shown from the cache stand.
        dataset.cached = false;
        break;
      }
      if (msg.key) compute.memo.store(compute.memo.key, 'dataset', {}, { source: msg.source, summary: msg.summary, samples: msg.samples, labels: msg.labels, key: msg.key });
      onDataset(msg, compute);
      break;
    }
    case 'notice': notice(msg.message); break;
    case 'error':
      if (['data', 'wasm', 'load-idx', 'load-file', 'load-url', 'load-bundled'].includes(msg.where)) {
        const kept = dataset ? ` The current data (${dataset.source}) and its figures stay.` : '';
        byodStatus(`Could not load the data: ${msg.message}.${kept}`, 'error');
        notice(`Could not load the data: ${msg.message}.${kept}`, 'error');
        if (!dataset) $('dataset-summary').dataset.state = 'error';
      } else {
        notice(`Error (${msg.where}): ${msg.message}`, 'error');
      }
      break;
    default: break;
  }
}

/** Whether the training run of `state` on `n` images is longer than the default run. */
function longerThanDefault(s, n) {
  return trainSteps(s, n) > trainSteps(defaults(), n);
}

/** The notices for settings the data bounds: K <= D and batch <= the training images. */
function boundNotices(s, summary, keys = ['k', 'batch']) {
  if (keys.includes('k') && s.k > summary.d) notice(`K=${s.k} is larger than D=${summary.d} for this data; the figures use K=${summary.d}.`);
  const m = trainingImages(summary.n);
  if (keys.includes('batch') && s.batch > m) notice(`Batch ${s.batch.toLocaleString('en')} is larger than the ${m.toLocaleString('en')} training images (the training part of N=${summary.n.toLocaleString('en')}); training uses batches of ${m.toLocaleString('en')}.`);
}

function onDataset({ source, summary, estimates, samples, labels, key = null, cached = false }, compute) {
  const first = dataset === null;
  dataset = { source, summary, key, cached };
  const s = summary;
  const el = $('dataset-summary');
  el.textContent = `${source}: N=${s.n.toLocaleString('en')}, ${s.h}×${s.w}×${s.c} (D=${s.d}), ${s.classes} classes`;
  el.dataset.state = 'ready';
  $('data-note').textContent = `${source}, N=${s.n.toLocaleString('en')}`;
  $('data-estimates').textContent = planHolds(estimates, s);
  // The sample images wait until the browser is idle: the figures come first.
  const grid = $('digit-grid');
  delete grid.dataset.count;
  const idle = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 50));
  idle(() => { if (dataset?.summary === summary) drawDigits(grid, samples, labels, s); }, { timeout: 2000 });
  controlFor('k').max = String(s.d);
  controlFor('guided_k').max = String(s.d);
  controlFor('batch').max = String(s.n);
  boundNotices(state, s);
  if (!first) {
    byodStatus(`Loaded ${source}: every figure reruns.`, 'ok');
    compute.cancelAll();
  }
  for (const id of runOrder()) {
    const p = panels.get(id);
    if (!p) continue;
    p.reset();
    if (id === 'train' && state.embed && longerThanDefault(state, s.n)) {
      // An embed never starts a long run on its own: the reader presses Train.
      p.hold?.(`This run (${state.epochs} epochs, batch ${Math.min(state.batch, s.n)}) is longer than the default; press Train to start it.`);
    } else {
      p.run(null);
    }
  }
}

start();
