// The fake worker (tests/e2e/fake-worker.js, used by the UI tests) against the real one
// (www/worker.js with the wasm module): every task of the protocol runs once on each, and the
// messages must have exactly the same keys and value types. A fake that drifts from the real
// worker once put "undefined°" on the page while every UI test passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, BASE_URL, REPO_ROOT } from './browser.mjs';
import { smallNpz } from './numpy-files.mjs';

const FAKE = readFileSync(join(REPO_ROOT, 'tests/e2e/fake-worker.js'), 'utf8');

/** IDX files of `n` small images (8 x 8, 4 classes), so that every real task runs in seconds. */
function smallIdx(n) {
  const side = 8;
  const images = Buffer.alloc(16 + n * side * side);
  images.writeUInt32BE(0x00000803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(side, 8);
  images.writeUInt32BE(side, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    const y = i % 4;
    labels[8 + i] = y;
    for (let p = 0; p < side * side; p++) {
      const on = (p % side) === 2 * y || (p % side) === 2 * y + 1;
      images[16 + i * side * side + p] = on ? 150 + ((i * 13 + p) % 100) : (i * 31 + p * 7) % 40;
    }
  }
  return { images: [...images], labels: [...labels] };
}

/** The keys and value types of a message, recursively (arrays by their first element). */
function shape(v) {
  if (v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return v.length === 0 ? ['empty'] : [shape(v.find((x) => x !== null) ?? null)];
  if (typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape(v[k])]));
  return typeof v;
}

const TASKS = [
  ['alignment', { noise: 'mask:0.5:1' }],
  ['curve', { noise: 'none' }],
  ['curve', { noise: 'mask:0.5:1' }],
  ['sweep-plan', {}],
  ['impact', { noise: 'mask:0.25:2' }],
  ['never', { noise: 'gaussian:1' }],
  ['never', { noise: 'mask:0.5:1' }],
  ['subspace', { seed: 1 }],
  ['mlp', { seed: 1, fraction: 0.5, side: 'bottom' }],
  ['guided', { k: 4, seed: 1 }],
  ['train', { k: 4, noise: 'mask:0.5:1', lr: 0.001, optimiser: 'adam', momentum: 0, epochs: 1, batch: 32, seed: 1 }],
  // SGD carries the learning order's regime (null under Adam).
  ['train', { k: 4, noise: 'none', lr: 0.001, optimiser: 'sgd', momentum: 0.9, epochs: 1, batch: 32, seed: 1 }],
  // The noise designer's maps, through the same tasks.
  ['alignment', { noise: `dropmap:${'0123456789'.repeat(5).slice(0, 49)}` }],
  ['never', { noise: `gaussmap:${'5'.repeat(49)}` }],
  ['never', { noise: `gaussmap:${'0000000000000000999000099900009990000000000000000'}` }],
  ['train', { k: 4, noise: `dropmap:${'9'.repeat(24)}${'0'.repeat(25)}`, lr: 0.001, optimiser: 'adam', momentum: 0, epochs: 1, batch: 32, seed: 1 }],
];

/** Runs every task in a worker at `url` (in a page of the site) and returns all its messages. */
async function transcript(page, url, idx, npz) {
  return page.evaluate(async ({ url, idx, npz, tasks }) => {
    const worker = new Worker(url, { type: 'module' });
    const messages = [];
    const waiters = [];
    worker.onmessage = ({ data }) => {
      messages.push(data);
      for (const w of [...waiters]) if (w.test(data)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(data); }
    };
    const next = (test) => new Promise((resolve) => waiters.push({ test, resolve }));
    const loaded = next((m) => m.type === 'dataset' && m.source === 'small');
    worker.postMessage({ type: 'load-idx', name: 'small', generation: 3, images: new Uint8Array(idx.images).buffer, labels: new Uint8Array(idx.labels).buffer });
    await Promise.race([loaded, next((m) => m.type === 'error')]);
    const results = [];
    for (const [i, [task, params]] of tasks.entries()) {
      const done = next((m) => m.id === i && ['result', 'error', 'cancelled'].includes(m.type));
      worker.postMessage({ type: 'run', id: i, task, params });
      results.push(await done);
    }
    // A refused load answers with its generation too.
    const refused = next((m) => m.type === 'error' && m.id == null);
    worker.postMessage({ type: 'load-idx', name: 'bad', generation: 4, images: new ArrayBuffer(16), labels: new Uint8Array(idx.labels).buffer });
    await refused;
    // One file of any format (Lab.fromFile): a NumPy .npz, then a file it refuses.
    const fileLoaded = next((m) => m.type === 'dataset' && m.source === 'small.npz');
    worker.postMessage({ type: 'load-file', name: 'small.npz', generation: 5, bytes: new Uint8Array(npz).buffer, shape: '' });
    await Promise.race([fileLoaded, next((m) => m.type === 'error' && m.generation === 5)]);
    const fileRefused = next((m) => m.type === 'error' && m.generation === 6);
    worker.postMessage({ type: 'load-file', name: 'notes.txt', generation: 6, bytes: new TextEncoder().encode('not data').buffer });
    await fileRefused;
    const pong = next((m) => m.type === 'pong');
    worker.postMessage({ type: 'ping', seq: 1 });
    await pong;
    worker.terminate();
    return { messages, results };
  }, { url, idx, npz, tasks: TASKS });
}

test('the fake worker sends exactly the keys and types the real worker sends', { timeout: 600_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.route('**/fake-worker.js', (r) => r.fulfill({ contentType: 'text/javascript', body: FAKE }));
    await page.goto(`${BASE_URL}www/style.css`); // any page of the site: same origin, no app
    const idx = smallIdx(400);
    const npz = [...smallNpz(400)];
    const real = await transcript(page, `${BASE_URL}www/worker.js`, idx, npz);
    const fake = await transcript(page, `${BASE_URL}www/fake-worker.js`, idx, npz);
    for (const [i, [task]] of TASKS.entries()) {
      assert.equal(real.results[i].type, 'result', `real ${task}: ${real.results[i].message ?? ''}`);
      assert.equal(fake.results[i].type, 'result', `fake ${task}: ${fake.results[i].message ?? ''}`);
      assert.deepEqual(shape(fake.results[i].data), shape(real.results[i].data), `${task}: the fake's result differs in keys or types`);
      if (task === 'never') {
        // The label-free test's main number: one feature angle per width, on both.
        for (const [who, t] of [['real', real], ['fake', fake]]) {
          const d = t.results[i].data;
          assert.equal(d.max_feature_angle_deg?.length, d.k.length, `${who} never: max_feature_angle_deg per K`);
        }
      }
      if (task === 'curve' || task === 'alignment') {
        // The clean curve's scale: with the clean curve (and the alignment task), null otherwise.
        for (const [who, t] of [['real', real], ['fake', fake]]) {
          const d = t.results[i].data;
          const withScale = task === 'alignment' || TASKS[i][1].noise === 'none';
          assert.equal(d.scale === null, !withScale, `${who} ${task} ${TASKS[i][1].noise}: scale ${withScale ? 'present' : 'null'}`);
          if (withScale) assert.equal(d.scale.pca_dims.length, d.scale.levels.length, `${who} ${task}: one width per level`);
        }
      }
      if (task === 'guided') {
        // One standard error per accuracy, on both.
        for (const [who, t] of [['real', real], ['fake', fake]]) {
          const d = t.results[i].data;
          assert.equal(d.probe_acc_se?.length, d.lambda.length, `${who} guided: probe_acc_se per lambda`);
          assert.equal(typeof d.pca_acc_se, 'number', `${who} guided: pca_acc_se`);
        }
      }
    }
    for (const [who, t] of [['real', real], ['fake', fake]]) {
      assert.equal(t.messages.find((m) => m.type === 'dataset' && m.source === 'small').generation, 3, `${who}: a dataset repeats its load's generation`);
      const refusal = t.messages.find((m) => m.type === 'error' && m.id == null);
      assert.deepEqual([refusal.where, refusal.generation], ['load-idx', 4], `${who}: a refused load repeats its generation`);
      const file = t.messages.find((m) => m.type === 'dataset' && m.source === 'small.npz');
      assert.equal(file?.generation, 5, `${who}: a load-file answers with a dataset and its generation`);
      const fileRefusal = t.messages.find((m) => m.type === 'error' && m.generation === 6);
      assert.equal(fileRefusal?.where, 'load-file', `${who}: a refused load-file says so`);
      assert.match(fileRefusal.message, /not a data file/, `${who}: the refusal says why`);
    }
    assert.deepEqual(shape(fake.messages.find((m) => m.source === 'small.npz')), shape(real.messages.find((m) => m.source === 'small.npz')), 'load-file dataset message');
    // A bundled dataset's message names its data and build (the key of the caches); the fake's
    // never does, so that the page caches none of its made-up results. Loaded data has no key on
    // either, and the shapes are compared on that.
    const bundled = real.messages.find((m) => m.type === 'dataset' && m.source !== 'small');
    assert.deepEqual(shape(bundled.key), { build: 'string', data: 'string', name: 'string' }, 'real: a bundled dataset has a key');
    assert.match(bundled.key.data, /^[0-9a-f]{64}$/, 'real: the key holds SHA-256s');
    for (const type of ['backend', 'dataset', 'epoch', 'pong']) {
      const pick = (m) => m.type === type && (type !== 'dataset' || m.source === 'small');
      const r = real.messages.find(pick);
      const f = fake.messages.find(pick);
      assert.ok(r && f, `both workers send a ${type} message`);
      if (type === 'backend') assert.deepEqual(Object.keys(f.backend).sort(), ['adapter', 'backend', 'kind']);
      else assert.deepEqual(shape(f), shape(r), `${type} message`);
    }
  } finally {
    await browser.close();
  }
});
