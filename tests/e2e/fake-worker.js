// A stand-in for www/worker.js that speaks the same protocol with made-up numbers, so the page's
// UI (state, layout, charts, exports, cancel) can be tested quickly and without the wasm module.
// Tests substitute it with page.route() at an address in www/; it never ships.
import { BUNDLED } from './bundled.js';

const D = 784;
/** The real worker's per-figure estimates, all short (the fake's data are the digits' size). */
const ESTIMATES = ['alignment', 'sweep', 'never', 'subspace', 'guided', 'train', 'designer']
  .map((panel) => ({ panel, seconds: 1, bytes: 5e7, auto: true }));
// The fake accepts pings (the watchdog) at once, like the real worker.
const K = Array.from({ length: D }, (_, i) => i + 1);
const cancelled = new Set();
const post = (m) => self.postMessage(m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const curve = (shift) => K.map((k) => 100 * Math.sqrt(1 - Math.exp(-(k + shift) / 60)) * (k === D ? 1 : 1) );
const spectrum = K.map((k) => 50 * Math.exp(-k / 40) + 1e-4);

/** Whether a noise keeps PCA's subspace: none, isotropic Gaussian, or a uniform Gaussian map. */
const isotropic = (noise) => noise === 'none' || noise.startsWith('gaussian:')
  || (noise.startsWith('gaussmap:') && new Set(noise.slice(9)).size === 1);
/** A made-up strength of a noise: the mask's p, a map's mean level / 10. */
function strength(noise) {
  const [kind, a] = noise.split(':');
  if (kind === 'dropmap' || kind === 'gaussmap') return [...a].reduce((s, c) => s + Number(c), 0) / 490;
  return Number(a ?? 0);
}

function alignmentOf(noise) {
  const clean = curve(0);
  clean[D - 1] = 100;
  const shift = isotropic(noise) ? 0 : 5 * strength(noise);
  const noisy = curve(shift).map((v, i) => (i === D - 1 ? 100 : Math.min(100, v)));
  return { clean, noisy };
}

/**
 * The clean curve's scale with the worker's fields: the widths where the fake clean curve reaches
 * 90/95/99%, the fake spectrum's share of them, and a label-optimal subspace of 9 directions.
 */
function scaleOf(clean) {
  const levels = [90, 95, 99];
  const pcaDims = levels.map((l) => clean.findIndex((a) => a >= l) + 1);
  const total = spectrum.reduce((a, b) => a + b, 0);
  const share = (k) => spectrum.slice(0, k).reduce((a, b) => a + b, 0) / total;
  return {
    levels, pca_dims: pcaDims, pca_variance: pcaDims.map(share),
    label_optimal_dims: 9, label_optimal_alignment: 100, label_optimal_variance: 0.3,
  };
}

async function run({ id, task, params }) {
  const step = async (done, total, label) => {
    post({ type: 'progress', id, task, done, total, label });
    await sleep(5);
    if (cancelled.has(id)) throw new Error('cancelled');
  };
  if (task === 'alignment') {
    await step(0, 1, 'pencil');
    const { clean, noisy } = alignmentOf(params.noise);
    return { n: 10000, d: D, noise: params.noise, k: K, clean, noisy, scale: scaleOf(clean) };
  }
  if (task === 'curve') {
    await step(0, 1, 'pencil');
    const { clean, noisy } = alignmentOf(params.noise);
    // `gram`: where the real worker's G came from (the fake has no cache: 'off').
    return { n: 10000, d: D, noise: params.noise, alignment: noisy, scale: params.noise === 'none' ? scaleOf(clean) : null, gram: 'off' };
  }
  if (task === 'sweep-plan') {
    const ps = Array.from({ length: 10 }, (_, i) => (0.99 * i) / 9);
    const masks = [1, 2, 4].flatMap((patch) => ps.map((p) => ({ noise: `mask:${p}:${patch}`, kind: 'mask', p, patch, std: 0 })));
    return [...masks, { noise: 'gaussian:1', kind: 'gaussian', p: 0, patch: 0, std: 1 }];
  }
  if (task === 'impact') {
    await step(0, 1, 'pencil');
    const [kind, a, b] = params.noise.split(':');
    const p = Number(a);
    const patch = Number(b);
    return K.map((k) => (kind !== 'mask' || k === D ? 0 : (p * (1 - p) * 4) / patch - 0.2 * p));
  }
  if (task === 'mlp') {
    await step(0, 1, 'mlp');
    const accuracy = params.side === 'top' ? 0.6 + 0.35 * params.fraction : 0.8 + 0.15 * params.fraction;
    const dims = params.side === 'top' ? Math.ceil(5 + 200 * params.fraction) : Math.ceil(300 + 400 * params.fraction);
    return { accuracy, dims, epochs: 12, epochs_run: 17, validation_accuracy: accuracy + 0.01 };
  }
  if (task === 'never') {
    const gaussian = isotropic(params.noise);
    const status = K.map((k) => (k > 673 && k < D ? 'undetermined' : gaussian || k === D ? 'same' : 'different'));
    const ang = K.map((k, i) => (status[i] === 'undetermined' ? 60 : status[i] === 'same' ? 1e-9 : 30 * Math.exp(-k / 200)));
    // The feature angle never exceeds the pixel-space one (docs/maths.md).
    const featureAng = ang.map((a, i) => (status[i] === 'different' ? a / 2 : a / 10));
    const tol = status.map((s) => (s === 'undetermined' ? 90 : 1e-4));
    return {
      noise: params.noise, tolerance: 1e-6, k: K, max_feature_angle_deg: featureAng, max_angle_deg: ang, tolerance_deg: tol, pca_relative_gap: K.map(() => 1e-3),
      status, verdict: gaussian ? 'never beneficial' : 'changes the subspace', never_beneficial: gaussian,
    };
  }
  if (task === 'subspace') {
    await step(0, 2, 'probes');
    const fr = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
    const pics = (v) => Uint8Array.from({ length: 8 * D }, (_, i) => (i * 7 + v) % 256);
    // Whole eigenvectors hold a little more than the requested share, as on real data.
    const held = (extra) => fr.map((f) => Math.min(1, f + extra));
    return {
      split: { train: 8000, test: 2000, seed: params.seed }, fractions: fr, full_acc: 0.92, chance: 0.1135,
      top: { variance: held(0.004), dims: fr.map((f) => Math.ceil(5 + 200 * f)), linear_acc: fr.map((f) => 0.5 + 0.4 * f) },
      bottom: { variance: held(0.002), dims: fr.map((f) => Math.ceil(300 + 400 * f)), linear_acc: fr.map((f) => 0.3 + 0.5 * f) },
      mlp_normalisation: 'one scale per subspace', mlp_max_epochs: 100, mlp_patience: 5, mlp_validation: 0.1,
      pictures: { d: D, h: 28, w: 28, top_fraction: 0.75, bottom_fraction: 0.25, original: pics(0), top: pics(50), bottom: pics(100) },
    };
  }
  if (task === 'guided') {
    // The library's grid (GUIDED_GRID) times a balanced lambda; accuracies with binomial SEs.
    const balanced = 1e-3;
    const grid = [1e-6, 1, 2, 2.5, 3.2, 4, 5, 6.3, 8, 10, 12.5, 16, 20, 25, 32, 40, 50, 63, 80, 100, 1e3, 1e6];
    const lambda = grid.map((t) => t * balanced);
    const probe_acc = grid.map((t) => 0.8 + 0.1 / (1 + t / 10));
    const se = (p) => Math.sqrt((p * (1 - p)) / 2000);
    return {
      k: params.k, split: { train: 8000, test: 2000, seed: params.seed }, balanced_lambda: balanced,
      pca_recon_error: 0.3, pca_acc: 0.8, pca_acc_se: se(0.8), lambda,
      recon_error: grid.map((t) => 0.3 + 0.01 / (1 + t)), probe_acc, probe_acc_se: probe_acc.map(se),
    };
  }
  if (task === 'train') {
    const epochs = [];
    for (let e = 1; e <= params.epochs; e++) {
      await sleep(100); // slow enough that a long run can be cancelled by a test on a busy machine
      if (cancelled.has(id)) throw new Error('cancelled');
      const rep = {
        epoch: e, loss: 31 + 10 / e, optimum: 31, gap: 10 / e, alignment: 80 + e, probe_acc: 0.7 + 0.01 * e,
        samples_per_sec: 1e5, backend: 'fake', spectrum,
        energy: spectrum.map((s, i) => s * (1 - Math.exp(-(e * params.lr * 1000 * s) / 10)) * (i < params.k ? 1 : 1e-3)),
        // Times on the 1/s law exactly; the last direction not yet learned.
        learning_order: fakeLearningOrder(spectrum.slice(0, params.k), params, e),
      };
      epochs.push(rep);
      post({ type: 'epoch', id, data: rep });
    }
    return { cancelled: false, backend: 'cpu', epochs };
  }
  throw new Error(`unknown task ${task}`);
}

/**
 * A learning order with Rust's LearningOrder fields. After epoch 1 nothing is learned yet (as in
 * the contract test's one-epoch runs of the real worker: every time and fit is null); from epoch 2
 * every direction but the last is, on t = 20/s.
 */
function fakeLearningOrder(rate, params, epoch) {
  const learned = rate.map((_, i) => epoch >= 2 && i < rate.length - 1);
  const fitted = learned.filter(Boolean).length;
  const n = 8000;
  const epsilon = rate.map((s) => (2 * params.lr * s) / n);
  const momentum = params.momentum ?? 0;
  const growth = epsilon.map((eps) => {
    const b = 1 + momentum + eps;
    return Math.log((b + Math.sqrt(Math.max(b * b - 4 * momentum, 0))) / 2);
  });
  return {
    rate_name: '(1−p)·λ', rate, optimum_energy: rate.map((s) => s * 0.9),
    reached: rate.map((_, i) => (learned[i] ? 1 : 0.3)),
    half_optimum_epoch: rate.map((s, i) => (learned[i] ? Math.min(20 / s, epoch) : null)),
    status: learned.map((l) => (l ? 'learned' : 'not_learned')),
    fitted, slope: fitted >= 3 ? -1 : null, slope_interval: fitted >= 3 ? [-1.1, -0.9] : null, law_scale: fitted > 0 ? 20 : null,
    regime: params.optimiser === 'adam' ? null : {
      momentum, epsilon, growth_per_step: growth, momentum_scale: (1 - momentum) ** 2,
      inside: true, predicted_slope: -0.99, predicted_scale: fitted > 0 ? (20 * growth[0]) / rate[0] : null,
    },
  };
}

const pending = new Set();
self.onmessage = async ({ data: msg }) => {
  if (msg.type === 'cancel') { if (pending.has(msg.id)) cancelled.add(msg.id); return; }
  if (msg.type === 'cancel-load') return;
  // The page's compiled module (worker.js?wasm=page): the fake computes nothing with it, and its
  // made-up results carry no key, so the page's cache of results never stores them.
  if (msg.type === 'wasm') return;
  if (msg.type === 'ping') {
    post({ type: 'pong', seq: msg.seq, pending: pending.size, cancelled: cancelled.size, tokens: 0 });
    return;
  }
  if (msg.type === 'load-bundled') {
    const { source } = BUNDLED[msg.name] ?? Object.values(BUNDLED)[0];
    post({ type: 'dataset', generation: msg.generation, source, summary: { n: 10000, c: 1, h: 28, w: 28, d: D, classes: 10, class_counts: Array(10).fill(1000) }, estimates: ESTIMATES,
      samples: new Uint8Array(100 * D), labels: new Uint8Array(100), key: null });
    return;
  }
  if (msg.type === 'load-idx' || msg.type === 'load-url') {
    const head = msg.type === 'load-idx' ? new DataView(msg.images) : null;
    if (!head || head.byteLength < 16 || head.getUint32(0) !== 0x803) {
      post({ type: 'error', where: msg.type, message: 'images: not an IDX file (bad magic number)', generation: msg.generation });
      return;
    }
    const n = head.getUint32(4);
    post({ type: 'dataset', generation: msg.generation, source: msg.name, summary: { n, c: 1, h: 28, w: 28, d: D, classes: 10, class_counts: Array(10).fill(n / 10) }, estimates: ESTIMATES,
      samples: new Uint8Array(100 * D), labels: new Uint8Array(100), key: null });
    return;
  }
  if (msg.type === 'load-file') {
    // Any zip (an .npz) or gzip (a CIFAR .tar.gz) loads as 1,000 made-up images; anything else is
    // refused, as the real worker refuses what Lab.fromFile cannot read.
    const head = new Uint8Array(msg.bytes, 0, Math.min(2, msg.bytes.byteLength));
    if (!((head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0x1f && head[1] === 0x8b))) {
      post({ type: 'error', where: msg.type, message: `\`${msg.name}\` is not a data file this tool reads`, generation: msg.generation });
      return;
    }
    post({ type: 'dataset', generation: msg.generation, source: msg.name, summary: { n: 1000, c: 1, h: 28, w: 28, d: D, classes: 10, class_counts: Array(10).fill(100) }, estimates: ESTIMATES,
      samples: new Uint8Array(100 * D), labels: new Uint8Array(100), key: null });
    return;
  }
  if (msg.type === 'load-folder') {
    // A chosen image folder: any non-empty one loads as 1,000 made-up images.
    if (!msg.paths?.length) {
      post({ type: 'error', where: msg.type, message: 'image folder: it holds no files', generation: msg.generation });
      return;
    }
    post({ type: 'dataset', generation: msg.generation, source: msg.name, summary: { n: 1000, c: 1, h: 28, w: 28, d: D, classes: 10, class_counts: Array(10).fill(100) },
      samples: new Uint8Array(100 * D), labels: new Uint8Array(100), key: null });
    return;
  }
  if (msg.type === 'run') {
    pending.add(msg.id);
    try {
      const data = await run(msg);
      post({ type: 'result', id: msg.id, task: msg.task, data });
    } catch (e) {
      if (cancelled.has(msg.id)) post({ type: 'cancelled', id: msg.id });
      else post({ type: 'error', id: msg.id, where: msg.task, message: String(e.message ?? e) });
    } finally {
      pending.delete(msg.id);
      cancelled.delete(msg.id);
    }
  }
};

post({ type: 'backend', backend: { kind: 'webgpu', adapter: 'fake adapter', backend: 'fake' } });
// worker.js?data=none (a restarted worker) waits for the page to send its dataset.
if (new URL(self.location.href).searchParams.get('data') !== 'none') post({ type: 'dataset', generation: 0, source: 'fake digits', summary: { n: 10000, c: 1, h: 28, w: 28, d: D, classes: 10, class_counts: Array(10).fill(1000) }, estimates: ESTIMATES,
  samples: Uint8Array.from({ length: 100 * D }, (_, i) => (i % 28 > 10 && i % 28 < 18 ? 255 : 0)), labels: Uint8Array.from({ length: 100 }, (_, i) => i % 10), key: null });
