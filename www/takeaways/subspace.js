// The subspace panel's sentences (the paper's Figure 1), computed from its numbers alone: the
// page's subspace result, or `recon-align subspace --json` without --fraction (the same fields).
// No DOM: the claims suite (tests/e2e/claims-subspace.test.mjs) runs this in Node.
import { num, binomialSE } from './format.js';

/** A difference (or an excess over chance) counts when it exceeds this many standard errors. */
export const SE_MULTIPLE = 2;

/** The probes the result may hold: their label and the field of each side's accuracies. */
const PROBES = [
  { name: 'linear', label: 'linear probe', field: 'linear_acc' },
  { name: 'mlp', label: 'MLP', field: 'mlp_acc' },
];

/** Index of the fraction closest to `f`. */
function nearest(fractions, f) {
  return fractions.reduce((b, x, i) => (Math.abs(x - f) < Math.abs(fractions[b] - f) ? i : b), 0);
}

const pct = (p) => num(100 * p, 1);
const withSE = (p, se) => `${pct(p)}% ± ${pct(se)}`;
const directions = (k) => `${k.toLocaleString('en')} direction${k === 1 ? '' : 's'}`;

/**
 * One probe at fraction index `j`: both sides' accuracies with their binomial standard errors,
 * the difference bottom − top with its standard error (the two sides' errors combined as
 * independent), which side is higher (`'bottom'`, `'top'`, or `'neither'` when the difference
 * is within SE_MULTIPLE of its error), and whether each side beats the majority class by more
 * than SE_MULTIPLE of its own error.
 */
export function compareSides(d, field, j) {
  const n = d.split.test;
  const side = (s) => {
    const p = d[s][field][j];
    const se = binomialSE(p, n);
    return { acc: p, se, above_chance: p - d.chance > SE_MULTIPLE * se };
  };
  const top = side('top');
  const bottom = side('bottom');
  const diff = bottom.acc - top.acc;
  const se_diff = Math.hypot(top.se, bottom.se);
  const higher = diff > SE_MULTIPLE * se_diff ? 'bottom' : -diff > SE_MULTIPLE * se_diff ? 'top' : 'neither';
  return { top, bottom, diff, se_diff, higher };
}

/** The clause saying which side a probe favours, from `compareSides`. */
function verdict(label, c) {
  const points = `${num(100 * Math.abs(c.diff), 1)} points`;
  const bound = `twice the ${num(100 * c.se_diff, 1)}-point standard error of the difference`;
  if (c.higher === 'neither') return `the ${label} shows no clear difference between the sides (${points}, within ${bound})`;
  return `the ${label} scores higher on the ${c.higher} side (by ${points}, more than ${bound})`;
}

/** What each fraction index `j` reads: the dimension counts, the shares held, each probe. */
function readout(d, j) {
  const probes = PROBES.filter((p) => Array.isArray(d.top[p.field]) && Number.isFinite(d.top[p.field][j])
    && Number.isFinite(d.bottom[p.field][j]));
  return {
    fraction: d.fractions[j],
    dims: { top: d.top.dims[j], bottom: d.bottom.dims[j] },
    held: { top: d.top.variance[j], bottom: d.bottom.variance[j] },
    probes: Object.fromEntries(probes.map((p) => [p.name, compareSides(d, p.field, j)])),
  };
}

/** The sentences of one fraction: its directions and shares, each probe's numbers, the verdict. */
function fractionSentences(r, n) {
  const parts = PROBES.filter((p) => r.probes[p.name]).map((p) => {
    const c = r.probes[p.name];
    return `${p.label} ${withSE(c.top.acc, c.top.se)} (top) against ${withSE(c.bottom.acc, c.bottom.se)} (bottom)`;
  });
  const verdicts = PROBES.filter((p) => r.probes[p.name]).map((p) => verdict(p.label, r.probes[p.name]));
  return [
    `Asking for ${num(100 * r.fraction, 0)}% of the variance gives ${directions(r.dims.top)} at the top (holding ${pct(r.held.top)}% of it) and ${directions(r.dims.bottom)} at the bottom (holding ${pct(r.held.bottom)}%); test accuracy ± one binomial standard error on ${n.toLocaleString('en')} images: ${parts.join(', ')}.`,
    ...(verdicts.length ? [`There ${verdicts.join(', and ')}.`] : []),
  ];
}

/** Where a side's probe does not clearly beat the majority class, one clause each. */
function chanceClauses(r) {
  const out = [];
  for (const p of PROBES) {
    const c = r.probes[p.name];
    if (!c) continue;
    for (const s of ['top', 'bottom']) if (!c[s].above_chance) out.push(`the ${p.label} on the ${s} side`);
  }
  return out;
}

/**
 * The subspace panel's sentences and the choices behind them. `d`: the page's subspace result
 * with the MLP fields when the MLP probes ran (`top.mlp_acc`, `top.mlp_epochs`,
 * `top.mlp_epochs_run`, the same for `bottom`, and `mlp_max_epochs`, `mlp_patience`,
 * `mlp_validation`); accuracies as fractions.
 */
export function subspaceTakeaway(d) {
  const n = d.split.test;
  const read = [nearest(d.fractions, 0.25), nearest(d.fractions, Math.min(...d.fractions))];
  const [main, least] = read.map((j) => readout(d, j));
  const sentences = fractionSentences(main, n);
  const weak = chanceClauses(main);
  if (weak.length) sentences.push(`Not clearly above the ${pct(d.chance)}% of always answering the most common class: ${weak.join(', ')}.`);
  else sentences.push(`Every probe beats the ${pct(d.chance)}% of always answering the most common class by more than twice its standard error.`);
  if (least.fraction !== main.fraction) sentences.push(...fractionSentences(least, n));
  const ratio = main.dims.bottom / main.dims.top;
  sentences.push(`Equal shares of the variance are unequal numbers of directions (at ${num(100 * main.fraction, 0)}%, ${ratio >= 1 ? `${num(ratio, 0)} times as many at the bottom` : `${num(1 / ratio, 0)} times as many at the top`}): the curves compare where the variance lies, not what a single direction is worth.`);
  let epochs = null;
  if (Array.isArray(d.top.mlp_epochs) && Array.isArray(d.bottom.mlp_epochs)) {
    const kept = [...d.top.mlp_epochs, ...d.bottom.mlp_epochs];
    const run = [...(d.top.mlp_epochs_run ?? []), ...(d.bottom.mlp_epochs_run ?? [])];
    const capped = run.filter((e) => e >= d.mlp_max_epochs).length;
    epochs = { min: Math.min(...kept), max: Math.max(...kept), capped, probes: kept.length };
    sentences.push(`Each MLP kept the weights of its best epoch on a ${num(100 * d.mlp_validation, 0)}% validation split of the training images (${epochs.min === epochs.max ? epochs.min : `${epochs.min}–${epochs.max}`} epochs), stopping ${d.mlp_patience} epochs without improvement${capped ? `; ${capped} of ${kept.length} reached the ${d.mlp_max_epochs}-epoch cap and may not have converged` : `, all before the ${d.mlp_max_epochs}-epoch cap`}.`);
  }
  sentences.push(`(Probes trained on ${d.split.train.toLocaleString('en')} images, tested on ${n.toLocaleString('en')} held out, seed ${d.split.seed}.)`);
  return { sentences, claims: { n_test: n, chance: d.chance, se_multiple: SE_MULTIPLE, at: [main, least], weak, epochs } };
}
