// The URL state table, without a browser: every hostile or malformed hash gives the defaults and a
// message, and every valid state survives a round trip through the hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMA, defaults, parseHash, toHash, noiseSpec, parseNoise, validate, MAX_HASH_LENGTH, PANELS, RUN_ORDER, PANEL_TABLE } from '../../www/state.js';

test('the defaults are valid and round-trip through the hash', () => {
  const d = defaults();
  assert.deepEqual(validate(d), []);
  const { state, problems } = parseHash(`#${toHash(d)}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(state, d);
});

test('non-default settings round-trip exactly, seed and embed flags included', () => {
  const s = { ...defaults(), k: 64, noise: 'mask', p: 0.3, patch: 2, lr: 0.0125, optimiser: 'sgd', epochs: 7, batch: 100, seed: 12345, panel: 'alignment', embed: true, controls: true };
  const { state, problems } = parseHash(toHash(s));
  assert.deepEqual(problems, []);
  assert.deepEqual(state, s);
  assert.equal(noiseSpec(state), 'mask:0.3:2');
  assert.equal(noiseSpec({ ...state, noise: 'gaussian', sigma: 0.25 }), 'gaussian:0.25');
  assert.equal(noiseSpec({ ...state, noise: 'none' }), 'none');
});

test('a v1 link, which had no momentum key, replays its run: sgd meant heavy-ball momentum 0.9', () => {
  const v1 = 'v=1&data=mnist&k=32&noise=mask&sigma=0.5&p=0.5&patch=1&lr=0.0002&optimiser=sgd&epochs=20&batch=256&seed=1&panel=all';
  const { state, problems } = parseHash(v1);
  assert.deepEqual(problems, []);
  assert.equal(state.momentum, 0.9);
  assert.equal(state.lr, 0.0002);
  assert.equal(state.batch, 256);
  assert.equal(state.v, 2);
  // A current link keeps what it says, and a v2 link without the key gets the default 0.
  assert.equal(parseHash(toHash({ ...defaults(), momentum: 0.5 })).state.momentum, 0.5);
  assert.equal(parseHash('v=2&optimiser=sgd').state.momentum, 0);
});

test('a noise spec is parsed once, and every spec the page writes parses back to its settings', () => {
  for (const s of [
    { ...defaults(), noise: 'none' },
    { ...defaults(), noise: 'gaussian', sigma: 0.25 },
    { ...defaults(), noise: 'mask', p: 0.3, patch: 4 },
    { ...defaults(), noise: 'dropmap', map: '0123456789'.repeat(5).slice(0, 49) },
    { ...defaults(), noise: 'gaussmap', map: '9'.repeat(49) },
  ]) {
    const n = parseNoise(noiseSpec(s));
    assert.equal(n.kind, s.noise);
    if (n.kind === 'gaussian') assert.equal(n.sigma, s.sigma);
    if (n.kind === 'mask') assert.deepEqual([n.p, n.patch], [s.p, s.patch]);
    if (n.kind === 'dropmap' || n.kind === 'gaussmap') assert.equal(n.map, s.map);
  }
  for (const bad of ['', 'mask:0.5', 'mask:x:1', 'gaussian:', 'dropmap:123', 'none:1', 'laplace:1']) {
    assert.equal(parseNoise(bad).kind, 'unknown', bad);
  }
});

test('the page order, the run order and the URL values come from one panel table', () => {
  assert.deepEqual(PANELS, PANEL_TABLE.map((p) => p.id));
  assert.deepEqual([...RUN_ORDER].sort(), [...PANELS].sort());
  assert.deepEqual(SCHEMA.find((r) => r.key === 'panel').values, ['all', ...PANELS]);
  // The closed forms run before training and the probes.
  assert.ok(RUN_ORDER.indexOf('alignment') < RUN_ORDER.indexOf('train'));
});

const HOSTILE = {
  'script tag': `k=${encodeURIComponent('<script>alert(1)</script>')}`,
  'raw script tag': 'k=<script>alert(1)</script>',
  'huge number': 'k=1e999',
  'NaN': 'p=NaN',
  'Infinity': 'lr=Infinity',
  'hex': 'seed=0x10',
  'negative': 'epochs=-3',
  'fraction for an integer': 'k=3.5',
  'out of range': 'p=0.995',
  'unknown enumeration': 'noise=salt',
  'unknown key': 'zzz=1',
  'prototype key': '__proto__=1',
  'bad escape': 'k=%E0%A4%A',
  'javascript URL': 'panel=javascript:alert(1)',
};
for (const [name, hash] of Object.entries(HOSTILE)) {
  test(`hostile hash (${name}) gives the defaults and a message`, () => {
    const { state, problems } = parseHash(`#${hash}`);
    assert.deepEqual(state, defaults());
    assert.ok(problems.length > 0, 'a problem is reported');
    for (const p of problems) assert.ok(typeof p === 'string' && p.length < 300, 'short plain-text messages');
    assert.equal(Object.getPrototypeOf(state), Object.prototype);
  });
}

test('an over-long hash is not read at all', () => {
  const { state, problems } = parseHash(`#k=64&${'a'.repeat(10_000)}`);
  assert.deepEqual(state, defaults());
  assert.equal(problems.length, 1);
  assert.match(problems[0], new RegExp(`at most ${MAX_HASH_LENGTH}`));
});

test('one bad value does not spoil the others', () => {
  const { state, problems } = parseHash('#k=64&p=NaN&seed=9');
  assert.equal(state.k, 64);
  assert.equal(state.seed, 9);
  assert.equal(state.p, defaults().p);
  assert.equal(problems.length, 1);
});

test('every row of the table has a default that it accepts', () => {
  for (const row of SCHEMA) {
    const { state, problems } = parseHash(`#${row.key}=${encodeURIComponent(row.type === 'bool' ? (row.def ? '1' : '0') : String(row.def))}`);
    assert.deepEqual(problems, [], row.key);
    assert.equal(state[row.key], row.def);
  }
});
