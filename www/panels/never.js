// Panel 3: "Is this noise ever useful?" The label-free test: a noise cannot help any task at width K
// if its top-K generalized eigenspace equals PCA's; the largest principal angle measures the gap.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { describeNoise, noiseSpec } from '../state.js';
import { el, panelShell, runTask, say, num, atK } from './common.js';

export function createNeverPanel(ctx) {
  const shell = panelShell({
    id: 'never',
    title: 'Is this noise ever useful? A test without labels',
    figure: 'Paper: additive isotropic Gaussian noise provably never changes the learned subspace; masking does.',
    explain: 'For each width K, the largest principal angle between the top-K subspace learned with the noise and the one learned without it (PCA). If it is zero for every K, the noise cannot help or hurt any task.',
  });
  const verdict = el('p', { class: 'verdict', id: 'never-verdict', dataset: { verdict: 'pending' } }, '…');
  shell.takeaway.before(verdict);
  const chart = new LineChart(shell.charts, {
    id: 'never', title: 'Largest principal angle to the PCA subspace vs width',
    x: { label: 'width K (number of features)', log: true }, y: { label: 'max principal angle (degrees)', min: 0 },
    series: [{ label: 'max principal angle', color: OKABE_ITO.vermillion }, { label: 'tolerance', color: OKABE_ITO.black, dash: [6, 4] }],
  });
  let result = null;
  const bar = chartExports(chart, () => result?.settings, ctx.notice, {
    json: () => result && { panel: 'never', settings: result.settings, ...result.data },
  });
  shell.exports.append(bar);

  function draw() {
    const { data: d, settings } = result;
    chart.setData(d.k, [d.max_angle_deg, d.k.map(() => d.tolerance_deg)]);
    bar.enable(true);
    const never = d.verdict === 'never beneficial';
    verdict.dataset.verdict = never ? 'never' : 'changes';
    verdict.textContent = never ? `Verdict for ${describeNoise(d.noise)}: never beneficial, at any width K, for any task.`
      : `Verdict for ${describeNoise(d.noise)}: it changes the learned subspace, so it can help or hurt a task.`;
    const unequal = d.equal.filter((e) => !e).length;
    const worst = Math.max(...d.max_angle_deg);
    const i = atK(d.k, Math.min(settings.k, d.k.length));
    say(shell, never
      ? `The largest principal angle over all ${d.k.length} widths is ${worst.toExponential(2)}°, within the tolerance of ${d.tolerance_deg}°: the noise only shrinks the decoder.`
      : `At K=${d.k[i]} the learned subspace turns ${num(d.max_angle_deg[i], 2)}° away from PCA's, and it differs (beyond ${d.tolerance_deg}°) at ${unequal} of ${d.k.length} widths.`,
    never ? 'Notice that no label was needed to know this: Gaussian noise can be ruled out before any training.'
      : 'Notice that this test cannot say whether the turn helps: the alignment panel, which uses the labels, says which way it goes.');
  }

  return {
    id: 'never',
    shell,
    deps: ['noise', 'sigma', 'p', 'patch', 'k'],
    async run(changed) {
      if (result && changed && !changed.some((c) => c !== 'k')) {
        result = { ...result, settings: ctx.settings() };
        draw();
        return;
      }
      const settings = ctx.settings();
      const data = await runTask(ctx, shell.progress, 'never', 'never', { noise: noiseSpec(ctx.state()) });
      if (data) { result = { data, settings }; draw(); }
    },
    reset() { result = null; },
  };
}
