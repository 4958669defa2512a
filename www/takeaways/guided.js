// The guided panel's sentences (www/panels/guided.js), computed from the guided sweep: the page's
// guided.json and `recon-align guided --json` have the same fields (accuracies as fractions, each
// with its binomial standard error on the `split.test` held-out images). No DOM: the claims suite
// (tests/e2e/claims-guided.test.mjs) runs it in Node on the command line's numbers.
import { num } from './format.js';

/** Two encoders "reconstruct alike" when both errors are within this fraction of PCA's (1%). */
export const SAME_RECONSTRUCTION = 0.01;

/** Accuracy spreads count as shown when they exceed this many standard errors of a difference. */
export const SHOWN_AT_SE = 2;

/** A count with thousands separators (no locale: Node and the browser print the same). */
const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** A weight λ for a sentence, two significant digits; PCA is the limit λ → ∞. */
export const lambdaText = (lambda) => (Number.isFinite(lambda) ? `λ=${lambda.toPrecision(2)}` : 'PCA, λ→∞');

/** Every encoder of result `d`, PCA first: `{ lambda, error, acc, se }` (accuracies as fractions). */
export function guidedEncoders(d) {
  return [
    { lambda: Infinity, error: d.pca_recon_error, acc: d.pca_acc, se: d.pca_acc_se },
    ...d.lambda.map((lambda, i) => ({ lambda, error: d.recon_error[i], acc: d.probe_acc[i], se: d.probe_acc_se[i] })),
  ];
}

/**
 * The guided panel's takeaway for result `d`: `{ sentences, claims }`. Among the encoders whose
 * reconstruction error is within `tolerance` (relative) of PCA's, PCA included, it compares the
 * best and the worst probe accuracy. `claims.shown` is true only when their difference exceeds
 * `SHOWN_AT_SE` times its standard error sqrt(se_lo² + se_hi²) (both measured on the same
 * `split.test` images; treating them as independent overstates the error of a difference, so the
 * test is conservative). `smallerK`, when given, is a width at which the bundled data shows the
 * effect, suggested when this one does not.
 */
export function guidedTakeaway(d, { tolerance = SAME_RECONSTRUCTION, smallerK = null } = {}) {
  const n = d.split.test;
  const all = guidedEncoders(d);
  const limit = d.pca_recon_error * (1 + tolerance);
  const near = all.filter((e) => e.error <= limit);
  const pct = (v) => num(100 * v, 1);
  const within = `within ${num(100 * tolerance, 0)}% of PCA's (${num(d.pca_recon_error, 4)})`;
  const claims = { k: d.k, n, tolerance, within: near.length, shown: false };
  const sentences = [];
  if (near.length < 2) {
    sentences.push(`With K=${d.k}, no encoder of the λ grid other than PCA has a reconstruction error ${within}, so this sweep cannot compare perception at equal reconstruction.`);
  } else {
    const lo = near.reduce((a, e) => (e.acc < a.acc ? e : a));
    const hi = near.reduce((a, e) => (e.acc > a.acc ? e : a));
    const spread = hi.acc - lo.acc;
    const seDiff = Math.sqrt(lo.se ** 2 + hi.se ** 2);
    const shown = spread > SHOWN_AT_SE * seDiff;
    const worst = Math.max(...near.map((e) => e.error));
    Object.assign(claims, { lo, hi, spread, seDiff, shown, worstError: worst });
    sentences.push(`With K=${d.k}, ${near.length} encoders reconstruct ${within}: their errors are at most ${num(worst, 4)}, and their linear probes score from ${pct(lo.acc)}% ± ${pct(lo.se)} (${lambdaText(lo.lambda)}) to ${pct(hi.acc)}% ± ${pct(hi.se)} (${lambdaText(hi.lambda)}), ± one binomial standard error on ${thousands(n)} test images.`);
    if (shown) {
      sentences.push(`That spread, ${pct(spread)} points, exceeds ${SHOWN_AT_SE} standard errors of the difference (one is ${pct(seDiff)} points): encoders that reconstruct alike differ in what a linear probe reads from them, so the reconstruction loss alone cannot tell them apart.`);
    } else {
      const hint = smallerK != null && smallerK < d.k ? ` The bundled MNIST and Fashion-MNIST images show it at K=${smallerK}, where fewer directions must serve both terms.` : '';
      sentences.push(`That spread, ${pct(spread)} points, is within ${SHOWN_AT_SE} standard errors of the difference (one is ${pct(seDiff)} points), so at K=${d.k} this data does not show encoders that reconstruct alike yet perceive differently.${hint}`);
      claims.suggestedK = hint ? smallerK : null;
    }
  }
  const best = all.reduce((a, e) => (e.acc > a.acc ? e : a));
  const worstError = Math.max(...all.map((e) => e.error));
  claims.best = best;
  sentences.push(`Over the whole grid the reconstruction error runs from PCA's ${num(d.pca_recon_error, 4)} to ${num(worstError, 4)}; the best probe scores ${pct(best.acc)}% ± ${pct(best.se)} (${lambdaText(best.lambda)}), against PCA's ${pct(d.pca_acc)}% ± ${pct(d.pca_acc_se)}.`);
  return { sentences, claims };
}
