// The never panel's sentences (www/panels/never.js), computed from the label-free test's result:
// the page's never.json and `recon-align never-beneficial --json` (one report) have the same
// fields. No DOM: the claims suite (tests/e2e/claims-never.test.mjs) runs it in Node.
import { parseNoise } from '../state.js';
import { atK, num } from './format.js';

/**
 * What a noise spec adds, read from the spec alone: `none` (nothing is added or dropped),
 * `gaussian` (isotropic: the same σ > 0 on every pixel, `gaussian:S` or a uniform Gaussian map),
 * `gaussmap` (a Gaussian map that is not uniform), `mask` (patches dropped; a uniform drop map is
 * a 1×1 mask) or `dropmap`. `name` says it in words.
 */
export function noiseKind(spec) {
  const n = parseNoise(spec);
  const digits = [...(n.map ?? '')].map(Number);
  const uniform = digits.every((x) => x === digits[0]);
  const zero = digits.every((x) => x === 0);
  if (n.kind === 'gaussian') {
    return n.sigma > 0 ? { kind: 'gaussian', sigma: n.sigma, name: `isotropic Gaussian noise (σ=${n.sigma})` }
      : { kind: 'none', name: `Gaussian noise with σ=${n.sigma}, which adds nothing` };
  }
  if (n.kind === 'gaussmap') {
    if (zero) return { kind: 'none', name: 'a Gaussian map of zeros, which adds nothing' };
    return uniform ? { kind: 'gaussian', sigma: digits[0] / 10, name: `a uniform Gaussian map, isotropic Gaussian noise (σ=${digits[0] / 10})` }
      : { kind: 'gaussmap', name: 'a Gaussian map that is not uniform' };
  }
  if (n.kind === 'mask') {
    return n.p > 0 ? { kind: 'mask', p: n.p, name: `a mask (p=${n.p}, ${n.patch}×${n.patch} patches)` }
      : { kind: 'none', name: 'a mask with p=0, which drops nothing' };
  }
  if (n.kind === 'dropmap') {
    if (zero) return { kind: 'none', name: 'a drop map of zeros, which drops nothing' };
    return uniform ? { kind: 'mask', p: digits[0] / 10, name: `a uniform drop map, a 1×1 mask (p=${digits[0] / 10})` }
      : { kind: 'dropmap', name: 'a drop map that is not uniform' };
  }
  return n.kind === 'none' ? { kind: 'none', name: 'no noise' } : { kind: 'unknown', name: `the noise ${spec}` };
}

/** An angle in degrees for a sentence: one decimal, or two significant digits when tiny. */
export function degrees(v) {
  return Math.abs(v) >= 0.05 ? `${num(v, 1)}°` : `${v.toExponential(1)}°`;
}

/**
 * Where the label-free test result `d` speaks for the reader's width `k`: `i`, the index of the
 * largest tested width K <= k; `every`, whether every width 1..D was tested (above D = 1024 only
 * every K up to 64, then a grid even in log K); and `nearest`, words for K when it is not k.
 */
export function testedWidth(d, k) {
  const D = d.k[d.k.length - 1];
  const i = atK(d.k, k);
  const K = d.k[i];
  return { i, K, D, every: d.k.length === D, nearest: K === k ? '' : `the tested width nearest below your K=${k}` };
}

/**
 * The never panel's takeaway for result `d` at the reader's width `k`: `{ verdict, sentences,
 * claims }`. `verdict` is the verdict line, `sentences` the takeaway, and `claims` the choices
 * made and the numbers behind them: `never` (no determined width is different, from `d.status`),
 * `ruledOut` (the "ruled out before any training" sentence was said, naming the noise `kind`),
 * and the angles and counts quoted.
 */
export function neverTakeaway(d, { k }) {
  const noise = noiseKind(d.noise);
  const count = (status) => d.status.filter((s) => s === status).length;
  const different = count('different');
  const undetermined = count('undetermined');
  const determined = d.k.length - undetermined;
  const never = different === 0;
  const at = d.k.map((_, j) => j).filter((j) => d.status[j] !== 'undetermined');
  const worst = (values) => Math.max(0, ...at.map((j) => values[j]));
  const worstFeature = worst(d.max_feature_angle_deg);
  const worstPixel = worst(d.max_angle_deg);
  const widest = worst(d.tolerance_deg);
  const { i, K, D, every, nearest } = testedWidth(d, k);
  const where = nearest ? `At K=${K} (${nearest})` : `At K=${K}`;
  const [feature, pixel] = [d.max_feature_angle_deg[i], d.max_angle_deg[i]];
  const ties = undetermined === 0 ? []
    : [`${undetermined} width${undetermined === 1 ? ' is' : 's are'} undetermined and not plotted: there eigenvalues K and K+1 are tied (such as the constant border pixels), so no top-K subspace is defined.`];
  const verdict = never
    ? (every ? `Verdict for ${noise.name}: never beneficial, at any width K, for any task.`
      : `Verdict for ${noise.name}: never beneficial, for any task, at each of the ${d.k.length} widths tested (every K up to 64, then widths spaced evenly in log K up to D=${D}; the widths between were not tested).`)
    : `Verdict for ${noise.name}: it changes the learned features, so it can help or hurt a task.`;
  const widths = every ? 'determined widths' : `determined widths of the ${d.k.length} tested`;
  const sentences = [];
  let ruledOut = false;
  if (never) {
    sentences.push(`Over the ${determined} ${widths} the features learned with the noise are at most ${degrees(worstFeature)} from PCA's (largest principal angle), under the tolerance at every one of them (at most ${degrees(widest)}); the pixel-space filters are at most ${degrees(worstPixel)} apart.`, ...ties);
    if (noise.kind === 'gaussian') {
      ruledOut = true;
      sentences.push('Notice that no label was needed to know this: isotropic Gaussian noise can be ruled out before any training, since it only shrinks the decoder.');
    } else if (noise.kind === 'none') {
      sentences.push(`This is plain reconstruction (${noise.name}), whose features are PCA's by definition.`);
    } else {
      ruledOut = true;
      sentences.push(`Notice that no label was needed to know this: ${noise.name} can be ruled out on this data before any training.`);
    }
  } else {
    const here = d.status[i] === 'undetermined'
      ? `${where} eigenvalues are tied, so the comparison is undetermined.`
      : d.status[i] === 'same'
        ? `${where} the features learned with the noise are PCA's (largest principal angle ${degrees(feature)}, within the tolerance ${degrees(d.tolerance_deg[i])}).`
        : `${where} the features learned with the noise are ${degrees(feature)} from PCA's (largest principal angle between the two width-${K} feature subspaces); their pixel-space filters are ${degrees(pixel)} apart, an angle that weighs a filter's low-variance directions, which the features barely see, as much as its high-variance ones.`;
    sentences.push(here, `The features differ at ${different} of the ${determined} ${widths}.`, ...ties,
      'Notice that this test cannot say whether the turn helps or hurts: the alignment panel, which uses the labels, says which way it goes.');
  }
  return {
    verdict,
    sentences,
    claims: {
      never, ruledOut, kind: noise.kind, k: K, status: d.status[i], feature, pixel,
      worstFeature, worstPixel, widest, determined, different, undetermined,
    },
  };
}
