// Panel 3: "Is this noise ever useful?" The label-free test: a noise cannot help any task at width K
// if its top-K features equal PCA's; the largest principal angle between the two feature subspaces
// measures the gap. Its sentences come from www/takeaways/never.js.
import { LineChart, OKABE_ITO } from '../charts.js';
import { chartExports } from '../export.js';
import { noiseSpec } from '../state.js';
import { neverTakeaway } from '../takeaways/never.js';
import { el, panelShell, runTask, say } from './common.js';

export function createNeverPanel(ctx) {
  const shell = panelShell({
    id: 'never',
    title: 'Is this noise ever useful? A test without labels',
    figure: 'Paper: additive isotropic Gaussian noise provably never changes the learned subspace; masking does.',
    explain: 'For each width K, the exact largest principal angle between the K features learned with the noise and the K features of PCA (the subspaces X·S_K and X·U_K of the image space, which is what any probe on the code sees), against a tolerance set by double precision. If the two are the same at every width where they are defined, the noise cannot help or hurt any task. The dotted line is the angle between the pixel-space filters S_K and U_K themselves: it weighs every pixel direction alike, low-variance and constant pixels included, so it is never smaller and can be large where the features barely move.',
  });
  const verdict = el('p', { class: 'verdict', id: 'never-verdict', dataset: { verdict: 'pending' } }, '…');
  shell.takeaway.before(verdict);
  const chart = new LineChart(shell.charts, {
    id: 'never', title: 'Largest principal angle to PCA vs width K: between the features, and between the pixel-space filters',
    x: { label: 'width K (number of features)', log: true }, y: { label: 'largest principal angle to PCA\'s top-K subspace (degrees)', min: 0 },
    series: [
      { label: 'features X·S_K vs X·U_K (degrees)', color: OKABE_ITO.vermillion },
      { label: 'pixel-space filters S_K vs U_K (degrees)', color: OKABE_ITO.blue, dash: [2, 3] },
      { label: 'tolerance on the feature angle (degrees)', color: OKABE_ITO.black, dash: [6, 4] },
    ],
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
    chart.setData(d.k, [shown(d.max_feature_angle_deg), shown(d.max_angle_deg), shown(d.tolerance_deg)]);
    bar.enable(true);
    const t = neverTakeaway(d, { k: settings.k });
    verdict.dataset.verdict = t.claims.never ? 'never' : 'changes';
    verdict.textContent = t.verdict;
    say(shell, ...t.sentences);
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
