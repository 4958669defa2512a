// The encoding of the cache of results (www/results.js), without a browser: every value a worker
// result can hold comes back equal, bit for bit, and what JSON would silently change is refused.
// The cache itself (Cache Storage, keys, checksums) is tested in the browser by cache.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode } from '../../www/results.js';

test('numbers, typed arrays and nested objects come back bit for bit', () => {
  const specials = [0, -0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, 0.1 + 0.2, -1e-300];
  const value = {
    plain: specials,
    f64: Float64Array.from(specials),
    f32: Float32Array.from([1.5, -0, NaN, 3.4028234663852886e38]),
    u8: Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256),
    i32: Int32Array.from([-(2 ** 31), 2 ** 31 - 1]),
    nested: [{ k: [1, 2], s: 'text with "quotes" and \\ and ∞', n: null, b: true }],
  };
  const back = decode(encode(value));
  assert.deepStrictEqual(back, value);
  // deepStrictEqual treats NaN as NaN and -0 apart from 0 (Object.is); check the typed arrays'
  // bytes as well, so that no NaN payload or sign is lost.
  for (const key of ['f64', 'f32', 'u8', 'i32']) {
    assert.equal(back[key].constructor, value[key].constructor, key);
    assert.deepEqual(new Uint8Array(back[key].buffer), new Uint8Array(value[key].buffer), `${key}: bytes`);
  }
  assert.ok(Object.is(back.plain[1], -0) && Object.is(back.f64[1], -0), '-0 stays -0');
});

test('what JSON would change is refused, not cached wrong', () => {
  for (const [what, bad] of [['a Map', new Map([[1, 2]])], ['a Set', new Set([1])], ['a BigInt', 10n],
    ['a Date', new Date(0)], ['a class instance', new (class Probe {})()], ['a DataView', new DataView(new ArrayBuffer(4))],
    ['a $n key', { $n: '1' }], ['a $t key', { $t: 'Uint8Array' }]]) {
    assert.throws(() => encode({ inside: [bad] }), undefined, what);
  }
});
