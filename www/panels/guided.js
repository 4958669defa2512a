// Panel 5: same reconstruction, different perception. A shared encoder trained on
// ||Y - Z B||^2 + lambda ||X - X E^T W^T||^2, one point per lambda: its reconstruction error
// against its linear probe's test accuracy, with the accuracy's binomial standard error. The
// sentences (www/takeaways/guided.js) say whether encoders that reconstruct alike differ in
// accuracy by more than that uncertainty.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { DEPENDS } from '../state.js';
import { guidedTakeaway, SAME_RECONSTRUCTION } from '../takeaways/guided.js';
import { panelShell, runTask, say, num } from './common.js';

/** A width at which the bundled MNIST and Fashion-MNIST show the effect (claims-guided.test.mjs). */
const SHOWN_AT_K = 8;

export function createGuidedPanel(ctx) {
  const tolerance = `${num(100 * SAME_RECONSTRUCTION, 0)}%`;
  const shell = panelShell({
    id: 'guided',
    title: 'Same reconstruction, different perception',
    figure: 'Paper: reconstruction error against probe accuracy for encoders guided by a small supervised term.',
    explain: `The encoder is the closed-form optimum of a supervised loss plus λ times the reconstruction loss, for λ from small (supervision only) to large (reconstruction only: PCA). Each point is one λ; the bars are ± one binomial standard error of the test accuracy. Points within ${tolerance} of PCA's reconstruction error are marked: the sentence compares their accuracies.`,
  });
  const x = { label: 'training reconstruction error with the optimal decoder ÷ trace G' };
  const y = { label: 'linear-probe test accuracy (%)' };
  const se = { label: 'binomial standard error of the accuracy (points)', scale: 'hidden' };
  const chart = new LineChart(shell.charts, {
    id: 'guided', title: 'Linear-probe test accuracy against reconstruction error, one point per λ', x, y,
    series: [
      { label: 'guided encoders, bars ± 1 binomial SE', color: OKABE_ITO.blue, points: true, whiskers: 2 },
      { label: `within ${tolerance} of PCA's reconstruction error`, color: OKABE_ITO.vermillion, line: false },
      se,
      { label: 'λ', scale: 'hidden' },
    ],
  });
  // The encoders the sentence compares, on their own scale: they crowd the first chart's left edge.
  const zoom = new LineChart(shell.charts, {
    id: 'guided-near', title: `Zoom: the encoders within ${tolerance} of PCA's reconstruction error`, x, y,
    series: [
      { label: `within ${tolerance} of PCA's reconstruction error, bars ± 1 binomial SE`, color: OKABE_ITO.vermillion, points: true, whiskers: 1 },
      se,
      { label: 'λ', scale: 'hidden' },
    ],
  });
  let result = null;
  const bar = chartExports(chart, () => result?.settings, ctx.notice, {
    json: () => result && { panel: 'guided', settings: result.settings, ...result.data },
  });
  const zoomBar = chartExports(zoom, () => result?.settings, ctx.notice);
  shell.exports.append(bar, zoomBar);

  function draw() {
    const { data: d } = result;
    const order = d.recon_error.map((_, i) => i).sort((a, b) => d.recon_error[a] - d.recon_error[b]);
    const near = (i) => d.recon_error[i] <= d.pca_recon_error * (1 + SAME_RECONSTRUCTION);
    chart.setData(order.map((i) => d.recon_error[i]), [
      order.map((i) => 100 * d.probe_acc[i]),
      order.map((i) => (near(i) ? 100 * d.probe_acc[i] : null)),
      order.map((i) => 100 * d.probe_acc_se[i]),
      order.map((i) => d.lambda[i]),
    ]);
    const close = order.filter(near);
    zoom.setData(close.map((i) => d.recon_error[i]), [
      close.map((i) => 100 * d.probe_acc[i]),
      close.map((i) => 100 * d.probe_acc_se[i]),
      close.map((i) => d.lambda[i]),
    ]);
    bar.enable(true);
    zoomBar.enable(true);
    say(shell, ...guidedTakeaway(d, { smallerK: SHOWN_AT_K }).sentences);
  }

  return {
    id: 'guided',
    shell,
    deps: DEPENDS.guided,
    async run() {
      const st = ctx.state();
      const settings = ctx.settings();
      const data = await runTask(ctx, shell.progress, 'guided', 'guided', { k: Math.min(st.guided_k, ctx.dims()), seed: st.seed });
      if (data) { result = { data, settings }; draw(); }
    },
    reset() { result = null; },
  };
}
