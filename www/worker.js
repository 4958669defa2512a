// The compute side of the page: owns the wasm module and the dataset. It knows nothing of the DOM;
// it answers messages with plain data.
//
// Protocol (all messages are plain objects):
// The page starts it as worker.js?data=NAME (NAME a bundled dataset: mnist or fashion).
// UI -> worker
//   {type:'load-bundled', name}                          (mnist or fashion)
//   {type:'load-idx', images: ArrayBuffer, labels: ArrayBuffer, name}
//   {type:'load-url', images: url, labels: url}          (http(s) only)
//   {type:'run', id, task, params}                       (tasks below)
//   {type:'cancel', id}
// worker -> UI
//   {type:'backend', backend: {kind:'webgpu', adapter, backend} | {kind:'cpu', reason, detail}}
//   {type:'dataset', source, summary, samples: Uint8Array(100*d), labels: Uint8Array(100)}
//   {type:'progress', id, task, done, total, label}
//   {type:'epoch', id, data}                             (task 'train', once per epoch)
//   {type:'result', id, task, data}
//   {type:'cancelled', id}
//   {type:'notice', message}
//   {type:'error', id?, where, message}
// Tasks: alignment {noise}, sweep {}, never {noise}, subspace {seed}, guided {k, seed},
//        train {k, noise, lr, optimiser, epochs, batch, seed} (Rust's TrainSettings).
import init, { Lab, detectBackend, cancel as cancelTraining } from '../pkg/recon_align.js';

let lab = null;
let ready = null;          // resolves once the wasm module is initialised
const cancelled = new Set();
let queue = Promise.resolve(); // tasks run one at a time, in order
let backendKnown = null;   // resolves once the adapter has been probed

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
const fail = (where, err, id) => post({ type: 'error', id, where, message: String(err?.message ?? err) });
// Lets queued messages (a cancel, say) arrive between long steps.
const breathe = () => new Promise((r) => setTimeout(r, 0));

/** The bundled datasets (`data=` in the page's address; `--data` of the command-line tool). */
const BUNDLED = {
  mnist: { file: 'mnist.bin', source: 'bundled MNIST (first 10,000 training digits)' },
  fashion: { file: 'fashion.bin', source: 'bundled Fashion-MNIST (the 10,000 test images)' },
};

async function loadBundled(name) {
  const entry = BUNDLED[name];
  if (!entry) throw new Error(`no bundled dataset is called "${String(name).slice(0, 24)}"`);
  const resp = await fetch(new URL(`./data/${entry.file}`, import.meta.url));
  if (!resp.ok) throw new Error(`cannot fetch the ${entry.source} (${resp.status} ${resp.statusText})`);
  return new Uint8Array(await resp.arrayBuffer());
}

/** The dataset the page asked for when it started the worker (`worker.js?data=…`). */
const FIRST_DATA = new URL(self.location.href).searchParams.get('data') ?? 'mnist';

function announce(source) {
  const samples = lab.samples(100);
  const labels = lab.sampleLabels(100);
  post({ type: 'dataset', source, summary: lab.summary(), samples, labels },
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

async function fetchBytes(url, what) {
  const u = new URL(url, self.location.href);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${what} URL must be http(s)`);
  const resp = await fetch(u);
  if (!resp.ok) throw new Error(`cannot fetch ${what} (${resp.status} ${resp.statusText})`);
  return new Uint8Array(await resp.arrayBuffer());
}

function replaceLab(next, source) {
  lab?.free();
  lab = next;
  announce(source);
}

const TASKS = {
  alignment: async (id, p) => lab.alignment(p.noise),

  sweep: async (id) => {
    const plan = lab.sweepPlan();
    const out = { k: null, gaussian: null, series: [] };
    for (let i = 0; i < plan.length; i++) {
      progress(id, 'sweep', i, plan.length, `noise ${plan[i].noise}`);
      await breathe();
      if (cancelled.has(id)) return null;
      const impact = Array.from(lab.impact(plan[i].noise));
      out.k ??= impact.map((_, j) => j + 1);
      if (plan[i].kind === 'gaussian') out.gaussian = { noise: plan[i].noise, impact };
      else out.series.push({ noise: plan[i].noise, p: plan[i].p, patch: plan[i].patch, impact });
    }
    return out;
  },

  never: async (id, p) => lab.never(p.noise),

  subspace: async (id, p) => {
    const res = lab.subspace(BigInt(p.seed));
    // The MLP probe, one subspace at a time (GPU unless the adapter is a software one).
    await backendKnown;
    const total = 2 * res.fractions.length;
    for (const side of ['top', 'bottom']) {
      res[side].mlp_acc = [];
      for (const f of res.fractions) {
        const done = res.top.mlp_acc.length + (side === 'bottom' ? res.bottom.mlp_acc.length : 0);
        progress(id, 'subspace', done, total, `MLP probe, ${side} ${Math.round(100 * f)}% of the variance`);
        await breathe();
        if (cancelled.has(id)) return null;
        res[side].mlp_acc.push(await lab.mlpAccuracy(BigInt(p.seed), f, side, !softwareAdapter));
      }
    }
    const bytes = lab.projections();
    const s = lab.summary();
    const n = 8 * s.d;
    res.pictures = {
      d: s.d, h: s.h, w: s.w,
      original: bytes.slice(0, n), top: bytes.slice(n, 2 * n), bottom: bytes.slice(2 * n, 3 * n),
    };
    return res;
  },

  guided: async (id, p) => lab.guided(p.k, BigInt(p.seed)),

  train: async (id, p) => {
    await backendKnown;
    const epochs = [];
    const settings = { ...p, seed: p.seed };
    if (softwareAdapter) {
      post({ type: 'notice', message: 'The WebGPU adapter is a software renderer: training on the CPU, which is faster here.' });
    }
    const done = await lab.train(settings, !softwareAdapter, (summary) => {
      if (summary.epoch === 1) epochs.length = 0; // a restart on the CPU after a lost GPU
      epochs.push(summary);
      post({ type: 'epoch', id, data: summary });
      progress(id, 'train', summary.epoch, p.epochs, `epoch ${summary.epoch} of ${p.epochs}`);
    }, (message) => post({ type: 'notice', message }));
    return done.cancelled ? null : { ...done, epochs };
  },
};

function progress(id, task, done, total, label) {
  post({ type: 'progress', id, task, done, total, label });
}

async function runTask({ id, task, params }) {
  await ready;
  if (!lab) throw new Error('no dataset is loaded');
  const fn = TASKS[task];
  if (!fn) throw new Error(`unknown task ${task}`);
  if (cancelled.has(id)) return post({ type: 'cancelled', id });
  progress(id, task, 0, 1, 'computing');
  await breathe();
  const t0 = performance.now();
  const data = await fn(id, params ?? {});
  if (data === null || cancelled.has(id)) return post({ type: 'cancelled', id });
  post({ type: 'result', id, task, data, ms: performance.now() - t0 });
}

async function boot() {
  try {
    await init();
  } catch (e) {
    fail('wasm', `the WebAssembly module failed to load: ${e}`);
    throw e;
  }
  backendKnown = detectBackend().then(describeAdapter).then((b) => post({ type: 'backend', backend: b }),
    (e) => post({ type: 'backend', backend: { kind: 'cpu', reason: 'WebGPU unavailable', detail: String(e) } }));
  try {
    const name = BUNDLED[FIRST_DATA] ? FIRST_DATA : 'mnist';
    replaceLab(Lab.fromBundled(await loadBundled(name)), BUNDLED[name].source);
  } catch (e) {
    fail('data', e);
  }
}

self.onmessage = ({ data: msg }) => {
  if (msg.type === 'cancel') {
    cancelled.add(msg.id);
    cancelTraining();
    return;
  }
  queue = queue.then(async () => {
    try {
      await ready;
      if (msg.type === 'load-bundled') {
        const bytes = await loadBundled(msg.name);
        replaceLab(Lab.fromBundled(bytes), BUNDLED[msg.name].source);
      } else if (msg.type === 'load-idx') {
        replaceLab(Lab.fromIdx(new Uint8Array(msg.images), new Uint8Array(msg.labels)), msg.name ?? 'your IDX files');
      } else if (msg.type === 'load-url') {
        const [images, labels] = await Promise.all([fetchBytes(msg.images, 'images'), fetchBytes(msg.labels, 'labels')]);
        replaceLab(Lab.fromIdx(images, labels), `IDX from ${new URL(msg.images, self.location.href).host}`);
      } else if (msg.type === 'run') {
        await runTask(msg);
      } else {
        fail('protocol', `unknown message type ${msg.type}`);
      }
    } catch (e) {
      fail(msg.task ?? msg.type, e, msg.id);
    }
  });
};

ready = boot();
