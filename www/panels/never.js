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
    explain: 'For each width K, the exact largest principal angle between the top-K subspace learned with the noise and the one learned without it (PCA), against a tolerance set by double precision. If the two are the same at every width where they are defined, the noise cannot help or hurt any task.',
  });
  const verdict = el('p', { class: 'verdict', id: 'never-verdict', dataset: { verdict: 'pending' } }, '…');
  shell.takeaway.before(verdict);
  const chart = new LineChart(shell.charts, {
    id: 'never', title: 'Largest principal angle to the PCA subspace vs width',
    x: { label: 'width K (number of features)', log: true }, y: { label: 'largest principal angle to PCA\'s top-K subspace (degrees)', min: 0 },
    series: [{ label: 'largest principal angle (degrees)', color: OKABE_ITO.vermillion }, { label: 'tolerance (degrees)', color: OKABE_ITO.black, dash: [6, 4] }],
  });
  let result = null;
  const bar = chartExports(chart, () => result?.settings, ctx.notice, {
    json: () => result && { panel: 'never', settings: result.settings, ...result.data },
  });
  shell.exports.append(bar);

  function draw() {
    const { data: d, settings } = result;
    // Undetermined widths (eigenvalues K and K+1 tied) have no top-K subspace: not plotted.
    const shown = (values) => values.map((v, i) => (d.status[i] === 'undetermined' ? null : v));
    chart.setData(d.k, [shown(d.max_angle_deg), shown(d.tolerance_deg)]);
    bar.enable(true);
    const never = d.verdict === 'never beneficial';
    verdict.dataset.verdict = never ? 'never' : 'changes';
    verdict.textContent = never ? `Verdict for ${describeNoise(d.noise)}: never beneficial, at any width K, for any task.`
      : `Verdict for ${describeNoise(d.noise)}: it changes the learned subspace, so it can help or hurt a task.`;
    const count = (status) => d.status.filter((s) => s === status).length;
    const undetermined = count('undetermined');
    const determined = d.k.length - undetermined;
    const ties = undetermined === 0 ? ''
      : ` ${undetermined} width${undetermined === 1 ? ' is' : 's are'} undetermined and not plotted: there eigenvalues K and K+1 are tied (such as the constant border pixels), so no top-K subspace is defined.`;
    const at = d.k.map((_, j) => j).filter((j) => d.status[j] !== 'undetermined');
    const worst = Math.max(0, ...at.map((j) => d.max_angle_deg[j]));
    const widest = Math.max(0, ...at.map((j) => d.tolerance_deg[j]));
    const i = atK(d.k, Math.min(settings.k, d.k.length));
    const here = d.status[i] === 'undetermined'
      ? `At K=${d.k[i]} eigenvalues are tied, so the comparison is undetermined.`
      : `At K=${d.k[i]} the learned subspace is ${num(d.max_angle_deg[i], 2)}° away from PCA's (tolerance ${d.tolerance_deg[i].toExponential(1)}°).`;
    say(shell, never
      ? `Over the ${determined} determined widths the largest principal angle is at most ${worst.toExponential(2)}°, under the tolerance at every one of them (at most ${widest.toExponential(1)}°): the noise only shrinks the decoder.${ties}`
      : `${here} The subspaces differ at ${count('different')} of the ${determined} determined widths.${ties}`,
    never ? 'Notice that no label was needed to know this: Gaussian noise can be ruled out before any training.'
      : 'Notice that this test cannot say whether the turn helps: the alignment panel, which uses the labels, says which way it goes.');
  }

  return {
    id: 'never',
    shell,
    deps: ['noise', 'sigma', 'p', 'patch', 'map', 'k'],
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
