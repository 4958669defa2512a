// Panel 2: how well the learned subspace aligns with the labels, with and without the chosen noise
// (paper: alignment vs K), and the mask sweep: impact on supervised performance against K, one curve
// per mask (the paper's figure), and against the mask ratio at the chosen K.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { describeNoise, noiseSpec } from '../state.js';
import { Cancelled } from '../compute.js';
import { panelShell, progressRow, runTasks, say, num, atK, isHeld } from './common.js';
import { release } from '../holds.js';
import { alignmentTakeaway, sweepTakeaway } from '../takeaways/alignment.js';

const PATCH_COLOURS = { 1: OKABE_ITO.blue, 2: OKABE_ITO.vermillion, 4: OKABE_ITO.green, 7: OKABE_ITO.purple };
// Mask ratio p as colour (light = small p, dark = large p; a colour-blind-safe sequential ramp),
// patch side as line style.
const P_RAMP = ['#fde725', '#b5de2b', '#6ece58', '#35b779', '#1f9e89', '#26828e', '#31688e', '#3e4989', '#482878', '#440154'];
const PATCH_DASH = { 1: undefined, 2: [6, 3], 4: [2, 3], 7: [8, 3, 2, 3] };
/** The paper plots the sweep from K = 32 to D. */
const SWEEP_FIRST_K = 32;

export function createAlignmentPanel(ctx) {
  const shell = panelShell({
    id: 'alignment',
    title: 'How well reconstruction features align with the labels, against the label-optimal subspace',
    figure: 'Paper: alignment of the learned subspace with the labels vs width K; impact of masking on supervised performance.',
    explain: 'Alignment (%) is the norm of the label signal that the top-K features of the optimal (denoising) linear autoencoder can reach, relative to what all D features reach: the square root of their share of the label energy. It is computed in closed form on the whole training set, for every K. For scale, the marks show how many of PCA\'s directions (the noise-free autoencoder) reach 90, 95 and 99%, and the point the label-optimal subspace: the C−1 directions, for C classes, whose features reach 100%.',
  });
  const curve = new LineChart(shell.charts, {
    id: 'alignment', title: 'Alignment with the labels vs width',
    x: { label: 'width K (number of features)', log: true }, y: { label: 'alignment (%)' },
    series: [{ label: 'no noise', color: OKABE_ITO.black }, { label: 'chosen noise', color: OKABE_ITO.vermillion }],
  });
  /** The lede's sentence about the data loaded (index.html), filled from the clean curve's scale. */
  const ledeScale = document.getElementById('lede-scale');
  const ledeFallback = ledeScale?.textContent;
  const sweepBox = document.createElement('div');
  sweepBox.className = 'charts';
  const sweepKChart = new LineChart(sweepBox, {
    takeaway: 'sweep-takeaway', id: 'sweep', title: 'Mask sweep: impact on supervised performance vs width K (colour: mask ratio p; line: patch)',
    x: { label: 'width K (number of features)', log: true }, y: { label: 'impact on supervised performance (%)' },
    series: [{ label: 'mask' }],
  });
  const sweepChart = new LineChart(sweepBox, {
    takeaway: 'sweep-takeaway', id: 'sweep-p', title: 'Mask sweep at one width: impact on supervised performance vs mask ratio p',
    x: { label: 'mask ratio p' }, y: { label: 'impact on supervised performance (%)' },
    series: [{ label: 'mask 1×1' }],
  });
  // { data, settings, pending, run }. The clean curve is drawn as soon as it is here; until the
  // noisy one joins it, data.noisy is null and `pending` is 'computing' ('stopped' when its run was
  // cancelled or failed), then false. `run` tells one run's partial result from another's.
  let result = null;
  let sweep = null;

  const alignmentJSON = () => result && {
    panel: 'alignment', settings: result.settings, n: result.data.n, d: result.data.d,
    curves: curves(result.data).map((c) => ({ noise: c.noise, k: result.data.k, alignment: c.alignment })),
    scale: result.data.scale,
    sweep: sweep && { k: sweep.data.k, gaussian: sweep.data.gaussian, series: sweep.data.series },
  };
  const alignmentCSV = () => result && [
    ['k', ...curves(result.data).map((c) => `alignment % (${c.noise})`)].map((h) => `"${h}"`).join(','),
    ...result.data.k.map((k, i) => [k, ...curves(result.data).map((c) => c.alignment[i])].join(',')),
  ].join('\n').concat('\n');
  // The panel's JSON/CSV are the documented alignment format; PNG/SVG come from the chart.
  const curveBar = chartExports(curve, () => result?.settings, ctx.notice, { csv: alignmentCSV, json: alignmentJSON });
  const sweepBar = chartExports(sweepChart, () => sweep?.settings, ctx.notice);
  // sweep.json: the per-K impact arrays (length D) of every (p, patch), as `recon-align sweep --json`.
  const sweepKBar = chartExports(sweepKChart, () => sweep?.settings, ctx.notice, {
    json: () => sweep && { panel: 'sweep', settings: sweep.settings, k: sweep.data.k, gaussian: sweep.data.gaussian, series: sweep.data.series },
  });
  shell.charts.append(curveBar);

  function curves(d) {
    const out = [{ noise: 'none', alignment: d.clean }];
    if (d.noise !== 'none' && d.noisy) out.push({ noise: d.noise, alignment: d.noisy });
    return out;
  }

  /** The scale's marks: PCA's widths at 90/95/99% on the clean curve, and the label-optimal point. */
  function scaleSeries(d) {
    const { scale } = d;
    const marks = d.k.map(() => null);
    scale.pca_dims.forEach((k) => { marks[k - 1] = d.clean[k - 1]; });
    const optimal = d.k.map(() => null);
    if (scale.label_optimal_dims > 0) optimal[scale.label_optimal_dims - 1] = scale.label_optimal_alignment;
    return {
      series: [
        { label: `PCA widths reaching ${scale.levels.join('/')}% (no noise)`, color: OKABE_ITO.blue, line: false },
        { label: `label-optimal subspace (C−1 = ${scale.label_optimal_dims} directions)`, color: OKABE_ITO.green, line: false },
      ],
      ys: [marks, optimal],
    };
  }

  function drawAlignment() {
    const { data: d, settings, pending } = result;
    const cs = curves(d);
    const marks = scaleSeries(d);
    curve.setSeries([
      ...cs.map((c, i) => ({ label: i === 0 ? 'no noise' : describeNoise(c.noise), color: i === 0 ? OKABE_ITO.black : OKABE_ITO.vermillion })),
      ...marks.series,
    ], d.k, [...cs.map((c) => c.alignment), ...marks.ys]);
    // The exports describe the whole figure: they wait for the noisy curve.
    curveBar.enable(!pending);
    // What is drawn, for the tests and the benchmark: the clean curve alone, or every curve.
    shell.section.dataset.drawn = pending ? 'clean' : 'all';
    shell.section.dataset.gram = d.gram ?? 'off';
    const clean = { n: d.n, d: d.d, noise: 'none', alignment: d.clean, scale: d.scale };
    const noisy = d.noise === 'none' || !d.noisy ? null : { n: d.n, d: d.d, noise: d.noise, alignment: d.noisy };
    const t = alignmentTakeaway({ clean, noisy, K: settings.k, dataset: ctx.settings().dataset ?? 'data' });
    const waiting = `The curve with ${describeNoise(d.noise)} is still being computed; it joins this plot, with what it shows, when it is ready.`;
    const stopped = `The curve with ${describeNoise(d.noise)} was not computed (Recompute runs it).`;
    const last = pending === 'stopped' ? stopped : pending ? waiting
      : noisy ? null : 'Choose a noise above to see how denoising moves this curve.';
    say(shell, ...t.sentences, ...(last ? [last] : []));
    if (ledeScale) ledeScale.textContent = t.lede;
  }

  function drawSweep() {
    if (!sweep) return;
    const s = sweep.data;
    const K = Math.min(ctx.state().k, s.k.length);
    const i = atK(s.k, K);
    const patches = [...new Set(s.series.map((r) => r.patch))].sort((a, b) => a - b);
    const ps = [...new Set(s.series.map((r) => r.p))].sort((a, b) => a - b);
    const ys = patches.map((patch) => ps.map((p) => s.series.find((r) => r.patch === patch && r.p === p)?.impact[i] ?? null));
    ys.push(ps.map(() => s.gaussian.impact[i]));
    sweepChart.retitle(`Mask sweep: impact on supervised performance at K=${s.k[i]}`);
    sweepChart.setSeries([
      ...patches.map((patch) => ({ label: `mask ${patch}×${patch}`, color: PATCH_COLOURS[patch], points: true })),
      { label: describeNoise(s.gaussian.noise), color: OKABE_ITO.black, dash: [6, 4] },
    ], ps, ys);
    sweepBar.enable(true);
    const from = Math.max(0, atK(s.k, Math.min(SWEEP_FIRST_K, s.k.length)));
    const ks = s.k.slice(from);
    sweepKChart.setSeries([
      ...s.series.map((r) => ({ label: `p=${num(r.p, 2)}, ${r.patch}×${r.patch}`, color: P_RAMP[Math.min(P_RAMP.length - 1, Math.round(r.p / 0.11))], dash: PATCH_DASH[r.patch], width: 1.5 })),
      { label: describeNoise(s.gaussian.noise), color: OKABE_ITO.black, dash: [6, 4] },
    ], ks, [...s.series.map((r) => r.impact.slice(from)), s.gaussian.impact.slice(from)]);
    sweepKBar.enable(true);
    shell.sweepNote.textContent = sweepTakeaway([s.gaussian, ...s.series], K).sentences.join(' ');
  }
  // The sweep is long (thirty closed forms): it has its own progress row and sentence.
  const sweepProgress = progressRow('sweep', 'Mask sweep');
  shell.sweepNote = document.createElement('p');
  shell.sweepNote.className = 'takeaway';
  shell.sweepNote.id = 'sweep-takeaway';
  shell.sweepNote.textContent = 'The mask sweep runs after the other panels.';
  sweepProgress.takeaway = shell.sweepNote;
  sweepBox.append(sweepKBar, sweepBar);
  shell.charts.after(sweepProgress.row, shell.sweepNote, sweepBox);
  sweepProgress.rerun.addEventListener('click', () => {
    release('sweep');
    sweep = null;
    runSweep(ctx.settings());
  });

  /** The sweep's noises, then one impact curve per noise, spread over the workers. */
  async function runSweep(settings) {
    if (isHeld(sweepProgress, 'sweep')) return;
    sweepProgress.row.dataset.state = 'queued';
    let plan;
    try {
      plan = await ctx.compute.schedule('sweep/plan', 'sweep-plan', {}, {}, -1);
    } catch (e) {
      if (!(e instanceof Cancelled)) ctx.notice(`Mask sweep: ${e.message}`, 'error');
      return;
    }
    const impacts = await runTasks(ctx, sweepProgress, 'sweep', plan.map((e) => ['impact', { noise: e.noise }]), -1);
    if (!impacts) return;
    const data = { k: impacts[0].map((_, j) => j + 1), gaussian: null, series: [] };
    plan.forEach((e, i) => {
      if (e.kind === 'gaussian') data.gaussian = { noise: e.noise, impact: impacts[i] };
      else data.series.push({ noise: e.noise, p: e.p, patch: e.patch, impact: impacts[i] });
    });
    sweep = { data, settings };
    drawSweep();
  }

  return {
    id: 'alignment',
    shell,
    deps: ['noise', 'sigma', 'p', 'patch', 'map', 'k'],
    /** Reruns what changed: the closed forms depend on the noise; K only moves the readout. */
    async run(changed) {
      const jobs = [];
      const needAlign = !result || result.pending === 'stopped' || !changed || changed.some((c) => ['noise', 'sigma', 'p', 'patch', 'map'].includes(c));
      if (needAlign) {
        const settings = ctx.settings();
        // The clean and the noisy curve are two eigensolves: two workers compute them at once.
        const noise = noiseSpec(ctx.state());
        // The clean curve is drawn as soon as it arrives; the noisy one joins it.
        const curveData = (clean, noisy) => ({
          n: clean.n, d: clean.d, noise: noisy ? noisy.noise : noise, k: clean.alignment.map((_, i) => i + 1),
          clean: clean.alignment, noisy: noisy?.alignment ?? null, scale: clean.scale, gram: clean.gram,
        });
        const run = {};
        let noisyHere = false;
        const early = (i, part) => {
          if (i === 1) noisyHere = true;
          if (i !== 0 || noisyHere || noise === 'none') return;
          result = { data: curveData(part, null), settings, pending: 'computing', run };
          drawAlignment();
        };
        jobs.push(runTasks(ctx, shell.progress, 'alignment', [['curve', { noise: 'none' }], ['curve', { noise }]], 0, early).then((parts) => {
          if (!parts) {
            // Cancelled or failed after the clean curve was drawn: say the noisy one is not coming.
            if (result?.pending && result.run === run && !ctx.compute.isBusy('alignment')) {
              result = { ...result, pending: 'stopped' };
              drawAlignment();
            }
            return;
          }
          const [clean, noisy] = parts;
          // A change of K while the noisy curve was computing moved the settings of the partial result.
          result = { data: curveData(clean, noisy), settings: result?.run === run ? result.settings : settings, pending: false, run };
          drawAlignment();
        }));
      } else {
        result = { ...result, settings: ctx.settings() };
        drawAlignment();
      }
      if (!sweep && !ctx.compute.isBusy('sweep')) {
        const settings = ctx.settings();
        jobs.push(runSweep(settings));
      } else {
        drawSweep();
      }
      await Promise.all(jobs);
    },
    reset() {
      result = null;
      sweep = null;
      if (ledeScale) ledeScale.textContent = ledeFallback;
    },
  };
}
