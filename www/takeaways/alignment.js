// The alignment panel's sentences, computed from its numbers (no DOM: the claims suite,
// tests/e2e/claims-alignment.test.mjs, runs them in Node on the command line's JSON).
//
// Inputs use the worker's and the CLI's field names: a curve is `{ n, d, noise, alignment, scale }`
// (the page's `curve` task, `recon-align align --json`), a sweep row `{ noise, impact }` (the page's
// `impact` task, `recon-align sweep --json`'s `rows`).
import { num, atK } from './format.js';
import { describeNoise, parseNoise } from '../state.js';

/** |impact| below this (percent) is "no change": well above rounding (1e-9), below any effect worth a word. */
export const NO_CHANGE = 0.01;
/** |impact| below this (percent) is a mild effect; from it on, a plain "helps" or "hurts". */
export const MILD = 1;
/**
 * The misalignment is called mild when PCA's top directions reach 90% alignment (81% of the label
 * energy) while holding at most this share of the pixel variance: the top subspace holding 90% of
 * the variance, the paper's TinyImagenet yardstick, then already carries most of the label signal.
 */
export const MILD_VARIANCE = 0.9;

/** The paper's realistic-image yardstick (Balestriero & LeCun 2024, TinyImagenet with a ResNet9). */
export const PAPER_SCALE = 'The paper finds the misalignment much stronger on realistic images: on TinyImagenet, a ResNet9 reaches 45% test accuracy on the top principal subspace holding 90% of the pixel variance, and 55% on the bottom one holding only 20%.';

/** An impact with its sign, to enough decimals that its size class shows (3 below 0.1%). */
const signed = (v) => `${v >= 0 ? '+' : ''}${num(v, Math.abs(v) < 0.1 ? 3 : 2)}%`;
const pct = (fraction, d = 1) => `${num(100 * fraction, d)}%`;
/** A small non-negative size: "exactly 0" or one significant digit. */
const tiny = (v) => (v === 0 ? 'exactly 0' : v.toExponential(1));

/** The size class of an impact (percent): 'no change', 'mild' or 'clear', with its sign. */
export function impactClass(impact) {
  const size = Math.abs(impact);
  const level = !(size >= NO_CHANGE) ? 'no change' : size < MILD ? 'mild' : 'clear';
  return { level, sign: level === 'no change' ? 0 : Math.sign(impact) };
}

/** "helps mildly", "hurts", "makes no change", ... for an impact (percent). */
export function impactWord(impact) {
  const { level, sign } = impactClass(impact);
  if (level === 'no change') return 'makes no change';
  return `${sign > 0 ? 'helps' : 'hurts'}${level === 'mild' ? ' mildly' : ''}`;
}

/** The words' thresholds, said once where they are used. */
export const THRESHOLDS = `(|impact| under ${NO_CHANGE}% counts as no change, under ${MILD}% as mild)`;

/** Whether a noise spec keeps PCA's directions for certain: none, isotropic Gaussian, a mask with p = 0, a uniform Gaussian map. */
export function keepsPcaDirections(spec) {
  const n = parseNoise(spec);
  if (n.kind === 'none' || n.kind === 'gaussian') return true;
  if (n.kind === 'mask') return n.p === 0;
  if (n.kind === 'gaussmap') return new Set(n.map).size === 1;
  if (n.kind === 'dropmap') return /^0+$/.test(n.map);
  return false;
}

/**
 * The data's scale, from a clean curve's `scale`: the widths PCA needs for 90/95/99% alignment and
 * the variance they hold, the label-optimal subspace, and whether the misalignment is mild.
 */
export function scaleTakeaway(scale) {
  const [k90, k95, k99] = scale.pca_dims;
  const [v90, v95, v99] = scale.pca_variance;
  const word = v90 <= MILD_VARIANCE ? 'mild' : 'strong';
  const dims = scale.label_optimal_dims;
  const sentence = `PCA needs ${k90} directions (${pct(v90)} of the pixel variance) to reach ${scale.levels[0]}% alignment, `
    + `${k95} (${pct(v95)}) for ${scale.levels[1]}% and ${k99} (${pct(v99)}) for ${scale.levels[2]}%; `
    + `the C−1 = ${dims} label-optimal directions reach ${num(scale.label_optimal_alignment, 2)}% while their features hold ${pct(scale.label_optimal_variance, 1)} of the variance.`;
  const verdict = word === 'mild'
    ? `On this data the misalignment is mild: the top directions holding ${pct(v90)} of the variance, less than the ${pct(MILD_VARIANCE, 0)} of the paper's yardstick, already reach ${scale.levels[0]}% alignment (${num(scale.levels[0] ** 2 / 100, 0)}% of the label energy).`
    : `On this data the misalignment is strong: reaching ${scale.levels[0]}% alignment (${num(scale.levels[0] ** 2 / 100, 0)}% of the label energy) takes directions holding ${pct(v90)} of the variance, more than the top ${pct(MILD_VARIANCE, 0)} of the paper's yardstick.`;
  return {
    sentences: [sentence, verdict],
    lede: `On the data loaded here the gap is ${word}: PCA's top ${k90} directions, holding ${pct(v90)} of the pixel variance, reach ${scale.levels[0]}% alignment with the labels, and ${dims} label-optimal directions reach ${num(scale.label_optimal_alignment, 0)}% while holding ${pct(scale.label_optimal_variance)}.`,
    claims: {
      word, k90, k95, k99, v90, v95, v99, mildVariance: MILD_VARIANCE,
      labelOptimalDims: dims, labelOptimalAlignment: scale.label_optimal_alignment, labelOptimalVariance: scale.label_optimal_variance,
    },
  };
}

/**
 * The alignment figure's sentences at width `K`: `clean` and `noisy` curves (the same object when
 * there is no noise), `dataset` naming the data. Returns `{ sentences, lede, claims }`.
 */
export function alignmentTakeaway({ clean, noisy, K, dataset = 'data' }) {
  const ks = clean.alignment.map((_, j) => j + 1);
  const i = atK(ks, Math.min(K, clean.d));
  const c = clean.alignment[i];
  const scale = scaleTakeaway(clean.scale);
  const where = `all N=${clean.n.toLocaleString('en')} images of the ${dataset}`;
  const claims = { k: ks[i], clean: c, labelEnergy: (c * c) / 100, scale: scale.claims };
  if (!noisy || noisy.noise === 'none') {
    return {
      sentences: [
        `With K=${ks[i]} features out of D=${clean.d}, the optimal autoencoder reaches an alignment of ${num(c, 2)}% with the labels (it keeps ${num((c * c) / 100, 1)}% of the label energy; ${where}).`,
        ...scale.sentences, PAPER_SCALE,
      ],
      lede: scale.lede,
      claims,
    };
  }
  const n = noisy.alignment[i];
  const impact = (100 * (n - c)) / c;
  const gaps = noisy.alignment.map((v, j) => Math.abs(v - clean.alignment[j]));
  const widest = gaps.reduce((b, g, j) => (g > gaps[b] ? j : b), 0);
  const apart = gaps[widest] >= (NO_CHANGE / 100) * clean.alignment[widest];
  const keeps = keepsPcaDirections(noisy.noise);
  const reordering = reorderingDistance(clean.alignment, noisy.alignment);
  const otherDirections = reordering > REORDERING_TOLERANCE;
  const differ = `The curves differ most at K=${ks[widest]} (${num(clean.alignment[widest], 1)}% vs ${num(noisy.alignment[widest], 1)}%) and meet at 100% when K=D`;
  let turn;
  if (keeps) {
    const why = /^(gaussian|gaussmap)/.test(noisy.noise) ? `Like any isotropic Gaussian noise, ${describeNoise(noisy.noise)}` : `${describeNoise(noisy.noise)} drops nothing, so it`;
    turn = `${why} keeps PCA's directions and their order, so the two curves coincide (largest gap ${tiny(gaps[widest])} points).`;
  } else if (otherDirections) {
    turn = `${differ}. The noise does not just reorder PCA's directions: it turns the learned subspace to other directions, whose label energies are not PCA's in another order (only isotropic Gaussian noise keeps PCA's directions).`;
  } else if (apart) {
    turn = `${differ}: the label energies of the noise's directions are PCA's, in another order.`;
  } else {
    turn = `The two curves coincide at every K (largest gap ${num(gaps[widest], 4)} points, under ${NO_CHANGE}% of the alignment).`;
  }
  return {
    sentences: [
      `With K=${ks[i]} features out of D=${clean.d}, the plain autoencoder reaches an alignment of ${num(c, 2)}% with the labels and the one trained with ${describeNoise(noisy.noise)} ${num(n, 2)}% (label energy kept: ${num((c * c) / 100, 1)}% and ${num((n * n) / 100, 1)}%; ${where}): an impact of ${signed(impact)}, so at this width the noise ${impactWord(impact)} ${THRESHOLDS}.`,
      turn, ...scale.sentences, PAPER_SCALE,
    ],
    lede: scale.lede,
    claims: { ...claims, noisy: n, impact, word: impactWord(impact), widestK: ks[widest], widestGap: gaps[widest], apart, keeps, reordering, otherDirections },
  };
}

/**
 * The label energy of each direction of a curve, in percent² (they sum to 100² = 10,000):
 * alignment(K)² − alignment(K−1)².
 */
export function labelEnergies(alignment) {
  return alignment.map((a, j) => a * a - (j ? alignment[j - 1] ** 2 : 0));
}

/** How far apart two curves' label energies are once each is sorted (percent²). */
export function reorderingDistance(a, b) {
  const sa = labelEnergies(a).sort((x, y) => x - y);
  const sb = labelEnergies(b).sort((x, y) => x - y);
  return Math.max(...sa.map((v, j) => Math.abs(v - sb[j])));
}

/**
 * Sorted label energies further apart than this (percent², 1e-7 of the total) rule out a
 * reordering: directions that were PCA's, in another order, would carry PCA's energies.
 */
export const REORDERING_TOLERANCE = 1e-3;

/** How many of `total` masks act mildly, as a parenthesis ('' when none do). */
const mildly = (total, mild) => (mild === 0 ? '' : mild === total ? ' (all mildly)' : ` (${mild} of them mildly)`);

/**
 * The sweep's sentence at width `K`, from its rows `{ noise, impact }` (masks and Gaussian
 * noises): the best and the worst mask with p > 0, how many of them help, hurt or make no change,
 * and the largest |impact| of Gaussian noise at any K. Returns `{ sentences, claims }`.
 */
export function sweepTakeaway(rows, K) {
  const d = rows[0].impact.length;
  const i = atK(Array.from({ length: d }, (_, j) => j + 1), Math.min(K, d));
  const masks = rows.map((r) => ({ ...parseNoise(r.noise), noise: r.noise, v: r.impact[i] }))
    .filter((m) => m.kind === 'mask' && m.p > 0);
  const gaussians = rows.filter((r) => parseNoise(r.noise).kind === 'gaussian');
  const best = masks.reduce((b, m) => (m.v > b.v ? m : b), masks[0]);
  const worst = masks.reduce((w, m) => (m.v < w.v ? m : w), masks[0]);
  const count = (level, sign) => masks.filter((m) => {
    const c = impactClass(m.v);
    return c.level === level || (level === undefined && c.level !== 'no change' && c.sign === sign);
  }).length;
  const help = count(undefined, 1);
  const hurt = count(undefined, -1);
  const none = count('no change');
  const mild = (sign) => masks.filter((m) => impactClass(m.v).level === 'mild' && Math.sign(m.v) === sign).length;
  const mask = (m) => `p=${num(m.p, 2)} with ${m.patch}×${m.patch} patches (${signed(m.v)})`;
  const gmax = Math.max(0, ...gaussians.flatMap((r) => r.impact.map(Math.abs)));
  const sentences = [
    `At K=${i + 1}, the best mask in the sweep is ${mask(best)}, which ${impactWord(best.v)}, and the worst is ${mask(worst)}, which ${impactWord(worst.v)}; `
      + `of its ${masks.length} masks with p > 0, ${help} help${mildly(help, mild(1))}, ${hurt} hurt${mildly(hurt, mild(-1))} and ${none} make no change ${THRESHOLDS}.`,
  ];
  if (gaussians.length) {
    sentences.push(gmax < NO_CHANGE
      ? `Gaussian noise stays at zero for every K (largest |impact| ${tiny(gmax)}%), as the paper proves.`
      : `Gaussian noise moves the alignment by up to ${num(gmax, 3)}%, which the paper's proof rules out: a numerical problem.`);
  }
  return {
    sentences,
    claims: {
      k: i + 1, best: { noise: best.noise, impact: best.v, word: impactWord(best.v) }, worst: { noise: worst.noise, impact: worst.v, word: impactWord(worst.v) },
      help, hurt, none, mildHelp: mild(1), mildHurt: mild(-1), masks: masks.length, gaussianMax: gmax,
    },
  };
}
