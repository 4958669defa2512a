// Panel 5: same reconstruction, different perception. A shared encoder trained on
// ||Y - Z B||^2 + lambda ||X - X E^T W^T||^2: as lambda varies, reconstruction error barely moves
// while probe accuracy changes a lot.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { panelShell, runTask, say, num, asPercent } from './common.js';

export function createGuidedPanel(ctx) {
  const shell = panelShell({
    id: 'guided',
    title: 'Same reconstruction, different perception',
    figure: 'Paper: reconstruction error against probe accuracy for encoders guided by a small supervised term.',
    explain: 'The encoder is the closed-form optimum of a supervised loss plus λ times the reconstruction loss, for λ from large (pure reconstruction) to small. Each point is one λ.',
  });
  const chart = new LineChart(shell.charts, {
    id: 'guided', title: 'Probe accuracy vs reconstruction error, as λ varies',
    x: { label: 'relative reconstruction error (error / trace G)' }, y: { label: 'linear probe test accuracy (%)' },
    series: [
      { label: 'guided encoders', color: OKABE_ITO.blue, points: true },
      { label: 'λ', scale: 'hidden' },
    ],
  });
  let result = null;
  const bar = chartExports(chart, () => result?.settings, ctx.notice, {
    json: () => result && { panel: 'guided', settings: result.settings, ...result.data },
  });
  shell.exports.append(bar);

  function draw() {
    const { data: d } = result;
    const acc = asPercent(d.probe_acc);
    const order = d.recon_error.map((_, i) => i).sort((a, b) => d.recon_error[a] - d.recon_error[b]);
    chart.setData(order.map((i) => d.recon_error[i]), [order.map((i) => acc[i]), order.map((i) => d.lambda[i])]);
    bar.enable(true);
    const pca = d.pca_recon_error;
    // The encoders within 1% of the best reconstruction: how far apart is their perception?
    const near = order.filter((i) => d.recon_error[i] <= pca * 1.01);
    const pool = near.length >= 2 ? near : order.slice(0, 2);
    const lo = pool.reduce((a, i) => (acc[i] < acc[a] ? i : a), pool[0]);
    const hi = pool.reduce((a, i) => (acc[i] > acc[a] ? i : a), pool[0]);
    const over = (i) => (100 * (d.recon_error[i] - pca)) / pca;
    say(shell, `With K=${d.k}, encoders whose relative reconstruction error is within ${num(Math.max(over(lo), over(hi)), 2)}% of PCA's optimum (${num(pca, 3)}) reach between ${num(acc[lo])}% (λ=${d.lambda[lo].toPrecision(2)}) and ${num(acc[hi])}% (λ=${d.lambda[hi].toPrecision(2)}) probe accuracy.`,
      'Notice how flat the reconstruction axis is compared with the accuracy axis: the reconstruction loss alone cannot tell these encoders apart.');
  }

  return {
    id: 'guided',
    shell,
    deps: ['k', 'seed'],
    async run() {
      const st = ctx.state();
      const settings = ctx.settings();
      const data = await runTask(ctx, shell.progress, 'guided', 'guided', { k: Math.min(st.k, ctx.dims()), seed: st.seed });
      if (data) { result = { data, settings }; draw(); }
    },
    reset() { result = null; },
  };
}
