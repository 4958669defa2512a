// Formatting and small statistics shared by the panels and their takeaways. No DOM: the claims
// suite (tests/e2e/claims-*.test.mjs) imports the takeaways in Node.

/** Accuracies may come as fractions or percent; the page shows percent. */
export function asPercent(xs) {
  const arr = Array.from(xs ?? []);
  const max = Math.max(...arr.filter(Number.isFinite));
  return max <= 1.0000001 ? arr.map((v) => v * 100) : arr;
}

/** Formats a number with `d` decimals, for sentences. */
export const num = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** Index of the last element of sorted `k` that is <= K (K clamped to the range). */
export function atK(k, K) {
  let i = 0;
  while (i + 1 < k.length && k[i + 1] <= K) i++;
  return i;
}

/**
 * Binomial standard error of an accuracy `p` (a fraction) measured on `n` test images:
 * sqrt(p (1 − p) / n), as a fraction.
 */
export function binomialSE(p, n) {
  return n > 0 && p >= 0 && p <= 1 ? Math.sqrt((p * (1 - p)) / n) : NaN;
}
