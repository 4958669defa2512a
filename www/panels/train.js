// Panel 1: gradient descent on the linear denoising autoencoder, live. Loss against the closed-form
// optimum, probe accuracy and alignment per epoch, and the paper's spectrum-energy figure: the
// energy of the reconstructions along each data eigenvector at checkpoints, early red to late blue,
// and the learning order: the time at which each top-K direction reaches half of its energy at the
// closed-form optimum, against its rate, with the 1/s law of gradient descent and the prediction
// for the run's step sizes beside it (docs/maths.md, "The learning-order law").
import { LineChart, OKABE_ITO, earlyLate } from '../charts.js';
import { chartExports, exportBar } from '../export.js';
import { DEPENDS, describeNoise, trainSettings } from '../state.js';
import { panelShell, runTask, say, asPercent } from './common.js';
import { trainTakeaway } from '../takeaways/train.js';

/** Up to `n` checkpoint indices spread over `count` epochs, always the first and the last. */
export function checkpoints(count, n = 8) {
  if (count <= n) return [...Array(count).keys()];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (count - 1)) / (n - 1))))];
}

export function createTrainPanel(ctx) {
  const shell = panelShell({
    id: 'train',
    title: 'Training live: the order in which gradient descent learns the directions',
    figure: 'Paper: energy of the reconstructions along each data eigenvector during training (log scale), over the data spectrum.',
    explain: 'Minibatch training of the linear (denoising) autoencoder, from a small initialisation, on the settings above. It trains on the training part of a seeded split (80%); the closed-form optimum, the alignment and the probe\'s fit use the same part, and the probe is scored on the held-out 20%. The default is plain minibatch SGD with small steps, the regime of the learning-order law: each direction is learned at a time proportional to 1/s, its rate (λ, or (1−p)·λ under a mask). Momentum and large steps bend that law, and Adam rescales every weight\'s step; the panel measures the order whatever the settings, eight times per epoch in the first epochs.',
  });
  const { rerun, cancel } = shell.progress;
  rerun.textContent = 'Train';
  rerun.dataset.action = 'train';
  cancel.dataset.action = 'cancel-train';
  const lossChart = new LineChart(shell.charts, {
    id: 'train-loss', title: 'Loss and gap to the closed-form optimum',
    x: { label: 'epoch' }, y: { label: 'loss per sample (log scale)', log: true },
    series: [
      { label: 'training loss', color: OKABE_ITO.blue, points: true },
      { label: 'closed-form optimum', color: OKABE_ITO.black, dash: [6, 4] },
      { label: 'gap to optimum', color: OKABE_ITO.vermillion, points: true },
    ],
  });
  const accChart = new LineChart(shell.charts, {
    id: 'train-acc', title: 'Linear probe accuracy and alignment',
    x: { label: 'epoch' }, y: { label: 'percent' },
    series: [
      { label: 'linear probe accuracy (%)', color: OKABE_ITO.blue, points: true },
      { label: 'alignment (%)', color: OKABE_ITO.green, points: true },
    ],
  });
  const energyChart = new LineChart(shell.charts, {
    id: 'train-energy', title: 'Energy of the reconstructions along each data eigenvector', wide: true,
    x: { label: 'eigen-index (by decreasing eigenvalue)' }, y: { label: 'energy (log scale)', log: true },
    series: [{ label: 'data spectrum', color: OKABE_ITO.black }],
  });
  const orderChart = new LineChart(shell.charts, {
    id: 'train-order', title: 'Learning order: when each top-K direction first reaches half of its energy at the closed-form optimum',
    x: { label: 'rate s of the direction: λ, or (1−p)·λ under a mask (log scale)', log: true },
    y: { label: 'epoch at half the optimum energy (log scale)', log: true },
    series: [
      { label: 'measured, per direction', color: OKABE_ITO.blue, line: false },
      { label: 'law t = c/s (slope −1, c fitted)', color: OKABE_ITO.black, dash: [6, 4] },
      { label: 'SGD prediction t = c′/ln z(ε) for these steps', color: OKABE_ITO.vermillion, dash: [2, 3] },
    ],
  });
  let run = null; // { settings, epochs: [EpochReport] }
  const settings = () => run?.settings;
  const trainCSV = () => run && [
    'epoch,loss,optimum,gap,alignment_percent,probe_acc,samples_per_sec,backend',
    ...run.epochs.map((e) => [e.epoch, e.loss, e.optimum, e.gap, e.alignment, e.probe_acc, e.samples_per_sec, `"${String(e.backend).replace(/"/g, '""')}"`].join(',')),
  ].join('\n').concat('\n');
  const panelBar = exportBar('train', { json: () => run && { panel: 'train', settings: run.settings, epochs: run.epochs }, csv: trainCSV }, ctx.notice);
  const bars = [lossChart, accChart, energyChart, orderChart].map((c) => chartExports(c, settings, ctx.notice));
  shell.exports.append(panelBar, ...bars);

  function draw() {
    const eps = run.epochs;
    const xs = eps.map((e) => e.epoch);
    lossChart.setData(xs, [eps.map((e) => e.loss), eps.map((e) => e.optimum), eps.map((e) => e.gap)]);
    accChart.setData(xs, [asPercent(eps.map((e) => e.probe_acc)), eps.map((e) => e.alignment)]);
    const picks = checkpoints(eps.length);
    const last = eps[eps.length - 1];
    const idx = last.spectrum.map((_, i) => i + 1);
    energyChart.setSeries([
      { label: 'data spectrum', color: OKABE_ITO.black, width: 2.5 },
      ...picks.map((p, j) => ({ label: `epoch ${eps[p].epoch}`, color: earlyLate(picks.length === 1 ? 1 : j / (picks.length - 1)), width: 1.5 })),
    ], idx, [last.spectrum, ...picks.map((p) => eps[p].energy)]);
    const order = last.learning_order;
    // Drawn by increasing rate; the law and the prediction at every direction's rate.
    const K0 = order.rate.length;
    const at = (xs) => xs.slice(0, K0).reverse();
    const rates = at(order.rate);
    const regime = order.regime;
    orderChart.setData(rates, [
      at(order.half_optimum_epoch),
      rates.map((s) => (order.law_scale != null ? order.law_scale / s : null)),
      regime?.predicted_scale != null ? at(regime.growth_per_step).map((g) => regime.predicted_scale / g) : rates.map(() => null),
    ]);
    [panelBar, ...bars].forEach((b) => b.enable(true));
    say(shell, ...trainTakeaway(eps, run.settings, describeNoise).sentences);
  }

  return {
    id: 'train',
    shell,
    deps: DEPENDS.train,
    async run() {
      const st = ctx.state();
      const params = trainSettings(st, ctx.dims(), ctx.images());
      const mine = { settings: ctx.settings(), epochs: [] };
      const data = await runTask(ctx, shell.progress, 'train', 'train', params, {
        start: () => { say(shell, `Training: ${params.epochs} epochs of ${describeNoise(params.noise)}, K=${params.k}…`); },
        epoch: (report) => {
          // Epoch 1 again means the worker restarted the run (GPU lost, continuing on the CPU).
          if (report.epoch === 1) mine.epochs = [];
          mine.epochs.push(report);
          run = mine;
          draw();
          shell.progress.bar.max = params.epochs;
          shell.progress.bar.value = report.epoch;
          shell.progress.label.textContent = `epoch ${report.epoch}/${params.epochs}`;
        },
      });
      if (data?.epochs?.length) {
        mine.epochs = data.epochs;
        run = mine;
        draw();
      }
    },
    reset() { run = null; },
    /** Waits for the reader: the Train button starts the run (`why` says so). */
    hold(why) {
      shell.progress.row.dataset.state = 'held';
      shell.progress.label.textContent = 'press Train';
      say(shell, why);
    },
  };
}
