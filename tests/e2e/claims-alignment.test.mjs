// Claims suite for the alignment panel: its takeaways (www/takeaways/alignment.js, the page's own
// functions) run on `recon-align align --json` and `recon-align sweep --json` for every setting of
// claims-support.mjs that changes the panel (data, noise, K), plus one noise per branch of the
// sentences. Each sentence is checked against numbers recomputed here by another route:
// - the scale's variance shares from the clean pencil's eigenvalues (`mu`, which is PCA's lambda
//   without noise), its widths from the curve, the label-optimal dimension from the classes;
// - "mild"/"strong" from those shares, and "helps"/"hurts"/"mildly"/"no change" from the impact
//   recomputed from the two curves against the stated thresholds;
// - "turns the learned subspace" from the label-free test (`never-beneficial --json`: some width
//   where the feature subspace differs from PCA's) and from the label energies not being PCA's in
//   another order; "coincide" from the curves;
// - the sweep's best, worst and counts from each row's alignment against the clean curve.
// Run with `node --test tests/e2e/claims-alignment.test.mjs` (no browser; it runs the CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS, DEFAULTS, cli } from './claims-support.mjs';
import { alignmentTakeaway, sweepTakeaway, scaleTakeaway, NO_CHANGE, MILD, MILD_VARIANCE } from '../../www/takeaways/alignment.js';

/** The settings that change the alignment panel, once each, and one noise per branch of its text. */
const CASES = (() => {
  const extra = [
    { name: 'MNIST, no noise', noise: 'none' },
    { name: 'Fashion-MNIST, no noise', data: 'fashion', noise: 'none' },
    { name: 'MNIST, isotropic Gaussian noise', noise: 'gaussian:0.5' },
    { name: 'Fashion-MNIST, mask:0.9:4, K=8', data: 'fashion', noise: 'mask:0.9:4', k: 8 },
  ].map((s) => ({ ...DEFAULTS, ...s }));
  const seen = new Set();
  return [...SETTINGS, ...extra].filter((s) => {
    const key = `${s.data} ${s.noise} ${s.k}`;
    return !seen.has(key) && seen.add(key);
  });
})();

const align = (data, noise) => cli(['align', '--data', data, '--noise', noise]);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The number printed right after `prefix` in `text`. */
function numberAfter(text, prefix) {
  const at = text.indexOf(prefix);
  assert.ok(at >= 0, `"${prefix}" in: ${text}`);
  return Number(text.slice(at + prefix.length).match(/^[+-]?[0-9.]+/)[0]);
}

/** The scale recomputed from the clean curve and the clean pencil's eigenvalues. */
function recomputedScale(clean) {
  const total = clean.mu.reduce((a, b) => a + b, 0);
  const dims = [90, 95, 99].map((level) => {
    let k = 1;
    while (clean.alignment[k - 1] < level) k++;
    return k;
  });
  const variance = dims.map((k) => clean.mu.slice(0, k).reduce((a, b) => a + b, 0) / total);
  return { dims, variance };
}

for (const s of CASES) {
  test(`alignment takeaway on ${s.name} (${s.data}, ${s.noise}, K=${s.k}): every sentence follows from its numbers`, { timeout: 1_800_000 }, () => {
    const clean = align(s.data, 'none');
    const noisy = s.noise === 'none' ? null : align(s.data, s.noise);
    const t = alignmentTakeaway({ clean, noisy, K: s.k, dataset: s.data });
    const text = t.sentences.join(' ');

    // The scale: the CLI's fields agree with the recomputation; the sentence quotes them.
    const { scale } = clean;
    const { dims, variance } = recomputedScale(clean);
    assert.deepEqual(scale.pca_dims, dims, 'widths at 90/95/99%');
    scale.pca_variance.forEach((v, i) => assert.ok(Math.abs(v - variance[i]) < 1e-9, `variance share ${v} vs ${variance[i]}`));
    assert.equal(scale.label_optimal_dims, clean.classes - 1, 'C − 1 label-optimal directions');
    assert.ok(Math.abs(scale.label_optimal_alignment - 100) < 1e-6, `label-optimal alignment ${scale.label_optimal_alignment}`);
    assert.ok(scale.label_optimal_variance > 0 && scale.label_optimal_variance < variance[2], 'the label-optimal features hold less variance than PCA needs for 99%');
    assert.match(text, new RegExp(`PCA needs ${dims[0]} directions \\(${escape((100 * variance[0]).toFixed(1))}% of the pixel variance\\) to reach 90% alignment, ${dims[1]} \\(${escape((100 * variance[1]).toFixed(1))}%\\) for 95% and ${dims[2]} \\(${escape((100 * variance[2]).toFixed(1))}%\\) for 99%`));
    assert.match(text, new RegExp(`C−1 = ${clean.classes - 1} label-optimal directions reach 100\\.00%`));
    // "mild" only where the directions reaching 90% alignment hold at most MILD_VARIANCE of the variance.
    const mild = variance[0] <= MILD_VARIANCE;
    assert.equal(/misalignment is mild/.test(text), mild, text);
    assert.equal(/misalignment is strong/.test(text), !mild, text);
    assert.equal(/gap is mild/.test(t.lede), mild, t.lede);
    assert.match(t.lede, new RegExp(`top ${dims[0]} directions, holding ${escape((100 * variance[0]).toFixed(1))}% of the pixel variance, reach 90%`));
    assert.doesNotMatch(`${text} ${t.lede}`, /\blittle\b/, 'no "little" anywhere');
    // The chosen width's alignment, and the label energy it keeps (its square).
    const i = Math.min(s.k, clean.d) - 1;
    assert.equal(numberAfter(text, 'reaches an alignment of '), Number(clean.alignment[i].toFixed(2)));
    if (!noisy) {
      assert.equal(numberAfter(text, 'it keeps '), Number((clean.alignment[i] ** 2 / 100).toFixed(1)));
      return;
    }

    // The impact at K, recomputed from the two curves, and its word.
    const impact = (100 * (noisy.alignment[i] - clean.alignment[i])) / clean.alignment[i];
    const size = Math.abs(impact);
    const word = size < NO_CHANGE ? 'makes no change' : `${impact > 0 ? 'helps' : 'hurts'}${size < MILD ? ' mildly' : ''}`;
    assert.match(text, new RegExp(`so at this width the noise ${word} \\(`), `${word} at impact ${impact}: ${text}`);
    const quoted = numberAfter(text, 'an impact of ');
    assert.ok(Math.abs(quoted - impact) <= (size < 0.1 ? 5e-4 : 5e-3) + 1e-12, `quoted impact ${quoted} vs ${impact}`);

    // What the noise does to the directions.
    const gap = Math.max(...noisy.alignment.map((v, j) => Math.abs(v - clean.alignment[j])));
    const [kind, a] = s.noise.split(':');
    const isotropic = kind === 'gaussian' || (kind === 'gaussmap' && new Set(a).size === 1);
    if (isotropic) {
      assert.ok(gap < 1e-9, `isotropic Gaussian noise: curves apart by ${gap}`);
      assert.match(text, /keeps PCA's directions and their order, so the two curves coincide/);
    }
    if (/turns the learned subspace to other directions/.test(text)) {
      // The label-free test sees a width where the noise's features are not PCA's.
      const never = cli(['never-beneficial', '--data', s.data, '--noise', s.noise]).reports[0];
      assert.ok(never.status.includes('different'), 'the label-free test finds the subspace turned');
      // And the label energies of its directions are not PCA's reordered: sorted, they differ.
      const energies = (c) => c.alignment.map((v, j) => v * v - (j ? c.alignment[j - 1] ** 2 : 0)).sort((x, y) => x - y);
      const [e0, e1] = [energies(clean), energies(noisy)];
      assert.ok(e0.some((v, j) => Math.abs(v - e1[j]) > 1e-3), 'label energies differ from a reordering of PCA\'s');
      assert.ok(!isotropic);
    }
    assert.doesNotMatch(text, /only changes which directions come first/);
  });
}

// The sweep on two datasets only (each is thirty closed forms), read at every K of the settings.
for (const data of ['mnist', 'fashion']) {
  test(`sweep takeaway on ${data}: the best and worst masks and the counts follow from the sweep`, { timeout: 1_800_000 }, () => {
    const sweep = cli(['sweep', '--data', data]);
    for (const K of [...new Set(SETTINGS.map((s) => s.k))]) {
      const i = Math.min(K, sweep.d) - 1;
      const t = sweepTakeaway(sweep.rows, K);
      const text = t.sentences.join(' ');
      // Each mask's impact from its own alignment against the clean curve.
      const masks = sweep.rows.filter((r) => r.noise.startsWith('mask:') && Number(r.noise.split(':')[1]) > 0)
        .map((r) => ({ noise: r.noise, v: (100 * (r.alignment[i] - sweep.clean[i])) / sweep.clean[i] }));
      assert.equal(masks.length, sweep.config.probabilities.filter((p) => p > 0).length * sweep.config.patches.length);
      const best = masks.reduce((b, m) => (m.v > b.v ? m : b));
      const worst = masks.reduce((w, m) => (m.v < w.v ? m : w));
      const said = (m) => {
        const [, p, patch] = m.noise.split(':');
        const v = Math.abs(m.v) < 0.1 ? m.v.toFixed(3) : m.v.toFixed(2);
        return `p=${Number(p).toFixed(2)} with ${patch}×${patch} patches (${m.v >= 0 ? '+' : ''}${v}%)`;
      };
      assert.ok(text.includes(`the best mask in the sweep is ${said(best)}`), `K=${K}: best ${said(best)} in: ${text}`);
      assert.ok(text.includes(`the worst is ${said(worst)}`), `K=${K}: worst ${said(worst)} in: ${text}`);
      const help = masks.filter((m) => m.v >= NO_CHANGE).length;
      const hurt = masks.filter((m) => m.v <= -NO_CHANGE).length;
      const none = masks.length - help - hurt;
      assert.match(text, new RegExp(`of its ${masks.length} masks with p > 0, ${help} help\\b.*, ${hurt} hurt\\b.* and ${none} make no change`), `K=${K}: ${text}`);
      if (worst.v <= -MILD) assert.match(text, new RegExp(`the worst is ${escape(said(worst))}, which hurts[,;]`));
      // Gaussian noise: no change at any K, as the paper proves.
      const gmax = Math.max(...sweep.rows.filter((r) => r.noise.startsWith('gaussian:'))
        .flatMap((r) => r.alignment.map((v, j) => Math.abs((100 * (v - sweep.clean[j])) / sweep.clean[j]))));
      assert.ok(gmax < NO_CHANGE, `Gaussian impact ${gmax}`);
      assert.match(text, /Gaussian noise stays at zero for every K/);
    }
  });
}

test('the scale sentence calls a misalignment strong when reaching 90% takes more than the top 90% of the variance', () => {
  // A made-up scale on the far side of the threshold (as on realistic images), to cover the other word.
  const strong = scaleTakeaway({
    levels: [90, 95, 99], pca_dims: [400, 600, 700], pca_variance: [0.97, 0.99, 0.999],
    label_optimal_dims: 9, label_optimal_alignment: 100, label_optimal_variance: 0.05,
  });
  assert.equal(strong.claims.word, 'strong');
  assert.match(strong.sentences.join(' '), /misalignment is strong/);
  assert.match(strong.lede, /gap is strong/);
});
