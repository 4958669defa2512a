// Panel 4 (the paper's Figure 1): project the images on the top eigenvectors holding a share of the
// variance, or on the bottom ones, and train a probe on each projection.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { el, panelShell, runTask, runTasks, say, num, asPercent, binomialSE } from './common.js';
import { subspaceTakeaway } from '../takeaways/subspace.js';

function drawImages(row, bytes, { d, h, w }, caption) {
  row.replaceChildren(el('span', { class: 'row-label' }, caption));
  for (let i = 0; i < bytes.length / d; i++) {
    const canvas = el('canvas', { width: String(w), height: String(h), title: caption });
    const img = new ImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      const v = bytes[i * d + p];
      img.data.set([v, v, v, 255], 4 * p);
    }
    canvas.getContext('2d').putImageData(img, 0, 0);
    row.append(canvas);
  }
}

/** The numbers behind the chart, one row per fraction: each side's directions and probes ± SE. */
function drawTable(table, d) {
  const n = d.split.test;
  // No-break spaces keep "63.5 ± 1.1" on one line.
  const cell = (p) => (Number.isFinite(p) ? `${num(100 * p, 1)}\u00a0±\u00a0${num(100 * binomialSE(p, n), 1)}` : '–');
  const head = ['share asked', 'top: directions (share held)', 'top: linear', 'top: MLP',
    'bottom: directions (share held)', 'bottom: linear', 'bottom: MLP'];
  const rows = d.fractions.map((f, i) => el('tr', {}, ...[`${num(100 * f, 0)}%`,
    ...['top', 'bottom'].flatMap((s) => [`${d[s].dims[i]}\u00a0(${num(100 * d[s].variance[i], 1)}%)`,
      cell(d[s].linear_acc[i]), cell(d[s].mlp_acc?.[i])])].map((t) => el('td', {}, t))));
  table.replaceChildren(
    el('caption', {}, `Test accuracy (%) ± one binomial standard error on ${n.toLocaleString('en')} held-out images; always answering the most common class: ${num(100 * d.chance, 1)}%.`),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows));
}

export function createSubspacePanel(ctx) {
  const shell = panelShell({
    id: 'subspace',
    title: 'Top vs bottom of the variance: what a classifier gets from each',
    figure: "Paper, Figure 1: accuracy of probes trained on images projected on the top or the bottom principal subspace.",
    explain: 'Images are projected on the fewest top eigenvectors holding a given share of the pixel variance, or on the fewest bottom ones holding that share; each side holds at least that share with whole directions, and the two sides need very different numbers of them (the table gives both). A linear probe and a small MLP (64 ReLU units) are trained on each projection. The MLP sees the projected images after the dataset\'s global standardisation, scaled by one number per subspace, never per image, and trains until its accuracy on a validation split of the training images stops improving.',
  });
  const chart = new LineChart(shell.charts, {
    id: 'subspace', title: 'Test accuracy vs the share of the variance the subspace holds',
    x: { label: 'share of the pixel variance held by the subspace (%)' }, y: { label: 'test accuracy (%)', min: 0, max: 100 },
    series: [
      { label: 'top, linear probe', color: OKABE_ITO.blue, points: true, spanGaps: true },
      { label: 'top, MLP probe', color: OKABE_ITO.blue, dash: [6, 4], points: true, spanGaps: true },
      { label: 'bottom, linear probe', color: OKABE_ITO.vermillion, points: true, spanGaps: true },
      { label: 'bottom, MLP probe', color: OKABE_ITO.vermillion, dash: [6, 4], points: true, spanGaps: true },
      { label: 'most common class (chance)', color: '#777', dash: [2, 3], spanGaps: true },
      { label: 'top: number of directions', scale: 'hidden' },
      { label: 'bottom: number of directions', scale: 'hidden' },
    ],
  });
  const table = el('table', { class: 'subspace-table', id: 'subspace-table' });
  shell.charts.append(el('figure', { class: 'chart' }, el('figcaption', {}, 'Directions on each side and test accuracy at each share asked'), table));
  const pictures = el('div', { class: 'pictures', role: 'img', 'aria-label': 'Images as they are and projected on a top and a bottom subspace' });
  const rows = [0, 1, 2].map(() => el('div', { class: 'picture-row' }));
  const rescaled = el('p', { class: 'row-label' }, 'Each projected image is shown rescaled on its own, from black (its lowest value) to white (its highest), for display only; the probes never see this rescaling.');
  pictures.append(...rows, rescaled);
  shell.charts.append(pictures);
  let result = null;
  const bar = chartExports(chart, () => result?.settings, ctx.notice, {
    json: () => result && {
      panel: 'subspace', settings: result.settings, split: result.data.split, fractions: result.data.fractions,
      full_acc: result.data.full_acc, chance: result.data.chance, top: result.data.top, bottom: result.data.bottom,
      mlp_normalisation: result.data.mlp_normalisation, mlp_max_epochs: result.data.mlp_max_epochs,
      mlp_patience: result.data.mlp_patience, mlp_validation: result.data.mlp_validation,
    },
  });
  shell.exports.append(bar);

  function draw() {
    const { data: d } = result;
    // Each side is plotted at the variance its subspace actually holds (whole eigenvectors hold a
    // little more than the requested share), on one shared x axis with gaps for the other side;
    // the legend reads out each side's number of directions at the hovered point.
    const held = { top: asPercent(d.top.variance), bottom: asPercent(d.bottom.variance) };
    const xs = [...new Set([...held.top, ...held.bottom])].sort((a, b) => a - b);
    const at = (side, values) => xs.map((x) => {
      const i = held[side].indexOf(x);
      return i < 0 || values == null ? null : values[i];
    });
    const percent = (values) => values && values.map((v) => 100 * v);
    chart.setData(xs, [at('top', percent(d.top.linear_acc)), at('top', percent(d.top.mlp_acc)),
      at('bottom', percent(d.bottom.linear_acc)), at('bottom', percent(d.bottom.mlp_acc)),
      xs.map(() => 100 * d.chance), at('top', d.top.dims), at('bottom', d.bottom.dims)]);
    drawTable(table, d);
    bar.enable(true);
    const pic = d.pictures;
    // The pictures' subspaces are the table's (the same PCA of the training images).
    const label = (side, f) => {
      const i = d.fractions.indexOf(f);
      return i < 0 ? `${side} ${num(100 * f, 0)}% of the variance`
        : `${side} ${d[side].dims[i]} directions, ${num(100 * d[side].variance[i], 1)}% of the variance`;
    };
    drawImages(rows[0], pic.original, pic, 'original');
    drawImages(rows[1], pic.top, pic, label('top', pic.top_fraction));
    drawImages(rows[2], pic.bottom, pic, label('bottom', pic.bottom_fraction));
    ctx.showSplit(d.split);
    say(shell, ...subspaceTakeaway(d).sentences);
  }

  return {
    id: 'subspace',
    shell,
    deps: ['seed'],
    async run() {
      const settings = ctx.settings();
      const { seed } = ctx.state();
      ctx.compute.cancel('subspace');
      // The linear probes first; then the MLP probes, one per subspace, side by side.
      const data = await runTask(ctx, shell.progress, 'subspace', 'subspace', { seed }, { more: 'MLP probes next' });
      if (!data) return;
      const sides = ['top', 'bottom'];
      const jobs = sides.flatMap((side) => data.fractions.map((fraction) => ['mlp', { seed, fraction, side }]));
      const probes = await runTasks(ctx, shell.progress, 'subspace/mlp', jobs);
      if (!probes) return;
      sides.forEach((side, i) => {
        const mine = probes.slice(i * data.fractions.length, (i + 1) * data.fractions.length);
        data[side].mlp_acc = mine.map((p) => p.accuracy);
        data[side].mlp_epochs = mine.map((p) => p.epochs);
        data[side].mlp_epochs_run = mine.map((p) => p.epochs_run);
        data[side].mlp_val_acc = mine.map((p) => p.validation_accuracy);
      });
      result = { data, settings };
      draw();
    },
    reset() { result = null; },
  };
}
