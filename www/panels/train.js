// Panel 1: gradient descent on the linear denoising autoencoder, live. Loss against the closed-form
// optimum, probe accuracy and alignment per epoch, and the paper's spectrum-energy figure: the
// energy of the reconstructions along each data eigenvector at checkpoints, early red to late blue,
// and the learning order: the epoch at which each top-K direction reaches half its latest energy,
// against its eigenvalue, with the 1/λ law of gradient descent beside it (docs/maths.md).
import { LineChart, OKABE_ITO, earlyLate } from '../charts.js';
import { chartExports, exportBar } from '../export.js';
import { DEPENDS, describeNoise, trainSettings } from '../state.js';
import { panelShell, runTask, say, num, asPercent } from './common.js';

/** Up to `n` checkpoint indices spread over `count` epochs, always the first and the last. */
export function checkpoints(count, n = 8) {
  if (count <= n) return [...Array(count).keys()];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (count - 1)) / (n - 1))))];
}

/** The learning-order takeaway: the fitted slope against the law's −1, and a note for Adam. */
function orderSentence(order, optimiser) {
  const timed = order.half_energy_epoch.filter((t) => t != null).length;
  const law = order.slope == null
    ? `Too few of the top ${order.half_energy_epoch.length} directions have grown from their initial energy yet to fit the learning-order law.`
    : `Learning order: ${timed} of the top ${order.half_energy_epoch.length} directions have reached half their energy; the epoch at which they do falls with the eigenvalue with a log–log slope of ${num(order.slope, 2)}, where the gradient-descent law t = c/λ says −1.`;
  return optimiser === 'adam'
    ? `${law} Adam rescales each weight's step by its own gradient history, so the 1/λ law need not hold; choose SGD to see it.`
    : law;
}

export function createTrainPanel(ctx) {
  const shell = panelShell({
    id: 'train',
    title: 'Training live: the perception directions are learned last',
    figure: 'Paper: energy of the reconstructions along each data eigenvector during training (log scale), over the data spectrum.',
    explain: 'Minibatch gradient descent on the linear (denoising) autoencoder, from a small initialisation, on the settings above. It trains on the training part of a seeded split (80%); the closed-form optimum, the alignment and the probe\'s fit use the same part, and the probe is scored on the held-out 20%. Plain gradient descent (SGD) is the default because the learning-order law, each direction learned at a time proportional to 1/λ, is a gradient-descent result; Adam rescales every weight\'s step and need not follow it.',
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
    id: 'train-order', title: 'Learning order: the epoch at which each top-K eigendirection first reaches half its energy at the last epoch',
    x: { label: 'eigenvalue λ of the data eigendirection (log scale)', log: true },
    y: { label: 'epoch at half energy (log scale)', log: true },
    series: [
      { label: 'measured, per direction', color: OKABE_ITO.blue, line: false },
      { label: 'law t = c/λ (c fitted)', color: OKABE_ITO.black, dash: [6, 4] },
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
    const K0 = order.half_energy_epoch.length;
    const lambdas = last.spectrum.slice(0, K0).reverse();
    orderChart.setData(lambdas, [
      order.half_energy_epoch.slice().reverse(),
      lambdas.map((l) => (order.law_scale != null ? order.law_scale / l : null)),
    ]);
    [panelBar, ...bars].forEach((b) => b.enable(true));

    const K = run.settings.k;
    const top = Math.min(10, K);
    const share = (e, a, b) => {
      let num1 = 0;
      let den = 0;
      for (let i = a; i < b && i < e.energy.length; i++) { num1 += e.energy[i]; den += e.spectrum[i]; }
      return den > 0 ? (100 * num1) / den : NaN;
    };
    // The first epoch at which the top directions hold half their spectrum's energy (else epoch 1).
    const first = eps.find((e) => share(e, 0, top) >= 50) ?? eps[0];
    const acc = asPercent([last.probe_acc])[0];
    const relGap = last.optimum !== 0 ? (100 * last.gap) / Math.abs(last.optimum) : NaN;
    say(shell, `After ${last.epoch} epoch${last.epoch === 1 ? '' : 's'} (${describeNoise(run.settings.noise_spec)}, K=${K}, ${run.settings.optimiser}, lr ${run.settings.lr}) the loss is ${num(last.loss, 4)}, ${num(relGap, 2)}% above the closed-form optimum ${num(last.optimum, 4)}; a linear probe on the codes reaches ${num(acc, 1)}% and the alignment is ${num(last.alignment, 1)}% (${Math.round(last.samples_per_sec).toLocaleString('en')} samples/s on ${last.backend}).`,
      K > top ? `Notice the order of learning: after epoch ${first.epoch} the reconstructions carry ${num(share(first, 0, top), 0)}% of the data energy along the top ${top} eigenvectors and ${num(share(first, top, K), 0)}% along eigenvectors ${top + 1}–${K}; by epoch ${last.epoch} these are ${num(share(last, 0, top), 0)}% and ${num(share(last, top, K), 0)}%.`
        : 'Notice that the red (early) curves match the black spectrum at the top eigen-indices first; the blue (late) ones reach further down.',
      orderSentence(order, run.settings.optimiser));
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
