// The page against the real worker (wasm, WebGPU or CPU fallback): a link's numbers equal the
// command-line tool's, a copied link replays them, and embed mode shows one panel at any width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launch, openPage, exportFile, syntheticIdx, ARTIFACTS, REPO_ROOT } from './browser.mjs';
import { cliAlignment } from './page-cli.mjs';
import { subspaceTakeaway } from '../../www/takeaways/subspace.js';
import { guidedTakeaway } from '../../www/takeaways/guided.js';
import { scaleTakeaway } from '../../www/takeaways/alignment.js';

const LINK = 'k=48&noise=mask&p=0.3&patch=2&seed=5&epochs=2&panel=alignment';
const TOLERANCE = 1e-6; // percent

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  actual.forEach((a, i) => { worst = Math.max(worst, Math.abs(a - expected[i])); });
  assert.ok(worst <= TOLERANCE, `${what}: largest difference ${worst} > ${TOLERANCE}`);
}

/** |a - b| within `rel` of |b|, for closed forms the page and the command line both compute. */
const close = (a, b, rel, what) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300), `${what}: page ${a}, CLI ${b}`);

/**
 * The clean curve's scale on the page equals the CLI's: the same widths, the closed forms to 1e-9
 * relative; and the page says it: the panel's scale sentence and the lede are the takeaway's.
 */
async function assertScale(page, scale, cli, what) {
  assert.deepEqual(scale.levels, cli.levels, `${what}: levels`);
  assert.deepEqual(scale.pca_dims, cli.pca_dims, `${what}: PCA widths`);
  assert.equal(scale.label_optimal_dims, cli.label_optimal_dims, `${what}: label-optimal dimension`);
  scale.pca_variance.forEach((v, i) => close(v, cli.pca_variance[i], 1e-9, `${what}: variance share at ${cli.levels[i]}%`));
  close(scale.label_optimal_alignment, cli.label_optimal_alignment, 1e-9, `${what}: label-optimal alignment`);
  close(scale.label_optimal_variance, cli.label_optimal_variance, 1e-9, `${what}: label-optimal variance share`);
  const t = scaleTakeaway(cli);
  assert.ok((await page.textContent('#alignment-takeaway')).includes(t.sentences[0]), `${what}: the panel states the scale`);
  if (await page.isVisible('#lede-scale')) assert.equal(await page.textContent('#lede-scale'), t.lede, `${what}: the lede states it`);
}

async function alignmentJSON(page) {
  await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
  return JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
}

for (const webgpu of [true, false]) {
  const mode = webgpu ? 'webgpu' : 'cpu-fallback';

  test(`a link with non-default settings reproduces the command-line alignment (${mode})`, async () => {
    const browser = await launch({ webgpu });
    try {
      const { page, problems } = await openPage(browser, LINK);
      const json = await alignmentJSON(page);
      assert.equal(json.panel, 'alignment');
      assert.equal(json.settings.k, 48);
      assert.equal(json.settings.seed, 5);
      assert.deepEqual(json.curves.map((c) => c.noise), ['none', 'mask:0.3:2']);
      for (const curve of json.curves) {
        const cli = cliAlignment('mnist', curve.noise);
        assert.equal(json.n, cli.n);
        assert.equal(json.d, cli.d);
        assert.deepEqual(curve.k, cli.alignment.map((_, i) => i + 1));
        assertClose(curve.alignment, cli.alignment, `alignment under ${curve.noise}`);
      }
      await assertScale(page, json.scale, cliAlignment('mnist', 'none').scale, `scale (${mode})`);
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}

test('a copied link opens the same settings and the same numbers (webgpu)', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { page, problems } = await openPage(browser, LINK);
    await page.fill('#ctl-p', '0.7');
    await page.press('#ctl-p', 'Tab');
    await page.waitForFunction(() => location.hash.includes('p=0.7'));
    // The rerun has finished when the sentence names the new noise.
    await page.waitForFunction(() => document.querySelector('#alignment-takeaway').textContent.includes('mask p=0.7'), null, { timeout: 300_000 });
    const first = await alignmentJSON(page);
    assert.equal(first.curves[1].noise, 'mask:0.7:2');
    await page.click('#copy-link');
    const link = await page.inputValue('#share-link');
    const { page: again, problems: p2 } = await openPage(browser, link.split('#')[1]);
    assert.equal(await again.inputValue('#ctl-p'), '0.7');
    assert.equal(await again.inputValue('#ctl-k'), '48');
    assert.equal(await again.inputValue('#ctl-seed'), '5');
    const second = await alignmentJSON(again);
    assert.deepEqual(second.curves, first.curves);
    assert.deepEqual({ ...second.settings }, { ...first.settings });
    assert.deepEqual([...problems, ...p2], []);
  } finally {
    await browser.close();
  }
});

for (const width of [400, 1200]) {
  test(`embed mode shows one panel, fluid at ${width}px`, async () => {
    const browser = await launch({ webgpu: width === 1200 });
    try {
      const { page, problems } = await openPage(browser, 'embed=1&panel=alignment', { width, height: 900 });
      await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
      assert.equal(await page.isVisible('#panel-alignment'), true);
      for (const hidden of ['header', 'footer', '#settings', '#panel-data']) assert.equal(await page.isVisible(hidden), false, hidden);
      assert.equal(await page.locator('section.panel[data-panel]').count(), 1, 'only the embedded panel is built');
      assert.equal(await page.isVisible('#backend'), true, 'the backend line stays visible');
      const link = page.locator('#full-demo');
      assert.equal(await link.isVisible(), true);
      assert.doesNotMatch(await link.getAttribute('href'), /embed=1/);
      const { scroll, client, chart } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
        chart: document.querySelector('[data-chart="alignment"] canvas').getBoundingClientRect().width,
      }));
      assert.ok(scroll <= client, `no horizontal scrolling (${scroll} > ${client})`);
      assert.ok(chart > width * 0.6 && chart <= width, `the chart fills the width (${chart}px of ${width}px)`);
      await page.screenshot({ path: join(ARTIFACTS, `embed-alignment-${width}.png`), fullPage: true });
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}

test('a hostile link on the real page gives the defaults and runs no script (cpu-fallback)', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'k=<script>alert(1)</script>&p=NaN&zzz=1');
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
    assert.match(await page.textContent('#notices'), /Ignored k=/);
    assert.equal(await page.inputValue('#ctl-k'), '32');
    // Only the page's own module scripts (www/boot.js and www/app.js).
    assert.deepEqual(await page.locator('script').evaluateAll((els) => els.map((e) => e.getAttribute('src'))), ['www/boot.js', 'www/app.js']);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('bring your own IDX files: every panel reruns; a broken file shows a clear error (cpu-fallback)', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'panel=alignment&epochs=1');
    await page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
    await page.click('#byod summary');
    await page.setInputFiles('#idx-images', { name: 'broken-images.idx', mimeType: 'application/octet-stream', buffer: Buffer.from('not an IDX file') });
    await page.setInputFiles('#idx-labels', { name: 'broken-labels.idx', mimeType: 'application/octet-stream', buffer: Buffer.from('nor this') });
    await page.click('#load-files');
    await page.waitForSelector('#byod-status[data-level="error"]', { timeout: 60_000 });
    assert.match(await page.textContent('#byod-status'), /Could not load/);
    assert.match(await page.textContent('#dataset-summary'), /N=10,000/, 'the bundled digits stay loaded');

    const { images, labels } = syntheticIdx(300);
    await page.setInputFiles('#idx-images', { name: 'mine-images.idx', mimeType: 'application/octet-stream', buffer: images });
    await page.setInputFiles('#idx-labels', { name: 'mine-labels.idx', mimeType: 'application/octet-stream', buffer: labels });
    await page.click('#load-files');
    await page.waitForFunction(() => /N=300\b/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 60_000 });
    await page.waitForSelector('#byod-status[data-level="ok"]');
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    const json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    assert.equal(json.n, 300);
    assert.equal(json.settings.n, 300);
    // Broken files produce an error message from the worker, which the page reports: expected.
    assert.deepEqual(problems.filter((p) => !/IDX|idx|magic/i.test(p)), []);
  } finally {
    await browser.close();
  }
});

const neverRuns = new Map();
/** `recon-align never-beneficial --json` for one noise on the bundled digits: its one report. */
function cliNever(noise) {
  const key = noise;
  if (!neverRuns.has(key)) {
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'never-beneficial', '--data', 'mnist', '--noise', noise, '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 26 });
    neverRuns.set(key, JSON.parse(out).reports[0]);
  }
  return neverRuns.get(key);
}

for (const webgpu of [true, false]) {
  const mode = webgpu ? 'webgpu' : 'cpu-fallback';
  test(`the never-beneficial panel's JSON equals the command line's, with no undefined or NaN (${mode})`, async () => {
    const browser = await launch({ webgpu });
    try {
      const noise = webgpu ? 'mask:0.5:1' : 'gaussian:0.5';
      const hash = webgpu ? 'embed=1&panel=never&noise=mask&p=0.5&patch=1' : 'embed=1&panel=never&noise=gaussian&sigma=0.5';
      const { page, problems } = await openPage(browser, hash);
      await page.waitForSelector('#never-progress[data-state="done"]', { timeout: 300_000 });
      const json = JSON.parse((await exportFile(page, 'never.json')).bytes.toString('utf8'));
      const cli = cliNever(noise);
      assert.equal(json.panel, 'never');
      for (const key of ['noise', 'k', 'status', 'verdict', 'never_beneficial', 'tolerance']) {
        assert.deepEqual(json[key], cli[key], key);
      }
      // The feature angle (the status's) and the pixel-space angle. Where the features differ,
      // both are well-conditioned closed forms: 1e-9 relative. Where they are the same, the
      // exact angles are 0 and each side holds rounding (about 1e-12 degrees at K <= 32, up to
      // 1e-9 at K = 500, more where small eigengaps widen the tolerance; a different summation
      // order in wasm rounds differently): both under the tolerance (the statuses agree), and
      // within 1e-7 degrees of each other wherever the tolerance is the base one, 5.7e-5
      // degrees. Where the eigenvalues are tied, no angle is defined.
      const base = (Math.asin(cli.tolerance) * 180) / Math.PI;
      json.k.forEach((k, i) => {
        if (cli.status[i] === 'different') {
          close(json.max_feature_angle_deg[i], cli.max_feature_angle_deg[i], 1e-9, `largest feature angle at K=${k}`);
          close(json.max_angle_deg[i], cli.max_angle_deg[i], 1e-9, `largest pixel angle at K=${k}`);
          close(json.tolerance_deg[i], cli.tolerance_deg[i], 1e-6, `tolerance at K=${k}`);
        }
        if (cli.status[i] === 'same') {
          assert.ok(json.max_feature_angle_deg[i] <= json.tolerance_deg[i], `K=${k}: page ${json.max_feature_angle_deg[i]} deg within ${json.tolerance_deg[i]} deg`);
          if (cli.tolerance_deg[i] <= base * (1 + 1e-12)) {
            for (const key of ['max_feature_angle_deg', 'max_angle_deg']) {
              assert.ok(Math.abs(json[key][i] - cli[key][i]) <= 1e-7, `${key} at K=${k}: page ${json[key][i]}, CLI ${cli[key][i]}`);
            }
          }
        }
        assert.ok(Math.abs(json.pca_relative_gap[i] - cli.pca_relative_gap[i]) <= 1e-12 + 1e-9 * Math.abs(cli.pca_relative_gap[i]), `PCA gap at K=${k}`);
      });
      assert.equal(json.verdict, webgpu ? 'changes the subspace' : 'never beneficial');
      const text = await page.textContent('#panel-never');
      assert.doesNotMatch(text, /undefined|NaN/);
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}

test("the sweep's JSON holds every (p, patch) impact per K, equal to the command line's (cpu-fallback)", { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'embed=1&panel=alignment');
    await page.waitForSelector('#sweep-progress[data-state="done"]', { timeout: 900_000 });
    const json = JSON.parse((await exportFile(page, 'sweep.json')).bytes.toString('utf8'));
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'sweep', '--data', 'mnist', '--gaussian', json.gaussian.noise.split(':')[1], '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 28 });
    const cli = new Map(JSON.parse(out).rows.map((r) => [r.noise, r.impact]));
    assert.equal(json.panel, 'sweep');
    assert.equal(json.series.length, 30, 'ten mask ratios times three patch sides');
    for (const row of [json.gaussian, ...json.series]) {
      const want = cli.get(row.noise);
      assert.ok(want, `the command line swept ${row.noise} too`);
      assert.equal(row.impact.length, json.k.length);
      row.impact.forEach((v, i) => {
        assert.ok(Math.abs(v - want[i]) <= 1e-9 * Math.max(Math.abs(want[i]), 1), `${row.noise} K=${i + 1}: page ${v}, CLI ${want[i]}`);
      });
    }
    assert.doesNotMatch(await page.textContent('#panel-alignment'), /undefined|NaN/);
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
  }
});

/** The command line's JSON for `args` (a subcommand and its options) on the bundled digits. */
function cliJSON(args) {
  const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args, '--data', 'mnist', '--json'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 28 });
  return out.trim().split('\n').map((line) => JSON.parse(line));
}


test("the guided panel's JSON equals the command line's (cpu-fallback)", { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'embed=1&panel=guided&guided_k=24&seed=3');
    await page.waitForSelector('#guided-progress[data-state="done"]', { timeout: 900_000 });
    const json = JSON.parse((await exportFile(page, 'guided.json')).bytes.toString('utf8'));
    // The CLI's default lambdas are the page's grid (GUIDED_GRID times the balanced lambda, whose
    // sums may round differently in the wasm).
    const [cli] = cliJSON(['guided', '--k', '24', '--seed', '3']);
    assert.equal(json.lambda.length, 22);
    assert.equal(cli.lambda.length, json.lambda.length);
    json.lambda.forEach((l, i) => close(l, cli.lambda[i], 1e-12, `lambda ${i}`));
    assert.equal(json.k, cli.k);
    assert.deepEqual(json.split, cli.split);
    close(json.balanced_lambda, cli.balanced_lambda, 1e-9, 'balanced lambda');
    close(json.pca_recon_error, cli.pca_recon_error, 1e-9, 'PCA reconstruction error');
    // Accuracies are counts over the same test images: equal exactly, and so are their SEs.
    assert.equal(json.pca_acc, cli.pca_acc, 'PCA probe accuracy');
    assert.equal(json.pca_acc_se, cli.pca_acc_se, 'PCA probe accuracy SE');
    json.lambda.forEach((l, i) => {
      close(json.recon_error[i], cli.recon_error[i], 1e-9, `relative reconstruction error at lambda ${l}`);
      assert.equal(json.probe_acc[i], cli.probe_acc[i], `probe accuracy at lambda ${l}`);
      assert.equal(json.probe_acc_se[i], cli.probe_acc_se[i], `probe accuracy SE at lambda ${l}`);
      // The SE is the binomial one of that accuracy on split.test images, recomputed here.
      const n = json.split.test;
      const correct = Math.round(json.probe_acc[i] * n);
      close(json.probe_acc_se[i], Math.sqrt((correct * (n - correct)) / n ** 3), 1e-12, `binomial SE at lambda ${l}`);
    });
    // The page's sentences are the takeaway's on these numbers (tests/e2e/claims-guided.test.mjs
    // checks their words).
    const { sentences } = guidedTakeaway(json, { smallerK: 8 });
    assert.equal(await page.textContent('#guided-takeaway'), sentences.join(' '));
    assert.doesNotMatch(await page.textContent('#panel-guided'), /undefined|NaN/);
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
  }
});

test("the training panel's JSON equals `recon-align train --backend cpu` (cpu-fallback)", { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'embed=1&panel=train&epochs=2&k=16&seed=4');
    await page.waitForSelector('#train-progress[data-state="done"]', { timeout: 900_000 });
    const json = JSON.parse((await exportFile(page, 'train.json')).bytes.toString('utf8'));
    const cli = cliJSON(['train', '--backend', 'cpu', '--epochs', '2', '--k', '16', '--seed', '4']);
    assert.equal(json.epochs.length, cli.length);
    json.epochs.forEach((e, i) => {
      const c = cli[i];
      assert.equal(e.backend, 'cpu');
      close(e.optimum, c.optimum, 1e-9, `epoch ${e.epoch} optimum (closed form)`);
      // The same f32 steps on both sides, in a different summation order (wasm simd128 against
      // the native kernels): the stated CPU tolerance, 1e-3 relative.
      close(e.loss, c.loss, 1e-3, `epoch ${e.epoch} loss`);
      close(e.alignment, c.alignment, 1e-3, `epoch ${e.epoch} alignment`);
      assert.ok(Math.abs(e.probe_acc - c.probe_acc) <= 0.005, `epoch ${e.epoch} probe accuracy: page ${e.probe_acc}, CLI ${c.probe_acc}`);
      // The learning order, from the same energies: times to 1e-2 of an epoch, the closed
      // forms (rates, optimum energies, the regime's steps) to 1e-9 relative.
      const [po, co] = [e.learning_order, c.learning_order];
      assert.equal(po.rate_name, co.rate_name);
      assert.deepEqual(po.status, co.status, `epoch ${e.epoch}: which directions are learned`);
      po.rate.forEach((s, j) => close(s, co.rate[j], 1e-9, `rate of direction ${j + 1}`));
      po.optimum_energy.forEach((s, j) => close(s, co.optimum_energy[j], 1e-9, `optimum energy of direction ${j + 1}`));
      po.regime.epsilon.forEach((s, j) => close(s, co.regime.epsilon[j], 1e-9, `step ε of direction ${j + 1}`));
      assert.equal(po.fitted, co.fitted);
      po.half_optimum_epoch.forEach((t, j) => {
        const u = co.half_optimum_epoch[j];
        assert.ok((t == null && u == null) || Math.abs(t - u) <= 1e-2, `epoch ${e.epoch} direction ${j + 1}: page ${t}, CLI ${u}`);
      });
    });
    // The sentence says what the numbers allow: a slope only where one was fitted.
    const last = json.epochs[json.epochs.length - 1].learning_order;
    const text = await page.textContent('#train-takeaway');
    assert.match(text, last.slope == null ? /too few to fit a law/ : /log–log slope of/);
    assert.doesNotMatch(await page.textContent('#panel-train'), /undefined|NaN/);
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
  }
});

test("the subspace panel's JSON equals the command line's (cpu-fallback)", { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'embed=1&panel=subspace&seed=1');
    await page.waitForSelector('#subspace-progress[data-state="done"]', { timeout: 900_000 });
    const json = JSON.parse((await exportFile(page, 'subspace.json')).bytes.toString('utf8'));
    assert.equal(json.panel, 'subspace');
    assert.equal(json.split.seed, 1);
    assert.equal(json.fractions.length, 7);
    // The command line without --fraction gives the page's subspace.json, field for field.
    const [cli] = cliJSON(['subspace', '--seed', '1', '--mlp', '--backend', 'cpu']);
    assert.equal(cli.mlp_backend, 'cpu');
    assert.deepEqual(json.fractions, cli.fractions);
    // Counts and ratios of counts (images of the split, dimensions, correct answers of the
    // closed-form linear probes out of the held-out images): exactly equal.
    assert.deepEqual(json.split, cli.split, 'split');
    assert.equal(json.full_acc, cli.full_acc, 'all-pixel linear probe');
    assert.equal(json.chance, cli.chance, 'majority class');
    for (const key of ['mlp_normalisation', 'mlp_max_epochs', 'mlp_patience', 'mlp_validation']) {
      assert.equal(json[key], cli[key], key);
    }
    // The MLP probes: the same f32 steps from the same seed on both sides (the page's CPU twin
    // here), but the wasm build rounds differently from the native one (matrix products summed
    // with other SIMD widths, without FMA), and training carries that on. Where both keep the
    // same epoch (measured, seed 1: 12 of the 14 probes, 10 of them with equal accuracies):
    // within 0.5 points (10 of the 2,000 held-out images). Early stopping runs 8 to 23 epochs,
    // long enough for the two builds' trajectories to drift apart on the widest subspaces, and
    // then to keep different epochs (measured: the bottom 10% and 25%, epochs 6 and 9 on the page
    // against 8 and 13, 0.9 and 0.25 points apart; at 25% the page's epoch 9 scored 77.0% on the
    // validation images, the CLI's best 75.6%). There: within 1.5 points, about 1.5 binomial
    // standard errors. Most probes must keep the same epoch on both builds.
    const MLP_TOLERANCE = 0.005;
    const DRIFT_TOLERANCE = 0.015;
    let sameEpoch = 0;
    json.fractions.forEach((f, i) => {
      for (const side of ['top', 'bottom']) {
        const at = `${side} ${f}`;
        assert.equal(json[side].dims[i], cli[side].dims[i], `${at}: dimensions`);
        close(json[side].variance[i], cli[side].variance[i], 1e-9, `${at}: variance held`);
        assert.equal(json[side].linear_acc[i], cli[side].linear_acc[i], `${at}: linear probe`);
        for (const key of ['mlp_epochs', 'mlp_epochs_run']) {
          assert.ok(Number.isInteger(json[side][key][i]) && json[side][key][i] >= 1, `${at}: page ${key}`);
        }
        const [p, c] = [json[side].mlp_acc[i], cli[side].mlp_acc[i]];
        const [pe, ce] = [json[side].mlp_epochs[i], cli[side].mlp_epochs[i]];
        const what = `${at}: MLP probe, page ${p} (epoch ${pe}), CLI ${c} (epoch ${ce})`;
        sameEpoch += pe === ce ? 1 : 0;
        assert.ok(Math.abs(p - c) <= (pe === ce ? MLP_TOLERANCE : DRIFT_TOLERANCE), what);
      }
    });
    assert.ok(sameEpoch >= 10, `only ${sameEpoch} of 14 probes keep the same epoch on the page and the CLI`);
    // The page says what the claims suite checks: the takeaway of its own numbers.
    assert.equal(await page.textContent('#subspace-takeaway'), subspaceTakeaway(json).sentences.join(' '));
    assert.doesNotMatch(await page.textContent('#panel-subspace'), /undefined|NaN/);
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
  }
});

test('data=fashion runs the panels on Fashion-MNIST, equal to `--data fashion` (cpu-fallback)', { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'data=fashion&embed=1&panel=alignment&noise=mask&p=0.5&patch=1');
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    assert.match(await page.textContent('#dataset-summary'), /Fashion-MNIST/);
    const json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    assert.equal(json.settings.data, 'fashion');
    for (const curve of json.curves) {
      const cli = cliAlignment('fashion', curve.noise);
      assertClose(curve.alignment, cli.alignment, `Fashion-MNIST alignment under ${curve.noise}`);
      if (curve.noise === 'none') await assertScale(page, json.scale, cli.scale, 'Fashion-MNIST scale');
    }
    // The dataset dependence the paper describes: the 1x1 mask does not raise alignment(32) here.
    assert.ok(json.curves[1].alignment[31] <= json.curves[0].alignment[31]);
    assert.match(await page.textContent('#alignment-takeaway'), /Fashion-MNIST/);
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
  }
});
