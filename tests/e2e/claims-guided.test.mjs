// Claims suite, guided panel: the page's takeaway (www/takeaways/guided.js) on the command line's
// numbers for every setting of claims-support.mjs that changes the panel (data, K; the seed is
// the page's), and each qualitative word against the numbers, recomputed here from the accuracies
// and the test-set size: "cannot tell them apart" only when the accuracy spread among encoders
// within 1% of PCA's reconstruction error exceeds twice the standard error of a difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS, cli } from './claims-support.mjs';
import { guidedTakeaway } from '../../www/takeaways/guided.js';

/** The width the page suggests when its own does not show the effect (www/panels/guided.js). */
const SUGGESTED_K = 8;

const guided = (data, k, seed) => cli(['guided', '--data', data, '--k', k, '--seed', seed]);

/** The verdict recomputed here: encoders (PCA included) within 1% of PCA's error, their spread. */
function independent(d) {
  const n = d.split.test;
  const se = (p) => Math.sqrt((p * (1 - p)) / n);
  const all = [[d.pca_recon_error, d.pca_acc], ...d.recon_error.map((e, i) => [e, d.probe_acc[i]])];
  const near = all.filter(([e]) => e <= 1.01 * d.pca_recon_error);
  const accs = near.map(([, a]) => a);
  const [lo, hi] = [Math.min(...accs), Math.max(...accs)];
  const seDiff = Math.hypot(se(lo), se(hi));
  return { n, se, near, lo, hi, spread: hi - lo, seDiff, shown: hi - lo > 2 * seDiff, maxError: Math.max(...near.map(([e]) => e)) };
}

/** Every "A% ± a" of a sentence, as [A, a]. */
const quoted = (sentence) => [...sentence.matchAll(/(\d+\.\d)% ± (\d+\.\d)/g)].map((m) => [Number(m[1]), Number(m[2])]);
const near1 = (a, b, what) => assert.ok(Math.abs(a - b) <= 0.051, `${what}: sentence ${a}, recomputed ${b}`);

const panels = new Map();
for (const s of SETTINGS) {
  const key = `${s.data} K=${s.k} seed=${s.seed}`;
  if (!panels.has(key)) panels.set(key, s);
}

for (const [key, s] of panels) {
  test(`guided takeaway: ${key}`, { timeout: 1_800_000 }, () => {
    const d = guided(s.data, s.k, s.seed);
    const me = independent(d);
    // The standard errors the result carries are the binomial ones on split.test images.
    assert.ok(me.n > 0 && d.probe_acc_se.length === d.lambda.length);
    d.probe_acc.forEach((p, i) => assert.ok(Math.abs(d.probe_acc_se[i] - me.se(p)) <= 1e-12, `SE at lambda ${d.lambda[i]}`));
    assert.ok(Math.abs(d.pca_acc_se - me.se(d.pca_acc)) <= 1e-12, 'PCA SE');

    const { sentences, claims } = guidedTakeaway(d, { smallerK: SUGGESTED_K });
    const text = sentences.join(' ');
    assert.ok(me.near.length >= 2, `${key}: the grid holds encoders other than PCA within 1%`);
    assert.equal(claims.within, me.near.length, 'encoders within 1%');
    assert.equal(claims.shown, me.shown, `${key}: spread ${me.spread}, SE of a difference ${me.seDiff}`);
    // The numbers quoted: the range of accuracies with their SEs, the largest error, the spread.
    const [[lo, loSE], [hi, hiSE]] = quoted(sentences[0]);
    near1(lo, 100 * me.lo, 'lowest accuracy');
    near1(hi, 100 * me.hi, 'highest accuracy');
    near1(loSE, 100 * me.se(me.lo), 'its SE');
    near1(hiSE, 100 * me.se(me.hi), 'its SE');
    assert.match(sentences[0], new RegExp(`at most ${me.maxError.toFixed(4)}`));
    assert.ok(me.maxError <= 1.01 * d.pca_recon_error);
    assert.match(sentences[0], new RegExp(`on ${me.n.toLocaleString('en-US')} test images`));
    near1(Number(sentences[1].match(/spread, (\d+\.\d) points/)[1]), 100 * me.spread, 'spread');
    near1(Number(sentences[1].match(/one is (\d+\.\d) points/)[1]), 100 * me.seDiff, 'SE of the difference');
    // The words follow the verdict, and only it.
    if (me.shown) {
      assert.match(text, /cannot tell them apart/);
      assert.match(text, /exceeds 2 standard errors/);
      assert.doesNotMatch(text, /does not show/);
    } else {
      assert.doesNotMatch(text, /cannot tell them apart|exceeds/);
      assert.match(text, /within 2 standard errors/);
      assert.match(text, new RegExp(`at K=${d.k} this data does not show`));
    }
    // A suggested width is one where the bundled data does show it, on both data sets.
    const suggestion = text.match(/images show it at K=(\d+)/);
    assert.equal(Boolean(suggestion), !me.shown && d.k > SUGGESTED_K, 'a narrower width is suggested exactly when this one shows nothing');
    if (suggestion) {
      for (const data of ['mnist', 'fashion']) {
        const there = independent(guided(data, Number(suggestion[1]), s.seed));
        assert.ok(there.shown, `${data} at K=${suggestion[1]}: spread ${there.spread}, SE ${there.seDiff}`);
      }
    }
    // The last sentence: the grid's error range, the best probe and PCA's, as measured.
    const best = Math.max(d.pca_acc, ...d.probe_acc);
    const [[b, bSE], [pca, pcaSE]] = quoted(sentences.at(-1));
    near1(b, 100 * best, 'best accuracy');
    near1(bSE, 100 * me.se(best), 'its SE');
    near1(pca, 100 * d.pca_acc, "PCA's accuracy");
    near1(pcaSE, 100 * me.se(d.pca_acc), "PCA's SE");
    assert.match(sentences.at(-1), new RegExp(`to ${Math.max(d.pca_recon_error, ...d.recon_error).toFixed(4)};`));
  });
}

test('the guided effect shows on the bundled data at the suggested width', { timeout: 1_800_000 }, () => {
  // The panel's suggestion rests on this: at K=8 both bundled data sets show a spread above twice
  // its uncertainty (measured: about 4 points against 2 x 1.5).
  for (const data of ['mnist', 'fashion']) {
    const me = independent(guided(data, SUGGESTED_K, 1));
    assert.ok(me.shown, `${data}: spread ${me.spread}, SE of a difference ${me.seDiff}`);
  }
});
