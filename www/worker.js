// The compute side of the page: owns the wasm module and the dataset. It knows nothing of the DOM;
// it answers messages with plain data.
//
// Protocol (all messages are plain objects):
// The page starts it as worker.js?data=NAME (NAME a bundled dataset: mnist or fashion; `none`
// loads nothing, for a restarted worker that is sent the page's last good dataset), and with
// `&wasm=page` when it sends the compiled module itself (www/boot.js) as its first message.
// UI -> worker
//   {type:'wasm', module: WebAssembly.Module | null, build: hex | null}
//                                                        (with wasm=page only; null: fetch it here)
//   {type:'load-bundled', name, bytes?, generation}      (mnist or fashion; bytes: the file,
//                                                         when the page has downloaded it)
//   {type:'load-idx', images: ArrayBuffer, labels: ArrayBuffer, name, side?, grey?, generation}
//   {type:'load-file', name, bytes: ArrayBuffer, shape?: 'C,H,W', side?, grey?, generation}
//                                                        (one file of any format Lab.fromFile reads:
//                                                         NumPy .npz, CIFAR .tar.gz or .bin; a .zip
//                                                         of image folders goes to www/folders.js)
//   {type:'load-folder', name, bytes: ArrayBuffer, paths: [string], ends: [number], side?, grey?,
//    generation}                                         (a chosen folder's files, one after the
//                                                         other; www/folders.js)
//   side: a number S (resize every image to S x S) or null; grey: a boolean (Rust's
//   Dataset::reshaped, for every load but the bundled ones)
//   {type:'load-url', images: url, labels: url, generation} (http(s) only; streamed with a byte
//                                                         cap and a timeout)
//   {type:'cancel-load'}                                 (stops a load-url in progress)
//   {type:'run', id, task, params}                       (tasks below)
//   {type:'cancel', id}                                  (that task only)
//   {type:'ping', seq}                                   (answered at once when the worker is free)
// A dataset is parsed and checked in full (sizes, images, classes, memory and time) before it
// replaces the current one: a refused dataset leaves the current one in place. `generation`
// numbers the page's loads (0: the dataset of `worker.js?data=NAME`); the answer to a load, a
// `dataset` or an `error` about it, repeats it, so that a page with several workers hears once.
// worker -> UI
//   {type:'backend', backend: {kind:'webgpu', adapter, backend} | {kind:'cpu', reason, detail}}
//   {type:'dataset', generation, source, summary, samples: Uint8Array(100*d), labels: Uint8Array(100),
//    estimates: [{panel, seconds, auto}], key: {name, data, build} | null}
//                                                        (estimates: each figure's time, from N and D;
//                                                        key: the SHA-256s of a bundled dataset's
//                                                        bytes and of the module; null otherwise)
//   {type:'progress', id, task, done, total, label}
//   {type:'epoch', id, data}                             (task 'train', once per epoch)
//   {type:'result', id, task, data}
//   {type:'cancelled', id}
//   {type:'notice', message}
//   {type:'error', id?, where, message, generation?}    (generation: a refused load)
//   {type:'pong', seq, pending, cancelled, tokens}       (bookkeeping sizes, for the watchdog)
//   {type:'crashed', id?, where, message}                (the wasm trapped, panicked or ran out of
//                                                         memory: the page restarts the worker)
// A bundled dataset's G is cached for repeat visits (www/cache.js), keyed by the SHA-256 of the data
// and of this worker's WebAssembly module. A `curve` result says where this worker's G came from:
// data.gram is 'cache' (a sound entry), 'computed' (no entry; one is stored once G is built),
// 'corrupt' or 'refused' (an entry failed its checksum or the wasm's checks: ignored and replaced),
// or 'off' (no Cache Storage here, or not a bundled dataset).
// Tasks: alignment {noise}, curve {noise}, sweep-plan {}, impact {noise}, never {noise},
//        subspace {seed}, mlp {seed, fraction, side}, guided {k, seed},
//        train {k, noise, lr, optimiser, epochs, batch, seed} (Rust's TrainSettings),
//        fault {kind, seconds} (only where the module is built with the `bench` feature: tests).
import * as wasm from '../pkg/recon_align.js';
import { MAX_FILE_BYTES, URL_TIMEOUT_MS } from './limits.js';
import { BUNDLED, fetchBundled } from './bundled.js';
import { cacheAvailable, readEntry, sha256Hex, writeEntry } from './cache.js';
import { folderLab, isImageZip, reshapeArgs } from './folders.js';

const { default: init, Lab, detectBackend, cancel: cancelTask, cancelTokens } = wasm;

let lab = null;
let ready = null;          // resolves once the wasm module is initialised
let memory = null;         // the module's memory (its size says whether a trap was out of memory)
let dead = false;          // set once the module has trapped: nothing more runs in this worker
const pending = new Set(); // ids of tasks received and not yet finished
const cancelled = new Set(); // ids of pending tasks that were cancelled (a subset of pending)
let queue = Promise.resolve(); // tasks run one at a time, in order
let loads = Promise.resolve(); // dataset loads, one at a time, in order
let backendKnown = null;   // resolves once the adapter has been probed
let buildHash = null;      // resolves to the SHA-256 of the wasm module's bytes (null: unknown)
// Where the current Lab's G came from (see above), and the cache entry to fill once G is built.
let gramOrigin = 'off';
let gramToStore = null;    // { lab, name, key } or null

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
// Each of these means the module can no longer be trusted: it trapped (a panic, `unreachable`),
// or memory could not grow.
const isCrash = (e) => e instanceof WebAssembly.RuntimeError
  || (e instanceof RangeError && /memory|allocation/i.test(String(e.message)));
function crashed(where, e, id) {
  dead = true;
  const panic = self.reconAlignPanic;
  const bytes = memory?.buffer.byteLength ?? 0;
  const oom = !panic && (bytes > 2 ** 31 || /memory|allocation/i.test(String(e?.message)));
  const message = panic
    ?? (oom ? `the WebAssembly module ran out of memory (${(bytes / 2 ** 30).toFixed(1)} GiB in use; ${e})`
      : `the WebAssembly module stopped (${e})`);
  post({ type: 'crashed', id, where, message });
}
const fail = (where, err, id, generation) => post({ type: 'error', id, where, message: String(err?.message ?? err), generation });
// Lets queued messages (a cancel, say) arrive between long steps.
const breathe = () => new Promise((r) => setTimeout(r, 0));

/** The dataset the page asked for when it started the worker (`worker.js?data=…`). */
const FIRST_DATA = new URL(self.location.href).searchParams.get('data') ?? 'mnist';
/** The module sent by the page (`wasm=page`): resolves with the page's `wasm` message. */
let moduleFromPage = null;
const fromPage = new URL(self.location.href).searchParams.get('wasm') === 'page'
  ? new Promise((resolve) => { moduleFromPage = resolve; })
  : null;

function announce(source, generation, key) {
  const samples = lab.samples(100);
  const labels = lab.sampleLabels(100);
  post({ type: 'dataset', generation, source, summary: lab.summary(), estimates: lab.estimates(), samples, labels, key },
    [samples.buffer, labels.buffer]);
}

// Browsers often hide the adapter description that wgpu reports; vendor and architecture remain.
// A software adapter (SwiftShader, a fallback adapter) emulates the GPU on the CPU and trains
// 20-40x slower than our wasm CPU path (BENCHMARKS.md), so training then runs on the CPU.
let softwareAdapter = false;
async function describeAdapter(b) {
  if (b.kind !== 'webgpu') return b;
  const info = (await navigator.gpu?.requestAdapter())?.info;
  const name = b.adapter || [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  softwareAdapter = Boolean(info?.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|software/i.test(`${name} ${info?.architecture ?? ''}`);
  return { ...b, adapter: name, software: softwareAdapter };
}

let loading = null; // the AbortController of the load-url in progress

/** The bytes at `url`, streamed: at most MAX_FILE_BYTES, within URL_TIMEOUT_MS, cancellable. */
async function fetchBytes(url, what, signal) {
  const u = new URL(url, self.location.href);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${what} URL must be http(s)`);
  const resp = await fetch(u, { signal });
  if (!resp.ok) throw new Error(`cannot fetch ${what} (${resp.status} ${resp.statusText})`);
  const announced = Number(resp.headers.get('content-length'));
  const cap = `at most ${(MAX_FILE_BYTES / 2 ** 20).toFixed(0)} MiB per file`;
  if (announced > MAX_FILE_BYTES) throw new Error(`${what} is ${(announced / 2 ** 20).toFixed(0)} MiB; this page reads ${cap}`);
  const chunks = [];
  let total = 0;
  const reader = resp.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_FILE_BYTES) {
      reader.cancel();
      throw new Error(`${what} holds more than ${(MAX_FILE_BYTES / 2 ** 20).toFixed(0)} MiB; this page reads ${cap}`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

async function loadUrls(msg) {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${URL_TIMEOUT_MS / 1000} s`)), URL_TIMEOUT_MS);
  try {
    return await Promise.all([fetchBytes(msg.images, 'images', controller.signal), fetchBytes(msg.labels, 'labels', controller.signal)]);
  } catch (e) {
    if (controller.signal.aborted) throw new Error(`the download stopped: ${controller.signal.reason?.message ?? 'cancelled'}`);
    throw e;
  } finally {
    clearTimeout(timer);
    if (loading === controller) loading = null;
  }
}

// Datasets replaced while a task still uses them (an async wasm call borrows its Lab): freed when
// no task runs.
const retired = [];
let running = 0;
function replaceLab(next, source, generation = 0, origin = { gram: 'off', store: null, key: null }) {
  gramOrigin = origin.gram;
  gramToStore = origin.store && { ...origin.store, lab: next };
  if (lab) retired.push(lab);
  lab = next;
  if (running === 0) retired.splice(0).forEach((l) => l.free());
  announce(source, generation, origin.key ?? null);
}

/**
 * A Lab of the bundled dataset `name` from its `bytes`, with G from the cache when a sound entry
 * is there: `{ lab, origin }`, `origin` as `replaceLab` takes it.
 */
async function openBundled(bytes, name) {
  const build = cacheAvailable() ? await buildHash : null;
  if (!build) return { lab: Lab.fromBundled(bytes), origin: { gram: 'off', store: null, key: null } };
  const key = { data: await sha256Hex(bytes), build };
  const named = { name, ...key };
  let gram = 'computed';
  try {
    const entry = await readEntry(name, key);
    if (entry.payload) {
      try {
        return { lab: Lab.fromBundledWithGram(bytes, entry.payload), origin: { gram: 'cache', store: null, key: named } };
      } catch (e) {
        if (isCrash(e)) throw e;
        gram = 'refused'; // sound bytes that do not describe this data: replaced below
      }
    } else if (entry.corrupt) {
      gram = 'corrupt';
    }
  } catch (e) {
    if (isCrash(e)) throw e;
    gram = 'off'; // the cache could not be read (storage disabled, quota): no cache this time
  }
  return { lab: Lab.fromBundled(bytes), origin: { gram, store: gram === 'off' ? null : { name, key }, key: named } };
}

/** Stores the current Lab's G once it is built, if its dataset's cache entry is still missing. */
async function storeGram() {
  const s = gramToStore;
  if (!s || s.lab !== lab || !lab.hasGram()) return;
  gramToStore = null;
  try {
    await writeEntry(s.name, s.key, lab.gramBytes());
  } catch (e) {
    if (isCrash(e)) throw e; // a full disk or a refused quota only costs the next visit its cache
  }
}

const TASKS = {
  alignment: async (id, p) => lab.alignment(p.noise),

  // One alignment curve (the page asks for the clean one and the noisy one side by side).
  curve: async (id, p) => ({ ...lab.curve(p.noise), gram: gramOrigin }),

  // The sweep's noises; the page runs one `impact` task per noise.
  'sweep-plan': async () => lab.sweepPlan(),

  impact: async (id, p) => Array.from(lab.impact(p.noise)),

  never: async (id, p) => lab.never(p.noise),

  // The linear probes and the projected pictures; the page runs one `mlp` task per subspace.
  subspace: async (id, p) => {
    const res = lab.subspace(BigInt(p.seed));
    const bytes = lab.projections(BigInt(p.seed));
    const [topFraction, bottomFraction] = Array.from(lab.pictureFractions());
    const s = lab.summary();
    const n = 8 * s.d;
    res.pictures = {
      d: s.d, h: s.h, w: s.w, top_fraction: topFraction, bottom_fraction: bottomFraction,
      original: bytes.slice(0, n), top: bytes.slice(n, 2 * n), bottom: bytes.slice(2 * n, 3 * n),
    };
    return res;
  },

  // The MLP probe on one subspace (GPU unless the adapter is a software one), trained until its
  // validation accuracy stops improving: {accuracy, dims, epochs, epochs_run, validation_accuracy}.
  mlp: async (id, p) => {
    await backendKnown;
    return lab.mlpProbe(BigInt(p.seed), p.fraction, p.side, !softwareAdapter);
  },

  guided: async (id, p) => lab.guided(p.k, BigInt(p.seed)),

  train: async (id, p) => {
    await backendKnown;
    const epochs = [];
    const settings = { ...p, seed: p.seed };
    if (softwareAdapter) {
      post({ type: 'notice', message: 'The WebGPU adapter is a software renderer: training on the CPU, which is faster here.' });
    }
    if (cancelled.has(id)) return null;
    const done = await lab.train(settings, id, !softwareAdapter, (summary) => {
      if (summary.epoch === 1) epochs.length = 0; // a restart on the CPU after a lost GPU
      epochs.push(summary);
      post({ type: 'epoch', id, data: summary });
      progress(id, 'train', summary.epoch, p.epochs, `epoch ${summary.epoch} of ${p.epochs}`);
    }, (message) => post({ type: 'notice', message }));
    return done.cancelled ? null : { ...done, epochs };
  },

  fault: async (id, p) => {
    if (!wasm.faultForTest) throw new Error('this build injects no faults (only the bench build does)');
    // To lose the device during training, training must run on it, even on a software adapter.
    if (p.kind === 'lose-device') softwareAdapter = false;
    wasm.faultForTest(p.kind, p.seconds ?? 0);
    return {};
  },
};

function progress(id, task, done, total, label) {
  post({ type: 'progress', id, task, done, total, label });
}

async function runTask({ id, task, params }) {
  await ready;
  if (!lab && task !== 'fault') throw new Error('no dataset is loaded');
  const fn = TASKS[task];
  if (!fn) throw new Error(`unknown task ${task}`);
  if (cancelled.has(id)) return post({ type: 'cancelled', id });
  progress(id, task, 0, 1, 'computing');
  await breathe();
  const t0 = performance.now();
  const data = await fn(id, params ?? {});
  if (data === null || cancelled.has(id)) return post({ type: 'cancelled', id });
  post({ type: 'result', id, task, data, ms: performance.now() - t0 });
  // G's bytes are copied at once; the write does not hold up the next task.
  storeGram();
}

async function boot() {
  // The download starts while the module compiles.
  const name = BUNDLED[FIRST_DATA] ? FIRST_DATA : 'mnist';
  const download = FIRST_DATA === 'none' ? null : fetchBundled(name);
  download?.catch(() => {}); // answered below, once the module can report it
  // The page's compiled module and its hash (www/boot.js) when it sends them; otherwise the
  // module's bytes are read twice from one download here: compiled as they stream, and hashed for
  // the caches' key.
  const given = await fromPage;
  const wasmSource = given?.module ?? fetch(new URL('../pkg/recon_align_bg.wasm', import.meta.url)).then((resp) => {
    buildHash = resp.ok && cacheAvailable() ? resp.clone().arrayBuffer().then(sha256Hex).catch(() => null) : null;
    return resp;
  });
  if (given?.module) buildHash = Promise.resolve(given.build ?? null);
  try {
    memory = (await init({ module_or_path: wasmSource })).memory;
  } catch (e) {
    fail('wasm', `the WebAssembly module failed to load: ${e}`);
    throw e;
  }
  backendKnown = detectBackend().then(describeAdapter).then((b) => post({ type: 'backend', backend: b }),
    (e) => post({ type: 'backend', backend: { kind: 'cpu', reason: 'WebGPU unavailable', detail: String(e) } }));
  if (!download) return;
  try {
    const { lab: next, origin } = await openBundled(await download, name);
    replaceLab(next, BUNDLED[name].source, 0, origin);
  } catch (e) {
    fail('data', e, undefined, 0);
  }
}

self.onmessage = ({ data: msg }) => {
  if (dead) return;
  if (msg.type === 'wasm') {
    moduleFromPage?.(msg);
    return;
  }
  if (msg.type === 'cancel') {
    // Only a task that is still pending can be cancelled; its id is forgotten when it finishes.
    if (pending.has(msg.id)) cancelled.add(msg.id);
    cancelTask(msg.id);
    return;
  }
  if (msg.type === 'cancel-load') {
    loading?.abort(new Error('cancelled'));
    return;
  }
  if (msg.type === 'ping') {
    post({ type: 'pong', seq: msg.seq, pending: pending.size, cancelled: cancelled.size, tokens: cancelTokens?.() ?? 0 });
    return;
  }
  if (msg.type === 'run') pending.add(msg.id);
  // Loads do not wait for tasks (a refusal answers at once; a figure in progress is cancelled by
  // the page when new data arrives); tasks wait for the loads sent before them.
  const isLoad = msg.type.startsWith('load-');
  const loadedBefore = loads;
  const work = async () => {
    try {
      await ready;
      if (dead) return;
      if (!isLoad) await loadedBefore;
      if (msg.type === 'load-bundled') {
        // The page sends the bytes it downloaded once for all its workers.
        const bytes = msg.bytes ? new Uint8Array(msg.bytes) : await fetchBundled(msg.name);
        const { lab: next, origin } = await openBundled(bytes, msg.name);
        replaceLab(next, BUNDLED[msg.name].source, msg.generation, origin);
      } else if (msg.type === 'load-idx') {
        replaceLab(Lab.fromIdx(new Uint8Array(msg.images), new Uint8Array(msg.labels), ...reshapeArgs(msg)), msg.name ?? 'your IDX files', msg.generation);
      } else if (msg.type === 'load-folder' || (msg.type === 'load-file' && isImageZip(wasm, msg.bytes))) {
        replaceLab(await folderLab(wasm, msg.type === 'load-file' ? { ...msg, paths: undefined } : msg), msg.name ?? 'your image folder', msg.generation);
      } else if (msg.type === 'load-file') {
        replaceLab(Lab.fromFile(msg.name ?? 'data', new Uint8Array(msg.bytes), msg.shape || undefined, ...reshapeArgs(msg)), msg.name ?? 'your file', msg.generation);
      } else if (msg.type === 'load-url') {
        const [images, labels] = await loadUrls(msg);
        replaceLab(Lab.fromIdx(images, labels, ...reshapeArgs(msg)), `IDX from ${new URL(msg.images, self.location.href).host}`, msg.generation);
      } else if (msg.type === 'run') {
        running += 1;
        try {
          await runTask(msg);
        } finally {
          running -= 1;
          if (running === 0) retired.splice(0).forEach((l) => l.free());
        }
      } else {
        fail('protocol', `unknown message type ${msg.type}`);
      }
    } catch (e) {
      if (isCrash(e)) crashed(msg.task ?? msg.type, e, msg.id);
      else fail(msg.task ?? msg.type, e, msg.id, msg.generation);
    } finally {
      pending.delete(msg.id);
      cancelled.delete(msg.id);
    }
  };
  if (isLoad) loads = loads.then(work);
  else queue = queue.then(work);
};

// A trap inside a promise the code above does not await (a wasm future) still restarts the worker.
self.addEventListener('unhandledrejection', (e) => {
  if (!dead && isCrash(e.reason)) { e.preventDefault(); crashed('worker', e.reason); }
});
self.addEventListener('error', (e) => {
  if (!dead && isCrash(e.error)) { e.preventDefault(); crashed('worker', e.error); }
});

ready = boot();
