// The pool's bookkeeping, without a browser: how Compute spreads jobs over its workers, and how
// WorkerPool sends loads to every worker while the page hears about each load once. The workers
// here only record what they are sent; the real worker's side of these messages (a load's
// generation repeated in its answer) is checked by contract.test.mjs, and whole pages with the real
// pool by every other browser test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Compute, Cancelled, affinityOf } from '../../www/compute.js';
import { WorkerPool } from '../../www/pool.js';

/** A stand-in Worker: records posted messages; `reply(msg)` delivers a message to its owner. */
class Recorder {
  constructor(name = '') { this.name = name; this.sent = []; this.terminated = false; }
  postMessage(msg) { this.sent.push(msg); }
  terminate() { this.terminated = true; }
  runs() { return this.sent.filter((m) => m.type === 'run'); }
  reply(msg) { this.onmessage?.({ data: msg }); }
}

/** A Compute of `n` workers, all attached and holding the current data. */
function computeOf(n) {
  const compute = new Compute(n);
  const workers = Array.from({ length: n }, (_, i) => new Recorder(`w${i}`));
  workers.forEach((w, i) => { compute.attach(i, w, ''); compute.setReady(i, true); });
  return { compute, workers };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

test('jobs spread over the free workers, and wait when every worker is busy', async () => {
  const { compute, workers: [a, b] } = computeOf(2);
  const results = ['x', 'y', 'z'].map((s) => compute.schedule(s, 'guided', { k: 1, seed: 0 }));
  assert.deepEqual([a.runs().length, b.runs().length], [1, 1], 'one job each, at once');
  compute.handle({ type: 'result', id: a.runs()[0].id, data: 'first' }, 0);
  assert.equal(a.runs().length, 2, 'the freed worker takes the waiting job');
  compute.handle({ type: 'result', id: b.runs()[0].id, data: 'second' }, 1);
  compute.handle({ type: 'result', id: a.runs()[1].id, data: 'third' }, 0);
  assert.deepEqual(await Promise.all(results), ['first', 'second', 'third']);
  // A result from the wrong worker, or for an unknown id, resolves nothing.
  const late = compute.schedule('w', 'guided', {});
  compute.handle({ type: 'result', id: a.runs().at(-1).id, data: 'wrong worker' }, 1);
  compute.handle({ type: 'result', id: a.runs().at(-1).id, data: 'right' }, 0);
  assert.equal(await late, 'right');
});

test('a job is left to the busy worker that holds its eigensolve while other jobs wait', () => {
  const { compute, workers: [a, b] } = computeOf(2);
  compute.schedule('clean', 'curve', { noise: 'none' });
  compute.schedule('noisy', 'curve', { noise: 'mask:0.5:1' });
  compute.schedule('sweep/3', 'impact', { noise: 'mask:0.33:1' });
  compute.schedule('train', 'train', {});
  assert.equal(a.runs()[0].task, 'curve');
  assert.equal(b.runs()[0].params.noise, 'mask:0.5:1');
  // a is free first: the 1x1 mask at p = 0.33 needs the mask family that b is building, so a
  // takes the training run instead.
  compute.handle({ type: 'result', id: a.runs()[0].id, data: 1 }, 0);
  assert.equal(a.runs()[1].task, 'train');
  compute.handle({ type: 'result', id: b.runs()[0].id, data: 2 }, 1);
  assert.deepEqual([b.runs()[1].task, b.runs()[1].params.noise], ['impact', 'mask:0.33:1']);
  // With nothing else to do, a free worker takes such a job rather than wait.
  compute.schedule('sweep/4', 'impact', { noise: 'mask:0.44:1' });
  compute.handle({ type: 'result', id: a.runs()[1].id, data: 3 }, 0);
  assert.equal(a.runs()[2].params.noise, 'mask:0.44:1');
  // Masks of one patch side share a family; other sides, p = 0 (PCA's pencil) and the
  // never-beneficial test (each noise's own pencil) do not.
  assert.equal(affinityOf('impact', { noise: 'mask:0.11:2' }), affinityOf('curve', { noise: 'mask:0.99:2' }));
  assert.notEqual(affinityOf('impact', { noise: 'mask:0.11:2' }), affinityOf('impact', { noise: 'mask:0.11:4' }));
  assert.notEqual(affinityOf('impact', { noise: 'mask:0:1' }), affinityOf('impact', { noise: 'mask:0.11:1' }));
  assert.notEqual(affinityOf('never', { noise: 'mask:0.5:1' }), affinityOf('curve', { noise: 'mask:0.5:1' }));
  assert.notEqual(affinityOf('never', { noise: 'mask:0.5:1' }), affinityOf('never', { noise: 'mask:0.3:1' }));
  assert.equal(affinityOf('mlp', { seed: 3 }), affinityOf('subspace', { seed: 3 }), 'the probes share their split');
  assert.equal(affinityOf('train', {}), null);
});

test('cancelling a group stops its queued and running parts, and nothing else', async () => {
  const { compute, workers: [a, b] } = computeOf(2);
  const parts = [0, 1, 2].map((i) => compute.schedule(`sweep/${i}`, 'impact', { noise: `mask:0.${i}:1` }));
  const other = compute.schedule('sweeping', 'guided', {});
  compute.cancel('sweep');
  for (const p of parts) await assert.rejects(p, Cancelled);
  const cancels = [...a.sent, ...b.sent].filter((m) => m.type === 'cancel').map((m) => m.id).sort();
  assert.deepEqual(cancels, [a.runs()[0].id, b.runs()[0].id].sort(), 'the two running parts are told to stop');
  assert.equal(compute.isBusy('sweep'), false);
  assert.equal(compute.isBusy('sweeping'), true, '"sweeping" is not a part of "sweep"');
  compute.handle({ type: 'cancelled', id: a.runs()[0].id }, 0);
  assert.equal(a.runs().at(-1).task, 'guided', 'the freed worker takes the job that was not cancelled');
  compute.handle({ type: 'result', id: a.runs().at(-1).id, data: 'kept' }, 0);
  assert.equal(await other, 'kept');
  // withdraw() cancels one job only.
  const [x, y] = [compute.schedule('g/0', 'guided', {}), compute.schedule('g/1', 'guided', {})];
  compute.withdraw(x.job);
  await assert.rejects(x, Cancelled);
  assert.equal(compute.isBusy('g/1'), true);
  compute.cancelAll();
  await assert.rejects(y, Cancelled);
});

test('only workers that hold the current data get jobs; a crashed worker\'s job is tried once more', async () => {
  const compute = new Compute(2);
  const [a, b] = [new Recorder(), new Recorder()];
  compute.attach(0, a, '');
  compute.attach(1, b, '');
  const job = compute.schedule('alignment/0', 'curve', { noise: 'none' });
  assert.equal(a.runs().length + b.runs().length, 0, 'no worker holds the data yet');
  compute.setReady(1, true);
  assert.equal(b.runs().length, 1);
  // b dies; a fresh b' is attached but does not hold the data yet; a does.
  const b2 = new Recorder();
  compute.attach(1, b2, 'b crashed');
  compute.setReady(0, true);
  assert.equal(a.runs().length, 1, 'the job moves to the worker that holds the data');
  assert.notEqual(a.runs()[0].id, b.runs()[0].id, 'under a new id');
  compute.attach(0, new Recorder(), 'a crashed too');
  await assert.rejects(job, /a crashed too/, 'a second crash fails the job with the reason');
  // When every worker is given up, queued jobs fail with the reason.
  const queued = compute.schedule('guided', 'guided', {});
  compute.attach(0, null, 'gave up');
  compute.attach(1, null, 'gave up');
  await assert.rejects(queued, /gave up/);
});

test('the pool loads every worker and tells the page about each load once', async () => {
  const spawned = [];
  const spawn = (name) => { const w = new Recorder(name); spawned.push(w); return w; };
  const heard = [];
  const compute = new Compute(3);
  const downloads = [];
  const fetchBytes = async (name) => { downloads.push(name); return new Uint8Array([1, 2, 3]); };
  const pool = new WorkerPool(spawn, compute, 'mnist', {
    message: (m) => heard.push(m), restart: () => {}, loadFailed: (why) => heard.push({ type: 'loadFailed', why }), gaveUp: () => {},
  }, fetchBytes);
  try {
    assert.deepEqual(spawned.map((w) => w.name), ['none', 'none', 'none'], 'the pool sends the first dataset itself');
    await pool.sending;
    assert.deepEqual(downloads, ['mnist'], 'the bundled file is downloaded once');
    assert.deepEqual(spawned.map((w) => [w.sent[0].type, w.sent[0].name, w.sent[0].generation, w.sent[0].bytes.byteLength]),
      Array(3).fill(['load-bundled', 'mnist', 0, 3]), 'and its bytes go to every worker');
    const dataset = (g, source = 'digits') => ({ type: 'dataset', generation: g, source });
    spawned.forEach((w) => w.reply(dataset(0)));
    assert.deepEqual(heard.map((m) => [m.type, m.generation]), [['dataset', 0]], 'three answers, one dataset');
    // A refused load: every worker refuses, the page hears once.
    pool.load({ type: 'load-idx', name: 'bad' });
    await pool.sending;
    assert.deepEqual(spawned.map((w) => w.sent.at(-1).generation), [1, 1, 1]);
    spawned.forEach((w) => w.reply({ type: 'error', where: 'load-idx', message: 'bad magic', generation: 1 }));
    assert.equal(heard.filter((m) => m.type === 'error').length, 1);
    // An accepted load: the first worker to hold it gets the jobs until the others catch up.
    pool.load({ type: 'load-idx', name: 'good' });
    await pool.sending;
    spawned[2].reply(dataset(2, 'good'));
    assert.deepEqual(heard.at(-1), dataset(2, 'good'));
    const jobs = [compute.schedule('a', 'guided', {}), compute.schedule('b', 'guided', {})];
    assert.deepEqual(spawned.map((w) => w.runs().length), [0, 0, 1], 'workers still on the old data wait');
    spawned[0].reply(dataset(2, 'good'));
    assert.deepEqual(spawned.map((w) => w.runs().length), [1, 0, 1]);
    assert.equal(heard.filter((m) => m.type === 'dataset').length, 2, 'the page heard of the new data once');
    spawned[0].reply({ type: 'result', id: spawned[0].runs()[0].id, data: 'from w0' });
    spawned[2].reply({ type: 'result', id: spawned[2].runs()[0].id, data: 'from w2' });
    assert.deepEqual(await Promise.all(jobs), ['from w2', 'from w0'], 'a went to w2 (then alone), b to w0');
    // The adapter is announced once.
    spawned.forEach((w) => w.reply({ type: 'backend', backend: { kind: 'cpu' } }));
    assert.equal(heard.filter((m) => m.type === 'backend').length, 1);
  } finally {
    pool.supervisors.forEach((s) => clearInterval(s.timer));
  }
});

/**
 * A stand-in for www/results.js's ResultCache with the members Compute uses, over a Map. The real
 * one (over Cache Storage) runs in the browser tests of cache.test.mjs; the test below checks that
 * it has the same members.
 */
class MemoStub {
  constructor(entries = {}) {
    this.key = { name: 'mnist', data: 'd0', build: 'b0' };
    this.entries = new Map(Object.entries(entries));
    this.asked = [];
    this.stored = [];
  }
  covers(task) { return task !== 'train'; }
  worthLooking() { return true; }
  async lookup(task, params, key) {
    this.asked.push([task, params.noise, key]);
    await settle();
    const data = this.entries.get(`${task} ${params.noise}`);
    return data === undefined ? null : { data };
  }
  store(key, task, params, data) { this.stored.push([key, task, params.noise, data]); }
}

test('the stand-in cache of results has the real one\'s members', async () => {
  const { ResultCache } = await import('../../www/results.js');
  const real = new ResultCache();
  for (const m of ['covers', 'worthLooking', 'lookup', 'store']) assert.equal(typeof real[m], typeof MemoStub.prototype[m], m);
  assert.ok('key' in real, 'key');
  assert.equal(real.lookup.length, 2, 'lookup(task, params, key = current)');
  assert.equal(real.store.length, 4, 'store(key, task, params, data)');
});

test('a cached result resolves its job without a worker; a miss runs on a worker and is stored', async () => {
  const { compute, workers: [a] } = computeOf(1);
  const memo = new MemoStub({ 'curve none': [1, 2] });
  compute.memo = memo;
  const events = [];
  const hit = compute.schedule('c0', 'curve', { noise: 'none' }, { cached: () => events.push('cached'), start: () => events.push('start') });
  const miss = compute.schedule('c1', 'curve', { noise: 'mask:0.5:1' });
  const train = compute.schedule('t', 'train', { noise: 'none' });
  // Training is not looked up: it starts at once; the curves wait for their lookups.
  assert.deepEqual(a.runs().map((r) => r.task), ['train']);
  assert.deepEqual(await hit, [1, 2]);
  assert.deepEqual(events, ['cached'], 'a cached job never starts');
  compute.handle({ type: 'result', id: a.runs()[0].id, data: 'trained' }, 0);
  assert.equal(await train, 'trained');
  await compute.lookupsSettled();
  assert.deepEqual(a.runs().map((r) => r.task), ['train', 'curve'], 'the miss runs on the worker');
  compute.handle({ type: 'result', id: a.runs()[1].id, data: [3] }, 0);
  assert.deepEqual(await miss, [3]);
  assert.deepEqual(memo.stored, [[memo.key, 'curve', 'mask:0.5:1', [3]]], 'only the computed curve is stored, with its key');
  assert.deepEqual(memo.asked.map(([t, n]) => `${t} ${n}`), ['curve none', 'curve mask:0.5:1'], 'lookups in schedule order');
});

test('a job replaced or cancelled while it is looked up is neither served nor run', async () => {
  const { compute, workers: [a] } = computeOf(1);
  compute.memo = new MemoStub({ 'curve none': [1] });
  const first = compute.schedule('c', 'curve', { noise: 'none' });
  const replacement = compute.schedule('c', 'curve', { noise: 'gaussian:1' });
  const cancelled = compute.schedule('d', 'never', { noise: 'none' });
  compute.cancel('d');
  await assert.rejects(first, Cancelled);
  await assert.rejects(cancelled, Cancelled);
  await compute.lookupsSettled();
  assert.deepEqual(a.runs().map((r) => [r.task, r.params.noise]), [['curve', 'gaussian:1']], 'only the replacement runs');
  compute.handle({ type: 'result', id: a.runs()[0].id, data: [9] }, 0);
  assert.deepEqual(await replacement, [9]);
});

test('while the cache of results holds nothing for the data, jobs go straight to the workers and are stored', async () => {
  const { compute, workers: [a] } = computeOf(1);
  const memo = new MemoStub({ 'curve none': [1] });
  memo.worthLooking = () => false;
  compute.memo = memo;
  const job = compute.schedule('c', 'curve', { noise: 'none' });
  assert.deepEqual(a.runs().map((r) => r.task), ['curve'], 'runs at once, without a lookup');
  compute.handle({ type: 'result', id: a.runs()[0].id, data: [2] }, 0);
  assert.deepEqual(await job, [2]);
  assert.deepEqual(memo.asked, [], 'nothing looked up');
  assert.deepEqual(memo.stored.map(([, t, n, d]) => [t, n, d]), [['curve', 'none', [2]]], 'the result is stored');
});
