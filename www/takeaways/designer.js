// The noise designer's sentences (www/panels/designer.js), computed from its numbers: the
// alignment result (`align`: k, clean, noisy), the label-free test of the map (`never`, the fields
// of never.json) and, for a Gaussian map that is not uniform, the test of isotropic Gaussian noise
// of the same mean σ (`reference`). No DOM: the claims suite runs it in Node.
import { mapMean, parseNoise } from '../state.js';
import { atK, num } from './format.js';
import { degrees, noiseKind, testedWidth } from './never.js';

/** The largest of `values` over the widths whose status is determined, and their count. */
function worstDetermined(report, values) {
  const at = report.k.map((_, j) => j).filter((j) => report.status[j] !== 'undetermined');
  return { worst: Math.max(0, ...at.map((j) => values[j])), determined: at.length };
}

/**
 * `{ verdict, sentences, claims }` for the map `spec` (`dropmap:<49 digits>` or
 * `gaussmap:<49 digits>`) at the reader's width `k`. `claims.never` is the map's verdict (no
 * determined width different), `claims.isotropic` whether the map is isotropic Gaussian noise,
 * and `claims.featureAngle` the angle quoted at K.
 */
export function designerTakeaway({ spec, align, never, reference }, { k }) {
  const i = atK(align.k, Math.min(k, align.d ?? align.k.length));
  const K = align.k[i];
  const [clean, noisy] = [align.clean[i], align.noisy[i]];
  const impact = (100 * (noisy - clean)) / clean;
  const isNever = !never.status.includes('different');
  const { worst, determined } = worstDetermined(never, never.max_feature_angle_deg);
  // Above D = 1024 the test ran on a grid of widths: the angle is that of the tested width below K.
  const { i: j, K: testedK, every, nearest } = testedWidth(never, K);
  const featureAngle = never.max_feature_angle_deg[j];
  const tested = nearest ? ` at K=${testedK}, ${nearest}` : '';
  const angle = never.status[j] === 'undetermined' ? `undetermined (tied eigenvalues)${tested}`
    : `${degrees(featureAngle)}${tested} (their pixel-space filters ${degrees(never.max_angle_deg[j])})`;
  const { kind: name, map: digits } = parseNoise(spec);
  const mean = mapMean(digits);
  const kind = noiseKind(spec).kind;
  const isotropic = kind === 'gaussian';
  const verdict = isNever
    ? `Verdict without labels: this map never changes the learned features${every ? '' : ` at the ${never.k.length} widths tested`}, so it cannot help or hurt any task.`
    : 'Verdict without labels: this map changes the learned features, so it can help or hurt a task.';
  const readout = `At K=${K} the alignment with the labels goes from ${num(clean, 2)}% without noise to ${num(noisy, 2)}% with the map (impact ${impact >= 0 ? '+' : ''}${num(impact, 2)}%); the largest principal angle between the width-${K} features learned with the map and PCA's is ${angle}.`;
  const sentences = [];
  let referenceClaim = null;
  if (kind === 'none') {
    sentences.push(`Every cell of this map is 0: it adds no noise, so the features are PCA's.`, readout);
  } else if (isotropic) {
    sentences.push(isNever
      ? `This Gaussian map is uniform (σ=${num(mean, 1)} in every cell): it is isotropic Gaussian noise, which never changes the learned subspace — the largest feature angle to PCA's is at most ${degrees(worst)} over the ${determined} determined widths.`
      : `This Gaussian map is uniform (σ=${num(mean, 1)} in every cell), yet the test reports a turn at some determined width (up to ${degrees(worst)}), which the theory rules out: a numerical limit on this data.`, readout);
  } else if (name === 'gaussmap') {
    const ref = reference && worstDetermined(reference, reference.max_feature_angle_deg);
    referenceClaim = ref && { never: !reference.status.includes('different'), worst: ref.worst };
    const iso = !referenceClaim ? `Isotropic Gaussian noise never changes the learned subspace (σ=${num(mean, 3)} everywhere)`
      : referenceClaim.never ? `Isotropic Gaussian noise never changes the learned subspace (σ=${num(mean, 3)} everywhere: largest feature angle at most ${degrees(referenceClaim.worst)})`
        : `Isotropic Gaussian noise (σ=${num(mean, 3)} everywhere) is found to turn the features here by up to ${degrees(referenceClaim.worst)}`;
    sentences.push(`${iso}, but this Gaussian map is not uniform, and it ${isNever ? 'does not change it either' : 'does'}.`, readout);
  } else {
    sentences.push(`This drop map (mean drop probability ${num(mean, 2)}) ${isNever ? 'keeps' : 'turns'} the learned features.`, readout,
      'The label-free test needs no labels; the alignment, which uses them, says whether the turn helps.');
  }
  return {
    verdict,
    sentences,
    claims: { never: isNever, isotropic, kind, k: K, featureAngle, status: never.status[j], worst, determined, impact, reference: referenceClaim },
  };
}
