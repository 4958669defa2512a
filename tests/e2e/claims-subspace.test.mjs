// The subspace panel's sentences (www/takeaways/subspace.js) against the command line's numbers
// for them (`recon-align subspace --mlp --backend cpu --json` without --fraction: the page's
// subspace result, the same fields; numbers.test.mjs checks that the page's equal the CLI's).
// Every qualitative word is checked against standard errors recomputed here from the accuracies
// and the test-set size: a side is "higher" only when the difference exceeds twice the standard
// error of the difference, and a probe "beats" the most common class only by more than twice its
// own standard error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS, cli } from './claims-support.mjs';
import { subspaceTakeaway } from '../../www/takeaways/subspace.js';

// Only the data and the seed change this panel (its split and PCA); K, the noise and the
// training settings do not, so the other settings repeat these two.
const RUNS = SETTINGS.filter((s, i) => SETTINGS.findIndex((t) => t.data === s.data && t.seed === s.seed) === i);

/** sqrt(p (1 − p) / n), written out here rather than imported from the code under test. */
const se = (p, n) => Math.sqrt((p * (1 - p)) / n);
const f1 = (x) => (100 * x).toFixed(1);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const PROBES = [['linear probe', 'linear_acc'], ['MLP', 'mlp_acc']];

for (const s of RUNS) {
  test(`subspace takeaway on ${s.name}: dimension counts, standard errors and words follow the numbers`, { timeout: 600_000 }, () => {
    const d = cli(['subspace', '--data', s.data, '--seed', s.seed, '--mlp', '--backend', 'cpu']);
    const { sentences, claims } = subspaceTakeaway(d);
    const text = sentences.join(' ');
    const n = d.split.test;
    assert.equal(d.top.mlp_acc.length, d.fractions.length, 'the MLP ran at every fraction');
    // The fractions read: 25% (the paper's comparison point) and the smallest.
    const j25 = d.fractions.indexOf(0.25);
    const jMin = d.fractions.indexOf(Math.min(...d.fractions));
    assert.ok(j25 >= 0 && jMin >= 0);
    for (const j of [j25, jMin]) {
      const i = sentences.findIndex((t) => t.startsWith(`Asking for ${(100 * d.fractions[j]).toFixed(0)}% of the variance`));
      assert.ok(i >= 0, `a sentence for ${d.fractions[j]}: ${text}`);
      const [numbers, words] = [sentences[i], sentences[i + 1]];
      // The dimension counts and the variance each side holds, as the numbers say.
      for (const side of ['top', 'bottom']) {
        const k = d[side].dims[j];
        assert.ok(d[side].variance[j] >= d.fractions[j] - 1e-12, `${side} holds at least the share asked`);
        assert.match(numbers, new RegExp(`\\b${k.toLocaleString('en')} direction${k === 1 ? '' : 's'} at the ${side} \\(holding ${escape(f1(d[side].variance[j]))}%`));
      }
      assert.ok(numbers.includes(`on ${n.toLocaleString('en')} images`));
      for (const [label, field] of PROBES) {
        // Each probe's accuracy with its standard error, recomputed here, for both sides.
        const [t, b] = [d.top[field][j], d.bottom[field][j]];
        assert.ok(numbers.includes(`${label} ${f1(t)}% ± ${f1(se(t, n))} (top) against ${f1(b)}% ± ${f1(se(b, n))} (bottom)`), `${label}: ${numbers}`);
        // Its word: a side is higher only beyond twice the standard error of the difference.
        const diff = b - t;
        const seDiff = Math.hypot(se(t, n), se(b, n));
        const expected = diff > 2 * seDiff ? 'bottom' : diff < -2 * seDiff ? 'top' : 'neither';
        const m = words.match(new RegExp(`the ${label} (?:scores higher on the (top|bottom) side \\(by ([\\d.]+) points, more than twice the ([\\d.]+)-point standard error of the difference\\)|shows no clear difference between the sides \\(([\\d.]+) points, within twice the ([\\d.]+)-point standard error of the difference\\))`));
        assert.ok(m, `a verdict for the ${label}: ${words}`);
        assert.equal(m[1] ?? 'neither', expected, `${label} at ${d.fractions[j]}: bottom − top = ${diff}, SE of the difference ${seDiff}`);
        assert.equal(m[2] ?? m[4], f1(Math.abs(diff)));
        assert.equal(m[3] ?? m[5], f1(seDiff));
      }
    }
    // Chance: a probe is listed as not clearly above the majority class exactly when it is not.
    const chanceSentence = sentences.find((t) => /most common class/.test(t));
    assert.ok(chanceSentence.includes(`${f1(d.chance)}%`));
    for (const [label, field] of PROBES) {
      for (const side of ['top', 'bottom']) {
        const p = d[side][field][j25];
        const above = p - d.chance > 2 * se(p, n);
        const listed = chanceSentence.startsWith('Not clearly above') && chanceSentence.includes(`the ${label} on the ${side} side`);
        assert.equal(listed, !above, `${label} on the ${side} side: ${p} against chance ${d.chance}: ${chanceSentence}`);
      }
    }
    // The training: the epochs the MLPs kept, and whether any hit the cap.
    const kept = [...d.top.mlp_epochs, ...d.bottom.mlp_epochs];
    const run = [...d.top.mlp_epochs_run, ...d.bottom.mlp_epochs_run];
    kept.forEach((e, i) => assert.ok(e >= 1 && e <= run[i] && run[i] <= d.mlp_max_epochs, `epochs kept ${e}, run ${run[i]}`));
    // Early stopping: a run stops `patience` epochs after its best one, unless it reached the cap.
    run.forEach((r, i) => assert.ok(r === kept[i] + d.mlp_patience || r === d.mlp_max_epochs, `run ${r}, kept ${kept[i]}`));
    const [lo, hi] = [Math.min(...kept), Math.max(...kept)];
    assert.ok(text.includes(`(${lo === hi ? lo : `${lo}–${hi}`} epochs)`), text);
    const capped = run.filter((r) => r >= d.mlp_max_epochs).length;
    assert.equal(/may not have converged/.test(text), capped > 0, `${capped} runs at the cap`);
    assert.equal(claims.epochs.capped, capped);
    // No sentence speaks of "much" or "little" of what a classifier needs: the words above say it.
    assert.doesNotMatch(text, /carr(y|ies) (much|little)|what a classifier needs/);
    assert.doesNotMatch(text, /undefined|NaN/);
    console.log(`${s.name}: ${text}`);
  });
}
