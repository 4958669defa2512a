// Panel 4 (the paper's Figure 1): project the images on the top eigenvectors holding a share of the
// variance, or on the bottom ones, and train a probe on each projection.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { el, panelShell, runTask, runTasks, say, num, asPercent } from './common.js';

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

export function createSubspacePanel(ctx) {
  const shell = panelShell({
    id: 'subspace',
    title: 'Top vs bottom of the variance: which one a classifier needs',
    figure: "Paper, Figure 1: accuracy of probes trained on images projected on the top or the bottom principal subspace.",
    explain: 'Images are projected on the top eigenvectors holding a given share of the pixel variance, or on the bottom ones holding that share. A linear probe and a small MLP are trained on each projection; the MLP sees each projected image normalised on its own, and its learning rate was chosen on a validation split of the training images.',
  });
  const chart = new LineChart(shell.charts, {
    id: 'subspace', title: 'Test accuracy vs the share of the variance the subspace holds',
    x: { label: 'share of the pixel variance held by the subspace (%)' }, y: { label: 'test accuracy (%)', min: 0, max: 100 },
    series: [
      { label: 'top, linear probe', color: OKABE_ITO.blue, points: true, spanGaps: true },
      { label: 'top, MLP probe', color: OKABE_ITO.blue, dash: [6, 4], points: true, spanGaps: true },
      { label: 'bottom, linear probe', color: OKABE_ITO.vermillion, points: true, spanGaps: true },
      { label: 'bottom, MLP probe', color: OKABE_ITO.vermillion, dash: [6, 4], points: true, spanGaps: true },
    ],
  });
  const pictures = el('div', { class: 'pictures', role: 'img', 'aria-label': 'Images projected on the top 75% and the bottom 25% of the variance' });
  const rows = [0, 1, 2].map(() => el('div', { class: 'picture-row' }));
  pictures.append(...rows);
  shell.charts.append(pictures);
  let result = null;
  const bar = chartExports(chart, () => result?.settings, ctx.notice, {
    json: () => result && { panel: 'subspace', settings: result.settings, split: result.data.split, fractions: result.data.fractions, full_acc: result.data.full_acc, chance: result.data.chance, top: result.data.top, bottom: result.data.bottom },
  });
  shell.exports.append(bar);

  function draw() {
    const { data: d } = result;
    // Each side is plotted at the variance its subspace actually holds (whole eigenvectors hold a
    // little more than the requested share), on one shared x axis with gaps for the other side.
    const fr = asPercent(d.fractions);
    const held = { top: asPercent(d.top.variance), bottom: asPercent(d.bottom.variance) };
    const xs = [...new Set([...held.top, ...held.bottom])].sort((a, b) => a - b);
    const at = (side, values) => xs.map((x) => {
      const i = held[side].indexOf(x);
      return i < 0 || values == null ? null : asPercent(values)[i];
    });
    chart.setData(xs, [at('top', d.top.linear_acc), at('top', d.top.mlp_acc), at('bottom', d.bottom.linear_acc), at('bottom', d.bottom.mlp_acc)]);
    const order = fr.map((_, i) => i).sort((a, b) => fr[a] - fr[b]);
    bar.enable(true);
    const pic = d.pictures;
    drawImages(rows[0], pic.original, pic, 'original');
    drawImages(rows[1], pic.top, pic, 'top 75% of variance');
    drawImages(rows[2], pic.bottom, pic, 'bottom 25% of variance');
    ctx.showSplit(d.split);
    // Read out near 25% of the variance, the paper's comparison point.
    const j = order.reduce((b, i) => (Math.abs(fr[i] - 25) < Math.abs(fr[b] - 25) ? i : b), order[0]);
    const a = (xs) => asPercent(xs)[j];
    say(shell, `The top directions holding ${num(held.top[j], 1)}% of the variance give ${num(a(d.top.linear_acc))}% (linear) and ${num(a(d.top.mlp_acc))}% (MLP); the bottom ones holding ${num(held.bottom[j], 1)}% give ${num(a(d.bottom.linear_acc))}% and ${num(a(d.bottom.mlp_acc))}%. Always answering the most common class would score ${num(100 * d.chance, 1)}%.`,
      `Notice that the bottom directions, which reconstruction learns last, still carry much of what a classifier needs (probes trained on ${d.split.train.toLocaleString('en')} images, tested on ${d.split.test.toLocaleString('en')} held out, seed ${d.split.seed}).`);
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
      const acc = await runTasks(ctx, shell.progress, 'subspace/mlp', jobs);
      if (!acc) return;
      sides.forEach((side, i) => { data[side].mlp_acc = acc.slice(i * data.fractions.length, (i + 1) * data.fractions.length); });
      result = { data, settings };
      draw();
    },
    reset() { result = null; },
  };
}
