// The whole state of the page in one typed, versioned table (after tensorflow/playground's
// state.ts). The table is serialised to the URL hash; the seed is part of it, so a link replays the
// same run, and the hidden-control flags (embed, panel, controls) make embedding work.
//
// Nothing read from the URL is ever trusted: every value is parsed against its entry in the table,
// and whatever does not fit falls back to the default with a problem message for the reader.
import { BUNDLED, BUNDLED_NAMES } from './bundled.js';

/** Version of the hash format; bump it when a key changes meaning. */
export const STATE_VERSION = 2;

/**
 * The panels, in page order (one figure of the paper each), with the rank at which the page runs
 * them: cheap closed forms first so the page fills quickly, training and the probes after. The
 * URL's `panel` values, the page order and the run order all come from this table.
 */
export const PANEL_TABLE = [
  { id: 'train', run: 3 },
  { id: 'alignment', run: 0 },
  { id: 'never', run: 1 },
  { id: 'subspace', run: 4 },
  { id: 'guided', run: 5 },
  { id: 'designer', run: 2 },
];
/** Panel ids in page order. */
export const PANELS = PANEL_TABLE.map((p) => p.id);
/** Panel ids in the order the page runs them. */
export const RUN_ORDER = [...PANEL_TABLE].sort((a, b) => a.run - b.run).map((p) => p.id);

/** Cells of a designed noise map: a 7×7 grid over the image, read row by row. */
export const MAP_CELLS = 49;

/** Longest hash we read at all; a real link is under 300 characters. */
export const MAX_HASH_LENGTH = 1000;

/**
 * The table: one row per key of the hash. `type` is 'int', 'float', 'enum', 'bool' or 'map'
 * (49 digits 0–9).
 * `min`/`max` bound numbers (inclusive); `values` lists an enumeration.
 */
export const SCHEMA = [
  { key: 'v', type: 'int', def: STATE_VERSION, min: 1, max: 1000, doc: 'hash format version' },
  { key: 'data', type: 'enum', def: BUNDLED_NAMES[0], values: BUNDLED_NAMES, doc: `bundled data: ${BUNDLED_NAMES.map((n) => BUNDLED[n].label).join(' or ')}` },
  { key: 'k', type: 'int', def: 32, min: 1, max: 4096, doc: 'width K of the autoencoder (code size)' },
  { key: 'guided_k', type: 'int', def: 8, min: 1, max: 4096, doc: 'width K of the guided panel, where the bundled data show its effect (clamped to D)' },
  { key: 'noise', type: 'enum', def: 'mask', values: ['none', 'gaussian', 'mask', 'dropmap', 'gaussmap'], doc: 'denoising noise' },
  { key: 'map', type: 'map', def: '5'.repeat(MAP_CELLS), doc: 'designed noise map: 49 digits 0–9 on a 7×7 grid, row by row (drop probability or Gaussian σ = digit/10)' },
  { key: 'sigma', type: 'float', def: 0.5, min: 0, max: 100, doc: 'Gaussian noise std per pixel' },
  { key: 'p', type: 'float', def: 0.5, min: 0, max: 0.99, doc: 'mask drop probability' },
  { key: 'patch', type: 'enum', def: 1, values: [1, 2, 4, 7], doc: 'mask patch side (pixels)' },
  { key: 'lr', type: 'float', def: 0.0006, min: 1e-7, max: 10, doc: 'learning rate' },
  { key: 'optimiser', type: 'enum', def: 'sgd', values: ['sgd', 'adam'], doc: 'update rule: sgd (minibatch SGD with heavy-ball momentum) or adam' },
  { key: 'momentum', type: 'float', def: 0, min: 0, max: 0.99, doc: 'heavy-ball momentum of sgd (0: plain SGD, the learning-order law\'s regime)' },
  { key: 'epochs', type: 'int', def: 20, min: 1, max: 500, doc: 'training epochs' },
  { key: 'batch', type: 'int', def: 32, min: 1, max: 65536, doc: 'minibatch size' },
  { key: 'seed', type: 'int', def: 1, min: 0, max: 2 ** 31 - 1, doc: 'seed of every random choice' },
  { key: 'panel', type: 'enum', def: 'all', values: ['all', ...PANELS], doc: 'panel to show (embed) or run first' },
  { key: 'embed', type: 'bool', def: false, doc: 'embed mode: one panel, no page chrome' },
  { key: 'controls', type: 'bool', def: false, doc: 'embed mode: show the settings bar too' },
  { key: 'theme', type: 'enum', def: 'auto', values: ['auto', 'light', 'dark'], doc: 'colour theme: auto follows the reader\'s prefers-color-scheme (changing it only restyles)' },
];

const ROW = new Map(SCHEMA.map((r) => [r.key, r]));

/** The momentum of `sgd` in links of format v1, which had no momentum key. */
const V1_MOMENTUM = 0.9;

/** Keys that older links used, and the key each became (links keep working). */
const RENAMED = new Map([['opt', 'optimiser']]);

/** The default state: a fresh object each call. */
export function defaults() {
  return Object.fromEntries(SCHEMA.map((r) => [r.key, r.def]));
}

// Plain decimal or scientific notation, nothing else: rejects '', ' 1', '0x10', 'Infinity', 'NaN'.
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?$/;

/** Parses one raw string for a row: `{ value }` on success, `{ error }` otherwise. */
export function parseValue(row, raw) {
  if (typeof raw !== 'string' || raw.length > (row.type === 'map' ? MAP_CELLS : 40)) return { error: 'too long' };
  switch (row.type) {
    case 'map':
      return new RegExp(`^[0-9]{${MAP_CELLS}}$`).test(raw) ? { value: raw } : { error: `not ${MAP_CELLS} digits 0–9` };
    case 'int':
    case 'float': {
      if (!NUMBER.test(raw)) return { error: 'not a number' };
      const x = Number(raw);
      if (!Number.isFinite(x)) return { error: 'not a finite number' };
      if (row.type === 'int' && !Number.isInteger(x)) return { error: 'not a whole number' };
      if (x < row.min || x > row.max) return { error: `outside ${row.min}…${row.max}` };
      return { value: x };
    }
    case 'enum': {
      const found = row.values.find((v) => String(v) === raw);
      return found === undefined ? { error: `not one of ${row.values.join(', ')}` } : { value: found };
    }
    case 'bool':
      if (raw === '1' || raw === 'true') return { value: true };
      if (raw === '0' || raw === 'false') return { value: false };
      return { error: 'not 0 or 1' };
    default:
      return { error: 'unknown type' };
  }
}

/** Checks a whole state object (e.g. from a control): returns a list of problems, empty if valid. */
export function validate(state) {
  const problems = [];
  for (const row of SCHEMA) {
    const r = parseValue(row, formatValue(row, state[row.key]));
    if (r.error) problems.push(`${row.key}: ${r.error}`);
  }
  return problems;
}

function formatValue(row, value) {
  if (row.type === 'bool') return value ? '1' : '0';
  return String(value);
}

// What the reader sees of a hostile key or value: short, printable, and only ever set as text.
const shown = (s) => {
  const clean = String(s).replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 24 ? `${clean.slice(0, 24)}…` : clean;
};

/**
 * Parses a location.hash (with or without '#'). Returns `{ state, problems }`: `state` always valid
 * (defaults where the hash says nothing usable), `problems` a list of plain-text sentences.
 */
export function parseHash(hash) {
  const state = defaults();
  const problems = [];
  let text = String(hash ?? '');
  if (text.startsWith('#')) text = text.slice(1);
  if (text === '') return { state, problems };
  if (text.length > MAX_HASH_LENGTH) {
    problems.push(`The link's settings are ${text.length.toLocaleString('en')} characters long (at most ${MAX_HASH_LENGTH}); using the defaults.`);
    return { state, problems };
  }
  const seen = new Set();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    let key;
    let raw;
    try {
      key = decodeURIComponent(rawKey);
      raw = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      problems.push(`Ignored a malformed setting "${shown(part)}".`);
      continue;
    }
    key = RENAMED.get(key) ?? key;
    const row = ROW.get(key);
    if (!row) {
      problems.push(`Ignored the unknown setting "${shown(key)}".`);
      continue;
    }
    if (seen.has(key)) problems.push(`The setting "${key}" appears twice; using the last one.`);
    seen.add(key);
    const r = parseValue(row, raw);
    if (r.error) {
      problems.push(`Ignored ${key}="${shown(raw)}" (${r.error}); using the default ${formatValue(row, row.def)}.`);
      state[key] = row.def;
    } else {
      state[key] = r.value;
    }
  }
  // Format v1 had no momentum key: its `sgd` was heavy-ball with momentum 0.9, so a v1 link
  // replays the same run.
  if (state.v === 1 && !seen.has('momentum')) {
    state.momentum = V1_MOMENTUM;
    state.v = STATE_VERSION;
  }
  if (state.v !== STATE_VERSION) {
    problems.push(`This link uses settings format v${state.v}; this page reads v${STATE_VERSION}, so some settings may differ.`);
    state.v = STATE_VERSION;
  }
  return { state, problems };
}

/** Whether a noise kind reads the designed map. */
export const usesMap = (noise) => noise === 'dropmap' || noise === 'gaussmap';

/**
 * Serialises a state to a hash string (without '#'), in table order; every key is written but the
 * embed flags when off, the theme when auto, and the map when the noise does not use it.
 */
export function toHash(state) {
  return SCHEMA
    .filter((row) => !(row.key === 'embed' || row.key === 'controls') || state[row.key])
    .filter((row) => row.key !== 'theme' || state.theme !== 'auto')
    .filter((row) => row.key !== 'map' || usesMap(state.noise))
    .map((row) => `${row.key}=${encodeURIComponent(formatValue(row, state[row.key]))}`)
    .join('&');
}

/**
 * The training settings of a state, as the worker's `train` task and `recon-align train` take
 * them, for `n` images of `dims` pixels: K at most D and the batch at most N (the page says so).
 */
export function trainSettings(state, dims, n = Infinity) {
  return {
    k: Math.min(state.k, dims), noise: noiseSpec(state), lr: state.lr, optimiser: state.optimiser,
    momentum: state.momentum, epochs: state.epochs, batch: Math.min(state.batch, trainingImages(n)), seed: state.seed,
  };
}

/**
 * How many of `n` images a training run learns from: the training part of its seeded split, all
 * but round(20% of n) (Rust's `Monitor::training_size`; a batch larger than that takes no step).
 */
export function trainingImages(n) {
  if (!Number.isFinite(n)) return n;
  return n - Math.min(Math.max(Math.round(0.2 * n), 1), Math.max(n - 2, 1));
}

/** Gradient steps of a state's training run on `n` images (what makes a run long). */
export function trainSteps(state, n) {
  const m = trainingImages(n);
  return state.epochs * Math.floor(m / Math.min(state.batch, m));
}

/** The noise of a state, as the worker and the command-line tool spell it. */
export function noiseSpec(state) {
  if (state.noise === 'gaussian') return `gaussian:${state.sigma}`;
  if (state.noise === 'mask') return `mask:${state.p}:${state.patch}`;
  if (usesMap(state.noise)) return `${state.noise}:${state.map}`;
  return 'none';
}

/** The mean of a map's 49 levels divided by 10: its mean drop probability or σ. */
export function mapMean(digits) {
  const sum = [...String(digits)].reduce((a, c) => a + Number(c), 0);
  return sum / (10 * MAP_CELLS);
}

/**
 * A noise spec as the worker and the command-line tool spell it (`none`, `gaussian:S`,
 * `mask:P:K`, `dropmap:<49 digits>`, `gaussmap:<49 digits>`), parsed once:
 * `{ kind, sigma }`, `{ kind, p, patch }`, `{ kind, map }` or `{ kind: 'none' }`. Anything else
 * is `{ kind: 'unknown' }`.
 */
export function parseNoise(spec) {
  const parts = String(spec).split(':');
  const [kind, a, b] = parts;
  const number = (x) => (x !== undefined && NUMBER.test(x) ? Number(x) : NaN);
  if (kind === 'none' && parts.length === 1) return { kind };
  if (kind === 'gaussian' && parts.length === 2 && Number.isFinite(number(a))) return { kind, sigma: number(a) };
  if (kind === 'mask' && parts.length === 3 && Number.isFinite(number(a)) && /^[0-9]+$/.test(b)) return { kind, p: number(a), patch: Number(b) };
  if ((kind === 'dropmap' || kind === 'gaussmap') && parts.length === 2 && /^[0-9]{49}$/.test(a)) return { kind, map: a };
  return { kind: 'unknown' };
}

/** A reader-facing name of a noise spec: "mask p=0.5, 2×2 patches". */
export function describeNoise(spec) {
  const n = parseNoise(spec);
  if (n.kind === 'gaussian') return `Gaussian noise σ=${n.sigma}`;
  if (n.kind === 'mask') return `mask p=${n.p}, ${n.patch}×${n.patch} patches`;
  if (n.kind === 'dropmap') return `a designed drop map (mean p=${mapMean(n.map).toFixed(2)})`;
  if (n.kind === 'gaussmap') return `a designed Gaussian map (mean σ=${mapMean(n.map).toFixed(2)})`;
  return 'no noise';
}

/** Which settings each panel's computation depends on; a change reruns exactly those panels. */
export const DEPENDS = {
  alignment: ['noise', 'sigma', 'p', 'patch', 'map'],
  never: ['noise', 'sigma', 'p', 'patch', 'map'],
  train: ['k', 'noise', 'sigma', 'p', 'patch', 'map', 'lr', 'optimiser', 'momentum', 'epochs', 'batch', 'seed'],
  designer: ['k', 'noise', 'map'],
  subspace: ['seed'],
  guided: ['guided_k', 'seed'],
};
