// A worker that cannot die silently. On the bench site (its wasm is built with the `bench`
// feature, whose `fault` task panics or stalls the module on demand; the shipped site has no such
// task): after a panic the page shows the panic's text, restarts the worker with the last good
// dataset, reruns the pending figure and keeps every setting; a stalled worker is caught by the
// watchdog the same way; a WebGPU device destroyed mid-run leaves the plotted epochs and training
// goes on on the CPU. Also: the shipped worker refuses the fault task, a cancel reaches its own
// task even when it arrives before the task starts, and no bookkeeping is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, exportFile, syntheticIdx, chooseIdxFiles, BENCH_URL, BASE_URL } from './browser.mjs';
import { idxImages, idxLabels } from './hostile.mjs';

/**
 * Posts a `fault` task straight into one of the page's workers (`every`: into each of them), as a
 * bug inside a task would strike.
 */
async function fault(page, kind, seconds = 0, every = false) {
  const workers = page.workers();
  assert.ok(workers.length >= 1, 'the page runs its compute workers');
  for (const worker of every ? workers : workers.slice(0, 1)) {
    await worker.evaluate(({ kind, seconds }) => {
      self.onmessage({ data: { type: 'run', id: 1_000_000, task: 'fault', params: { kind, seconds } } });
    }, { kind, seconds });
  }
}

test('after a panic and after a stall the worker restarts with the last good data and settings', { timeout: 600_000 }, async () => {
  assert.ok(BENCH_URL, 'RECON_ALIGN_BENCH_URL names the bench site (cargo xtask test sets it)');
  const site = new URL('../', BENCH_URL).href;
  const browser = await launch({ webgpu: false });
  try {
    const hash = 'embed=1&panel=alignment&noise=gaussian&sigma=0.25&seed=5';
    const { page, problems } = await openPage(browser, hash, undefined, { base: site });
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 120_000 });
    // A dataset of the reader's own (300 images of 8x8, so that every figure is quick): the one
    // that must come back.
    const good = { images: idxImages(300, 8, 8), labels: idxLabels(Array.from({ length: 300 }, (_, i) => i % 4)) };
    await chooseIdxFiles(page, good, 'good');
    await page.waitForFunction(() => /N=300,/.test(document.getElementById('dataset-summary').textContent), null, { timeout: 60_000 });
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 120_000 });
    await page.waitForSelector('#sweep-progress[data-state="done"]', { timeout: 120_000 });
    const settings = await page.evaluate(() => location.hash);

    // A panic, with a figure pending behind it.
    await fault(page, 'panic');
    await page.evaluate(() => document.querySelector('#alignment-progress .rerun').click());
    await page.waitForFunction(() => /compute worker was restarted/.test(document.getElementById('notices').textContent), null, { timeout: 60_000 });
    const notices = await page.textContent('#notices');
    assert.match(notices, /The computation stopped: the computation panicked at src\/web\/fault\.rs:\d+: a fault injected by a test \(kind `panic`\)\. The compute worker was restarted with good-images\.idx \+ good-labels\.idx/, 'the panic\'s own message, not "unreachable"');
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 120_000 });
    const figure = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    assert.equal(figure.n, 300, 'the rerun figure is computed on the last good dataset');
    assert.equal(figure.curves[1].noise, 'gaussian:0.25');
    assert.equal(await page.evaluate(() => location.hash), settings, 'every setting is kept');
    assert.match(await page.textContent('#dataset-summary'), /N=300,/);

    // A stall: the watchdog (shortened here to 3 s) ends it.
    await page.evaluate(() => { globalThis.reconAlignWatchdogMs = 3000; });
    await fault(page, 'stall', 120);
    await page.waitForFunction(() => /did not answer for 3 s/.test(document.getElementById('notices').textContent), null, { timeout: 60_000 });
    await page.evaluate(() => document.querySelector('#alignment-progress .rerun').click());
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 120_000 });
    assert.equal(JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8')).n, 300);
    // The panic's own console line is expected; nothing else.
    assert.deepEqual(problems.filter((p) => !/a fault injected by a test/.test(p)), []);
  } finally {
    await browser.close();
  }
});

test('a GPU device lost mid-run: training goes on on the CPU from its last epoch, plotted epochs kept', { timeout: 600_000 }, async () => {
  assert.ok(BENCH_URL, 'RECON_ALIGN_BENCH_URL names the bench site (cargo xtask test sets it)');
  const site = new URL('../', BENCH_URL).href;
  const browser = await launch({ webgpu: true });
  try {
    const { page, problems } = await openPage(browser, 'embed=1&panel=train&epochs=5&batch=2&k=4', undefined, { base: site });
    await page.waitForSelector('#backend[data-state="webgpu"]', { timeout: 120_000 });
    const good = { images: idxImages(300, 8, 8), labels: idxLabels(Array.from({ length: 300 }, (_, i) => i % 4)) };
    await chooseIdxFiles(page, good, 'small');
    await page.waitForFunction(() => /N=300,/.test(document.getElementById('dataset-summary').textContent), null, { timeout: 120_000 });
    // 5 epochs of 120 steps is longer than the default run (20 epochs of 7 steps of 32 on the 240
    // training images): an embed waits for the reader.
    await page.waitForSelector('#train-progress[data-state="held"]', { timeout: 60_000 });
    assert.match(await page.textContent('#panel-train'), /longer than the default; press Train/);
    // The next run trains on the WebGPU device and destroys it after epoch 2 (whichever worker of
    // the pool runs it).
    await fault(page, 'lose-device', 2, true);
    await page.evaluate(() => document.querySelector('#train-progress .rerun').click());
    await page.waitForFunction(() => /WebGPU failed during training .*continuing on the CPU from epoch 3/.test(document.getElementById('notices').textContent), null, { timeout: 300_000 });
    await page.waitForSelector('#train-progress[data-state="done"]', { timeout: 300_000 });
    const run = JSON.parse((await exportFile(page, 'train.json')).bytes.toString('utf8'));
    assert.deepEqual(run.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5], 'every epoch is plotted once, in order');
    assert.deepEqual(run.epochs.map((e) => e.backend), ['gpu', 'gpu', 'cpu', 'cpu', 'cpu']);
    assert.ok(run.epochs[4].loss < run.epochs[0].loss, 'the loss keeps falling after the switch');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('the shipped worker: no fault task, cancels reach their own task, no bookkeeping left', { timeout: 600_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}www/style.css`);
    const idx = syntheticIdx(400);
    const out = await page.evaluate(async ({ url, images, labels }) => {
      const worker = new Worker(url, { type: 'module' });
      const messages = [];
      const waiters = [];
      worker.onmessage = ({ data }) => {
        messages.push(data);
        for (const w of [...waiters]) if (w.test(data)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(data); }
      };
      const next = (t) => new Promise((resolve) => waiters.push({ test: t, resolve }));
      const loaded = next((m) => m.type === 'dataset');
      worker.postMessage({ type: 'load-idx', name: 'small', images: new Uint8Array(images).buffer, labels: new Uint8Array(labels).buffer });
      await loaded;
      const faultAnswer = next((m) => m.id === 1 && ['result', 'error', 'cancelled', 'crashed'].includes(m.type));
      worker.postMessage({ type: 'run', id: 1, task: 'fault', params: { kind: 'panic' } });
      const fault = await faultAnswer;
      // The cancel arrives while the task waits for the adapter probe, before training starts.
      const trainAnswer = next((m) => m.id === 2 && ['result', 'cancelled', 'error'].includes(m.type));
      worker.postMessage({ type: 'run', id: 2, task: 'train', params: { k: 4, noise: 'none', lr: 0.001, optimiser: 'adam', epochs: 500, batch: 8, seed: 1 } });
      worker.postMessage({ type: 'cancel', id: 2 });
      const train = await trainAnswer;
      // Cancels of tasks that never ran or already finished leave nothing behind.
      worker.postMessage({ type: 'cancel', id: 77 });
      worker.postMessage({ type: 'cancel', id: 1 });
      const pong = next((m) => m.type === 'pong');
      worker.postMessage({ type: 'ping', seq: 9 });
      const stats = await pong;
      worker.terminate();
      return { fault, train, stats };
    }, { url: `${BASE_URL}www/worker.js`, images: [...idx.images], labels: [...idx.labels] });
    assert.equal(out.fault.type, 'error');
    assert.match(out.fault.message, /injects no faults/);
    assert.equal(out.train.type, 'cancelled', `a cancel before the start stops the run: ${JSON.stringify(out.train).slice(0, 200)}`);
    assert.deepEqual(out.stats, { type: 'pong', seq: 9, pending: 0, cancelled: 0, tokens: 0 });
  } finally {
    await browser.close();
  }
});
