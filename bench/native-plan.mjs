// The native `recon-align` commands that compute what the page's default panels compute, with the
// page's default settings. Every value is read from the page's own sources (www/state.js, and the
// constants of src/web/results.rs and src/spectral/alignment.rs that the worker uses), never
// copied, so the plan follows the page when a default changes; a constant that cannot be found is
// an error, not a guess.
//   node bench/native-plan.mjs        prints the plan (figure, then each command's arguments)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults, noiseSpec, trainSettings } from '../www/state.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundled digits the page loads by default (`data=mnist`): N images of D pixels. */
const BUNDLED = { mnist: { n: 10_000, d: 784 } };

/** The numbers of a Rust array literal `NAME ... = [a, b, ...]` (or `vec![...]`) in `file`. */
export function rustList(file, name) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const m = text.match(new RegExp(`\\b${name}\\b[^=\\n]*[=:]\\s*(?:vec!)?\\[([^\\]]*)\\]`));
  if (!m) throw new Error(`bench/native-plan.mjs: no list \`${name}\` in ${file}; update the plan to follow the page`);
  const values = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`bench/native-plan.mjs: \`${name}\` in ${file} is not a list of numbers: [${m[1]}]`);
  }
  return values;
}

/**
 * The plan: one entry per progress row of the page (`figure`), each with the CLI argument lists
 * that compute the same figure natively, and a `note` where the two differ in what they do.
 */
export function nativePlan(state = defaults()) {
  const data = ['--data', state.data];
  const { n, d } = BUNDLED[state.data];
  const noise = noiseSpec(state);
  // The subspace panel's fractions (src/spectral/subspace.rs) and the sweep's Gaussian reference:
  // the first of SweepConfig::default().gaussian_stds (src/web/results.rs `sweep_plan`).
  const fractions = rustList('src/spectral/subspace.rs', 'SUBSPACE_FRACTIONS');
  const [gaussian] = rustList('src/spectral/alignment.rs', 'gaussian_stds');
  const train = trainSettings(state, d, n);
  return [
    { figure: 'alignment', commands: [['align', ...data, '--noise', noise, '--json']] },
    { figure: 'never', commands: [['never-beneficial', ...data, '--noise', noise, '--json']] },
    {
      // The linear probes and the MLP probe on each side (mlp_probe_config(seed) on both), on the
      // CPU as the page without WebGPU trains them.
      figure: 'subspace',
      commands: fractions.map((f) => ['subspace', ...data, '--fraction', String(f), '--seed', String(state.seed),
        '--mlp', '--backend', 'cpu', '--json']),
    },
    {
      // The CLI's default lambdas are the page's grid (GUIDED_GRID in src/spectral/guided.rs).
      figure: 'guided',
      commands: [['guided', ...data, '--k', String(Math.min(state.guided_k, d)), '--seed', String(state.seed), '--json']],
    },
    {
      figure: 'train',
      commands: [['train', ...data, '--k', String(train.k), '--noise', train.noise, '--lr', String(train.lr),
        '--optimiser', train.optimiser, '--momentum', String(train.momentum), '--epochs', String(train.epochs), '--batch', String(train.batch),
        '--seed', String(train.seed), '--backend', 'cpu', '--json']],
    },
    { figure: 'sweep', commands: [['sweep', ...data, '--gaussian', String(gaussian), '--json']] },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const { figure, commands, note } of nativePlan()) {
    console.log(`${figure}:${note ? ` (${note})` : ''}`);
    for (const args of commands) console.log(`  recon-align ${args.join(' ')}`);
  }
}
