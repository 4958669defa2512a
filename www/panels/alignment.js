// Panel 2: how well the learned subspace aligns with the labels, with and without the chosen noise
// (paper: alignment vs K), and the mask sweep (impact on supervised performance vs mask ratio).
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { describeNoise, noiseSpec } from '../state.js';
import { panelShell, progressRow, runTask, say, num, atK } from './common.js';

const PATCH_COLOURS = { 1: OKABE_ITO.blue, 2: OKABE_ITO.vermillion, 4: OKABE_ITO.green, 7: OKABE_ITO.purple };

export function createAlignmentPanel(ctx) {
  const shell = panelShell({
    id: 'alignment',
    title: 'Reconstruction features align poorly with the labels',
    figure: 'Paper: alignment of the learned subspace with the labels vs width K; impact of masking on supervised performance.',
    explain: 'Alignment (%) is the share of the label energy that the top-K features of the optimal (denoising) linear autoencoder can reach. It is computed in closed form on the whole training set, for every K.',
  });
  const curve = new LineChart(shell.charts, {
    id: 'alignment', title: 'Alignment with the labels vs width',
    x: { label: 'width K (number of features)', log: true }, y: { label: 'alignment (%)' },
    series: [{ label: 'no noise', color: OKABE_ITO.black }, { label: 'chosen noise', color: OKABE_ITO.vermillion }],
  });
  const sweepBox = document.createElement('div');
  sweepBox.className = 'charts';
  const sweepChart = new LineChart(sweepBox, {
    id: 'sweep', title: 'Mask sweep: impact on supervised performance at width K',
    x: { label: 'mask ratio p' }, y: { label: 'impact on supervised performance (%)' },
    series: [{ label: 'mask 1×1' }],
  });
  let result = null; // { data, settings }
  let sweep = null;

  const alignmentJSON = () => result && {
    panel: 'alignment', settings: result.settings, n: result.data.n, d: result.data.d,
    curves: curves(result.data).map((c) => ({ noise: c.noise, k: result.data.k, alignment: c.alignment })),
    sweep: sweep && { k: sweep.data.k, gaussian: sweep.data.gaussian, series: sweep.data.series },
  };
  const alignmentCSV = () => result && [
    ['k', ...curves(result.data).map((c) => `alignment % (${c.noise})`)].map((h) => `"${h}"`).join(','),
    ...result.data.k.map((k, i) => [k, ...curves(result.data).map((c) => c.alignment[i])].join(',')),
  ].join('\n').concat('\n');
  // The panel's JSON/CSV are the documented alignment format; PNG/SVG come from the chart.
  const curveBar = chartExports(curve, () => result?.settings, ctx.notice, { csv: alignmentCSV, json: alignmentJSON });
  const sweepBar = chartExports(sweepChart, () => sweep?.settings, ctx.notice);
  shell.charts.append(curveBar);

  function curves(d) {
    const out = [{ noise: 'none', alignment: d.clean }];
    if (d.noise !== 'none') out.push({ noise: d.noise, alignment: d.noisy });
    return out;
  }

  function drawAlignment() {
    const { data: d, settings } = result;
    const cs = curves(d);
    curve.setSeries(cs.map((c, i) => ({ label: i === 0 ? 'no noise' : describeNoise(c.noise), color: i === 0 ? OKABE_ITO.black : OKABE_ITO.vermillion })),
      d.k, cs.map((c) => c.alignment));
    curveBar.enable(true);
    const K = Math.min(settings.k, d.d);
    const i = atK(d.k, K);
    const clean = d.clean[i];
    if (d.noise === 'none') {
      say(shell, `With K=${d.k[i]} features out of D=${d.d}, the optimal autoencoder keeps ${num(clean, 2)}% of the label energy (computed on all N=${d.n.toLocaleString('en')} training images).`,
        'Choose a noise above to see how denoising moves this curve.');
    } else {
      const noisy = d.noisy[i];
      const impact = (100 * (noisy - clean)) / clean;
      const best = d.k.reduce((b, k, j) => (Math.abs(d.noisy[j] - d.clean[j]) > Math.abs(d.noisy[b] - d.clean[b]) ? j : b), 0);
      say(shell, `With K=${d.k[i]} features out of D=${d.d}, the plain autoencoder keeps ${num(clean, 2)}% of the label energy and the one trained with ${describeNoise(d.noise)} keeps ${num(noisy, 2)}%, an impact of ${impact >= 0 ? '+' : ''}${num(impact, 2)}% (all N=${d.n.toLocaleString('en')} training images).`,
        `Notice that the two curves differ most at K=${d.k[best]} (${num(d.clean[best], 1)}% vs ${num(d.noisy[best], 1)}%) and meet at 100% when K=D: the noise only changes which directions come first.`);
    }
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
    sweepChart.spec.title = `Mask sweep: impact on supervised performance at K=${s.k[i]}`;
    sweepChart.wrap.querySelector('figcaption').textContent = sweepChart.spec.title;
    sweepChart.setSeries([
      ...patches.map((patch) => ({ label: `mask ${patch}×${patch}`, color: PATCH_COLOURS[patch], points: true })),
      { label: describeNoise(s.gaussian.noise), color: OKABE_ITO.black, dash: [6, 4] },
    ], ps, ys);
    sweepBar.enable(true);
    let best = { v: -Infinity };
    patches.forEach((patch, a) => ps.forEach((p, b) => { if (ys[a][b] > best.v) best = { v: ys[a][b], patch, p }; }));
    const gmax = Math.max(...s.gaussian.impact.map(Math.abs));
    shell.sweepNote.textContent = `At K=${s.k[i]}, the best mask in the sweep is p=${num(best.p, 2)} with ${best.patch}×${best.patch} patches (${best.v >= 0 ? '+' : ''}${num(best.v, 2)}%); `
      + `Gaussian noise stays at zero for every K (largest |impact| ${gmax.toExponential(1)}%), as the paper proves.`;
  }
  // The sweep is long (thirty closed forms): it has its own progress row and sentence.
  const sweepProgress = progressRow('sweep', 'Mask sweep');
  shell.sweepNote = document.createElement('p');
  shell.sweepNote.className = 'takeaway';
  shell.sweepNote.id = 'sweep-takeaway';
  shell.sweepNote.textContent = 'The mask sweep runs after the other panels.';
  sweepProgress.takeaway = shell.sweepNote;
  sweepBox.append(sweepBar);
  shell.charts.after(sweepProgress.row, shell.sweepNote, sweepBox);

  return {
    id: 'alignment',
    shell,
    deps: ['noise', 'sigma', 'p', 'patch', 'k'],
    /** Reruns what changed: the closed forms depend on the noise; K only moves the readout. */
    async run(changed) {
      const jobs = [];
      const needAlign = !result || !changed || changed.some((c) => ['noise', 'sigma', 'p', 'patch'].includes(c));
      if (needAlign) {
        const settings = ctx.settings();
        jobs.push(runTask(ctx, shell.progress, 'alignment', 'alignment', { noise: noiseSpec(ctx.state()) }).then((data) => {
          if (data) { result = { data, settings }; drawAlignment(); }
        }));
      } else {
        result = { ...result, settings: ctx.settings() };
        drawAlignment();
      }
      if (!sweep && !ctx.compute.isBusy('sweep')) {
        const settings = ctx.settings();
        jobs.push(runTask(ctx, sweepProgress, 'sweep', 'sweep', {}, {}, -1).then((data) => {
          if (data) { sweep = { data, settings }; drawSweep(); }
        }));
      } else {
        drawSweep();
      }
      await Promise.all(jobs);
    },
    reset() { result = null; sweep = null; },
  };
}
