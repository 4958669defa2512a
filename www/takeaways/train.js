// The training panel's sentences, computed from its numbers (no DOM: the claims suite runs this in
// Node on `recon-align train --json`). Each qualitative word is chosen from the numbers, and the
// choice is returned in `claims` with the numbers behind it.
import { num, asPercent } from './format.js';

/** A slope this close to the prediction, but outside its interval, is "slightly" off. */
export const SLIGHT = 0.15;
/** The top band "comes first" only with at least this share (%) of its spectrum's energy. */
export const FIRST_SHARE = 10;
/** A steeper slope is put down to competition for the code when this share of K is learned. */
export const FILLED = 0.75;

/** How a run's update rule reads in a sentence. */
export function describeOptimiser(settings) {
  if (settings.optimiser === 'adam') return 'Adam';
  const m = Number(settings.momentum ?? 0);
  return m > 0 ? `SGD with momentum ${m}` : 'plain SGD (no momentum)';
}

/** The direction numbers (1-based) of `indices`, as "3, 5–9". */
function ranges(indices) {
  const out = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    out.push(i === j ? `${indices[i] + 1}` : `${indices[i] + 1}–${indices[j] + 1}`);
    i = j;
  }
  return out.join(', ');
}

/**
 * The learning-order sentences of the latest epoch's `order` (Rust's LearningOrder), for a run
 * with `settings`: how many directions were timed, the measured slope with its interval, and how
 * it compares with what gradient descent predicts for these steps.
 */
export function learningOrderTakeaway(order, settings, epoch) {
  const K = order.status.length;
  const idx = (s) => order.status.map((v, i) => (v === s ? i : -1)).filter((i) => i >= 0);
  const notLearned = idx('not_learned');
  const noGrowth = idx('no_growth');
  const claims = { fitted: order.fitted, directions: K, slope: order.slope, interval: order.slope_interval, relation: null, regime: null };
  const sentences = [];
  const pending = notLearned.length === 0 ? ''
    : ` Direction${notLearned.length === 1 ? '' : 's'} ${ranges(notLearned)} ${notLearned.length === 1 ? 'has' : 'have'} not reached half of ${notLearned.length === 1 ? 'its' : 'their'} optimum energy by epoch ${epoch} (at most ${num(100 * Math.max(...notLearned.map((i) => order.reached[i])), 0)}% of it), so ${notLearned.length === 1 ? 'it is' : 'they are'} not timed.`;
  const idle = noGrowth.length === 0 ? ''
    : ` ${noGrowth.length} direction${noGrowth.length === 1 ? ' holds' : 's hold'} so little energy at the optimum that there is nothing to learn along ${noGrowth.length === 1 ? 'it' : 'them'}.`;
  if (order.slope == null || order.slope_interval == null) {
    sentences.push(`Learning order: ${order.fitted} of the top ${K} directions have reached half of their energy at the closed-form optimum, too few to fit a law.${pending}${idle}`);
    return { sentences, claims };
  }
  const [lo, hi] = order.slope_interval;
  const measured = `${num(order.slope, 2)} (95% interval ${num(lo, 2)} to ${num(hi, 2)}, over ${order.fitted} directions)`;
  sentences.push(`Learning order: ${order.fitted} of the top ${K} directions reached half of their energy at the closed-form optimum; the time at which they did falls with their rate s = ${order.rate_name} on a log–log slope of ${measured}.${pending}${idle}`);
  const regime = order.regime;
  if (regime && regime.predicted_slope != null) {
    const p = regime.predicted_slope;
    const relation = lo <= p && p <= hi ? 'consistent'
      : (order.slope < p ? 'steeper' : 'flatter');
    const size = Math.abs(order.slope - p) < SLIGHT ? 'slightly' : 'clearly';
    claims.relation = relation;
    claims.size = relation === 'consistent' ? null : size;
    claims.predicted = p;
    const crowded = relation === 'steeper' && order.fitted >= FILLED * K;
    claims.crowded = crowded;
    const law = relation === 'consistent'
      ? `consistent with the ${num(p, 2)} that gradient descent predicts for these steps`
      : `${size} ${relation} than the ${num(p, 2)} that gradient descent predicts for these steps${crowded ? `, as expected when the learned directions fill most of the code's ${K} units: each late direction grows from the units still free and comes a little after 1/s` : ''}`;
    const eps = regime.epsilon[0];
    claims.regime = regime.inside ? 'inside' : 'outside';
    const where = regime.inside
      ? `These steps are small enough for the law t ∝ 1/s (slope −1): the top direction's ε = 2·lr·s/N is ${num(eps, 3)}, against (1 − m)² = ${num(regime.momentum_scale, 2)}.`
      : `These settings leave the law's regime: the top direction's step ε = 2·lr·s/N is ${num(eps, 3)}, not small against (1 − m)² = ${num(regime.momentum_scale, 2)}, so the discrete dynamics bend the law to a slope of ${num(p, 2)} instead of −1${regime.momentum > 0 ? ' (momentum lets the fast directions grow like √ε, not ε)' : ''}. Plain SGD with a smaller learning rate restores it.`;
    sentences.push(`That is ${law}. ${where}`);
  } else {
    const contains = lo <= -1 && -1 <= hi;
    claims.relation = contains ? 'contains -1' : 'excludes -1';
    sentences.push(`Adam scales each weight's step by its own gradient history, so gradient descent's prediction does not apply to it; the measured interval ${contains ? 'contains' : 'excludes'} the −1 of plain gradient descent.`);
  }
  return { sentences, claims };
}

/** The share (%) of the spectrum's energy that epoch summary `e` reconstructs on directions a..b−1. */
export function energyShare(e, a, b) {
  let got = 0;
  let den = 0;
  for (let i = a; i < b && i < e.energy.length; i++) { got += e.energy[i]; den += e.spectrum[i]; }
  return den > 0 ? (100 * got) / den : NaN;
}

/**
 * Every sentence of the training panel for `epochs` (EpochSummary objects, in order) of a run
 * with `settings` ({ noise_spec or noise, k, optimiser, momentum, lr }); `describeNoise` names a
 * noise spec for readers.
 */
export function trainTakeaway(epochs, settings, describeNoise) {
  const last = epochs[epochs.length - 1];
  const K = settings.k;
  const acc = asPercent([last.probe_acc])[0];
  const relGap = last.optimum !== 0 ? (100 * last.gap) / Math.abs(last.optimum) : NaN;
  const noise = describeNoise(settings.noise_spec ?? settings.noise);
  const sentences = [`After ${last.epoch} epoch${last.epoch === 1 ? '' : 's'} (${noise}, K=${K}, ${describeOptimiser(settings)}, lr ${settings.lr}) the loss is ${num(last.loss, 4)}, ${num(relGap, 2)}% above the closed-form optimum ${num(last.optimum, 4)}; a linear probe on the codes reaches ${num(acc, 1)}% and the alignment is ${num(last.alignment, 1)}% (${Math.round(last.samples_per_sec).toLocaleString('en')} samples/s on ${last.backend}).`];
  const claims = {};
  const top = Math.min(10, K);
  if (K > top) {
    // The first epoch at which the top directions hold half their spectrum's energy (else epoch 1).
    const first = epochs.find((e) => energyShare(e, 0, top) >= 50) ?? epochs[0];
    const [a, b] = [energyShare(first, 0, top), energyShare(first, top, K)];
    // "First" only where the top band holds a real share, at least twice the rest's.
    claims.topFirst = a >= FIRST_SHARE && a >= 2 * b;
    sentences.push(`After epoch ${first.epoch} the reconstructions carry ${num(a, 0)}% of the data energy along the top ${top} eigenvectors and ${num(b, 0)}% along eigenvectors ${top + 1}–${K}${claims.topFirst ? ': the high-variance directions come first' : ''}; by epoch ${last.epoch} these are ${num(energyShare(last, 0, top), 0)}% and ${num(energyShare(last, top, K), 0)}%. A width-${K} code holds at most ${K} directions, so the rest of the spectrum is never learned at this width.`);
  }
  const order = learningOrderTakeaway(last.learning_order, settings, last.epoch);
  sentences.push(...order.sentences);
  return { sentences, claims: { ...claims, order: order.claims } };
}
