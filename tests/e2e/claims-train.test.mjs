// The claims suite for the training panel: its sentences (www/takeaways/train.js, the page's own
// function) on `recon-align train --backend cpu --json` for every setting of claims-support.mjs.
// Each qualitative word is checked against numbers recomputed here: the slope by least squares,
// the prediction of the discrete dynamics from ε and the momentum, the energy shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS, cli } from './claims-support.mjs';
import { trainTakeaway, SLIGHT, FIRST_SHARE, FILLED } from '../../www/takeaways/train.js';
import { describeNoise } from '../../www/state.js';

function trainRun(s) {
  return cli(['train', '--backend', 'cpu', '--data', s.data, '--k', s.k, '--noise', s.noise, '--epochs', s.epochs,
    '--optimiser', s.optimiser, '--lr', s.lr, '--momentum', s.momentum, '--batch', s.batch, '--seed', s.seed]);
}

/** Least-squares slope of y on x. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) { sxx += (x - mx) ** 2; sxy += (x - mx) * (y - my); }
  return sxy / sxx;
}

/** ln of the largest root of z² − (1 + m + ε) z + m, by iterating the recursion it solves. */
function growth(eps, m) {
  let [prev, cur, ratio] = [1, 1, 1];
  for (let i = 0; i < 20000; i++) {
    const next = (1 + eps) * cur + m * (cur - prev);
    ratio = next / cur;
    [prev, cur] = [cur / next, 1];
  }
  return Math.log(ratio);
}

const share = (e, a, b) => {
  let got = 0;
  let all = 0;
  for (let i = a; i < b; i++) { got += e.energy[i]; all += e.spectrum[i]; }
  return (100 * got) / all;
};

for (const s of SETTINGS) {
  test(`training panel sentences follow their numbers: ${s.name}`, { timeout: 900_000 }, () => {
    const epochs = trainRun(s);
    assert.equal(epochs.length, s.epochs);
    const last = epochs[epochs.length - 1];
    const order = last.learning_order;
    const { sentences, claims } = trainTakeaway(epochs, { ...s, noise_spec: s.noise }, describeNoise);
    const text = sentences.join(' ');
    assert.doesNotMatch(text, /undefined|NaN|learned last|no 1\/λ law|need not hold/);

    // Statuses against the energies they summarise.
    order.status.forEach((st, i) => {
      assert.equal(st === 'learned', order.half_optimum_epoch[i] != null, `direction ${i + 1}: ${st}`);
      if (st === 'learned') assert.ok(order.reached[i] >= 0.25, `direction ${i + 1} learned at ${order.reached[i]} of its optimum`);
      if (st === 'not_learned') assert.ok(order.reached[i] < 0.5, `direction ${i + 1} not learned at ${order.reached[i]} of its optimum`);
      if (st === 'learned') assert.ok(order.half_optimum_epoch[i] <= s.epochs);
    });
    const notLearned = order.status.filter((st) => st === 'not_learned').length;
    if (notLearned > 0) assert.match(text, /not timed/);
    else assert.doesNotMatch(text, /not timed/);

    // The fit, recomputed.
    const pts = order.half_optimum_epoch.map((t, i) => [Math.log(order.rate[i]), t == null ? null : Math.log(t)]).filter((p) => p[1] != null);
    assert.equal(order.fitted, pts.length);
    if (pts.length < 3) {
      assert.equal(order.slope, null);
      assert.match(text, /too few to fit a law/);
      return;
    }
    const ours = slope(pts);
    assert.ok(Math.abs(ours - order.slope) < 1e-9, `slope ${order.slope} vs ${ours}`);
    const [lo, hi] = order.slope_interval;
    assert.ok(lo <= ours && ours <= hi, `slope ${ours} outside its interval [${lo}, ${hi}]`);
    assert.match(text, new RegExp(`slope of ${order.slope.toFixed(2)} \\(95% interval ${lo.toFixed(2)} to ${hi.toFixed(2)}, over ${pts.length} directions\\)`));

    if (s.optimiser === 'adam') {
      assert.equal(order.regime, null);
      const contains = lo <= -1 && -1 <= hi;
      assert.match(text, contains ? /interval contains the −1/ : /interval excludes the −1/);
      assert.doesNotMatch(text, /predicts for these steps/);
      return;
    }
    // The prediction of the discrete dynamics, recomputed from lr, the rates and N: the bundled
    // sets hold 10,000 images, of which the run trains on 8,000; the trainer's lr is an f32.
    const n = 8000;
    const lr = Math.fround(s.lr);
    order.rate.forEach((r, i) => assert.ok(Math.abs(order.regime.epsilon[i] - (2 * lr * r) / n) < 1e-12 * (1 + order.regime.epsilon[i])));
    const predicted = slope(order.half_optimum_epoch.map((t, i) => [t, i]).filter(([t]) => t != null)
      .map(([, i]) => [Math.log(order.rate[i]), -Math.log(growth((2 * lr * order.rate[i]) / n, s.momentum))]));
    assert.ok(Math.abs(predicted - order.regime.predicted_slope) < 1e-6, `predicted ${order.regime.predicted_slope} vs ${predicted}`);
    const inside = Math.abs(predicted + 1) <= 0.05;
    assert.equal(claims.order.regime, inside ? 'inside' : 'outside');
    assert.match(text, inside ? /small enough for the law/ : /leave the law's regime/);
    if (lo <= predicted && predicted <= hi) {
      assert.match(text, /consistent with the/);
    } else {
      const word = ours < predicted ? 'steeper' : 'flatter';
      const size = Math.abs(ours - predicted) < SLIGHT ? 'slightly' : 'clearly';
      assert.match(text, new RegExp(`${size} ${word} than the`));
      // The competition for the code is named only for a steeper slope in a mostly filled code.
      assert.equal(/fill most of the code/.test(text), word === 'steeper' && pts.length >= FILLED * s.k);
    }

    // The energy sentence: "first" only where the top directions hold the larger share.
    if (s.k > 10) {
      const first = epochs.find((e) => share(e, 0, 10) >= 50) ?? epochs[0];
      const [a, b] = [share(first, 0, 10), share(first, 10, s.k)];
      const topFirst = a >= FIRST_SHARE && a >= 2 * b;
      assert.equal(claims.topFirst, topFirst);
      assert.equal(/come first/.test(text), topFirst);
    }
  });
}
