// The caches of repeat visits. The cache of G (www/cache.js): a second visit builds G from Cache
// Storage and gets the command-line tool's numbers; a changed build or a changed dataset is never
// served the old entry; a truncated, corrupted or mismatched entry is ignored and replaced. What
// each visit did is read from the alignment panel's `data-gram` (the worker's answer: cache,
// computed, corrupt, refused or off), the numbers from its alignment.json export. Those visits
// start with the cache of results emptied, so that the curves are computed from G.
// The cache of results (www/results.js): a second visit draws the figure from it, with the same
// numbers, and says so in the progress row; a changed build, changed data or a corrupt entry is
// never served; settings it holds no result for are computed by the workers as on a first visit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { launch, openPage, exportFile, BASE_URL, REPO_ROOT } from './browser.mjs';
import { cliAlignment } from './page-cli.mjs';

const LINK = 'embed=1&panel=alignment&noise=gaussian&sigma=0.5';
const NOISE = 'gaussian:0.5';
const TOLERANCE = 1e-6; // percent, as numbers.test.mjs
const STORE = 'recon-align-gram-v1';
const RESULTS = 'recon-align-results-v1';
const FROM_CACHE = /from this browser's cache of an earlier visit/;

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const worst = actual.reduce((m, a, i) => Math.max(m, Math.abs(a - expected[i])), 0);
  assert.ok(worst <= TOLERANCE, `${what}: largest difference ${worst} > ${TOLERANCE}`);
}

/** Both curves of one visit against the CLI's on `data`. */
function assertCli(json, data, what, noise = NOISE) {
  assert.deepEqual(json.curves.map((c) => c.noise), ['none', noise], what);
  for (const curve of json.curves) assertClose(curve.alignment, cliAlignment(data, curve.noise).alignment, `${what}: ${curve.noise}`);
}

/** A fresh browser profile (its own Cache Storage) on the CPU path. */
async function profile() {
  const browser = await launch({ webgpu: false });
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, acceptDownloads: true });
  return { browser, context };
}

/** Runs `fn(args)` in a page of the site (Cache Storage is per origin) and returns its value. */
async function onSite(context, fn, args) {
  const page = await context.newPage();
  try {
    await page.goto(new URL('www/limits.js', BASE_URL).href);
    return await page.evaluate(fn, args);
  } finally {
    await page.close();
  }
}

/** The entry URLs of Cache Storage `store` in `context`. */
const entriesOf = (context, store) => onSite(context, async (s) => (await (await caches.open(s)).keys()).map((r) => r.url), store);

/**
 * One visit in `context`: waits for the alignment panel, then (when `stored`) for the cache entry
 * of G it stores. Returns `{ gram, json, keys, label }`, `keys` the entry URLs of the cache of G
 * after the visit, `label` the alignment progress row's text. Unless `results` is true, the cache
 * of results is emptied first, so that the curves are computed.
 */
async function visit(context, { stored = true, results = false, link = LINK } = {}) {
  if (!results) await onSite(context, (s) => caches.delete(s), RESULTS);
  // openPage opens its page with the `newPage` it is given: here the profile's.
  const { page, problems } = await openPage(context, link);
  try {
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    const label = await page.textContent('#alignment-progress');
    const gram = await page.getAttribute('#panel-alignment', 'data-gram');
    const json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    // The entry is stored in the background once G is built (waitForFunction would take the
    // promise of an async predicate for true: polled here).
    const entries = () => page.evaluate(async (store) => (await (await caches.open(store)).keys()).map((r) => r.url), STORE);
    let keys = await entries();
    for (const until = Date.now() + 60_000; stored && keys.length === 0; keys = await entries()) {
      assert.ok(Date.now() < until, 'the visit stored its G within 60 s');
      await page.waitForTimeout(200);
    }
    assert.deepEqual(problems, [], 'no console errors');
    return { gram, json, keys, label };
  } finally {
    await page.close();
  }
}

/**
 * Damages the one cache entry of the profile, in a page of the site (Cache Storage is per origin):
 * `truncated` drops its last 1000 bytes; `flipped` flips one bit of G, the length kept, so that
 * only the checksum can tell; `other-n` changes N in G's header and recomputes the entry's
 * checksum, so that only the wasm's checks against the data can tell.
 */
async function damageEntry(context, how) {
  const page = await context.newPage();
  try {
    await page.goto(new URL('www/limits.js', BASE_URL).href);
    await page.evaluate(async ([store, kind]) => {
      const cache = await caches.open(store);
      const [req] = await cache.keys();
      const bytes = new Uint8Array(await (await cache.match(req)).arrayBuffer());
      // The entry: 'RAGCACHE', the payload's length (u64), its SHA-256, then G's bytes
      // ('RAGRAM01', then C, H, W, N, K as u64).
      const HEADER = 8 + 8 + 32;
      let out = bytes;
      if (kind === 'truncated') out = bytes.slice(0, bytes.length - 1000);
      if (kind === 'flipped') { out = bytes.slice(); out[out.length >> 1] ^= 1; }
      if (kind === 'other-n') {
        out = bytes.slice();
        out[HEADER + 8 + 3 * 8] ^= 1;
        out.set(new Uint8Array(await crypto.subtle.digest('SHA-256', out.subarray(HEADER))), 16);
      }
      await cache.put(req, new Response(out));
    }, [STORE, how]);
  } finally {
    await page.close();
  }
}

test('a repeat visit builds G from the cache and gets the command line\'s numbers', async () => {
  const { browser, context } = await profile();
  try {
    const cold = await visit(context);
    assert.equal(cold.gram, 'computed', 'a fresh profile computes G');
    assertCli(cold.json, 'mnist', 'cold visit');
    assert.equal(cold.keys.length, 1, 'one entry');
    const warm = await visit(context);
    assert.equal(warm.gram, 'cache', 'the second visit takes G from the cache');
    assertCli(warm.json, 'mnist', 'warm visit');
    // G is stored with every bit: the warm curves are the cold ones exactly.
    assert.deepEqual(warm.json.curves, cold.json.curves, 'the warm curves equal the cold ones');
    assert.deepEqual(warm.keys, cold.keys, 'the entry is kept');
  } finally {
    await browser.close();
  }
});

/** Another build: the page's module with a custom section appended (still a valid module). */
function rebuiltWasm() {
  const wasm = readFileSync(join(REPO_ROOT, 'pkg', 'recon_align_bg.wasm'));
  const name = Buffer.from('recon-align-test-build');
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from('changed')]);
  return Buffer.concat([wasm, Buffer.from([0, payload.length]), payload]);
}

/** The bundled digits with one pixel changed (`changed`, gzipped), also written to `file`. */
function changedDigits() {
  const raw = gunzipSync(readFileSync(join(REPO_ROOT, 'www', 'data', 'mnist.bin')));
  const HEADER = 32; // src/dataset/formats.rs BUNDLED_HEADER
  raw[HEADER + 14 * 28 + 14] = 255 - raw[HEADER + 14 * 28 + 14];
  const changed = gzipSync(raw);
  const file = join(mkdtempSync(join(tmpdir(), 'recon-align-cache-')), 'changed.bin');
  writeFileSync(file, changed);
  return { changed, file };
}

test('a changed build or a changed dataset is not served the old entry', async () => {
  const { browser, context } = await profile();
  try {
    const cold = await visit(context);
    assert.equal(cold.gram, 'computed');
    const rebuilt = rebuiltWasm();
    await context.route(/recon_align_bg\.wasm$/, (r) => r.fulfill({ contentType: 'application/wasm', body: rebuilt }));
    const otherBuild = await visit(context);
    assert.equal(otherBuild.gram, 'computed', 'a changed build computes G');
    assertCli(otherBuild.json, 'mnist', 'changed build');
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    assert.equal(otherBuild.keys.length, 1, 'the old build\'s entry is replaced');
    assert.ok(otherBuild.keys[0].endsWith(`-${sha(rebuilt)}`), `keyed by the new build: ${otherBuild.keys[0]}`);
    assert.ok(otherBuild.keys[0].includes(sha(readFileSync(join(REPO_ROOT, 'www', 'data', 'mnist.bin')))), 'and by the data');

    // Another dataset under the same name.
    const { changed, file } = changedDigits();
    await context.route(/\/www\/data\/mnist\.bin$/, (r) => r.fulfill({ contentType: 'application/octet-stream', body: changed }));
    const otherData = await visit(context);
    assert.equal(otherData.gram, 'computed', 'changed data computes G');
    assertCli(otherData.json, file, 'changed data');
    assert.ok(otherData.keys[0].includes(sha(changed)), 'keyed by the new data');
    // The changed pixel moves the curve: had the old G been served, this would fail.
    assert.notDeepEqual(otherData.json.curves, otherBuild.json.curves, 'the curves follow the data');
  } finally {
    await browser.close();
  }
});

test('a truncated, corrupted or mismatched entry is ignored and replaced', async () => {
  const { browser, context } = await profile();
  try {
    const cold = await visit(context);
    assert.equal(cold.gram, 'computed');
    for (const [what, expected] of [['truncated', 'corrupt'], ['flipped', 'corrupt'], ['other-n', 'refused']]) {
      await damageEntry(context, what);
      const v = await visit(context);
      assert.equal(v.gram, expected, `${what}: the entry is not used`);
      assertCli(v.json, 'mnist', what);
      assert.deepEqual(v.json.curves, cold.json.curves, `${what}: the same curves as the first visit`);
      const again = await visit(context);
      assert.equal(again.gram, 'cache', `${what}: the entry was stored again, sound`);
    }
  } finally {
    await browser.close();
  }
});

/** Waits until the cache of results in `context` holds the dataset and both curves of `noise`. */
async function resultsStored(context, noise = NOISE) {
  const wanted = ['dataset', 'curve?' + encodeURIComponent(JSON.stringify([['noise', 'none']])),
    'curve?' + encodeURIComponent(JSON.stringify([['noise', noise]]))];
  for (const until = Date.now() + 60_000; ;) {
    const urls = await entriesOf(context, RESULTS);
    if (wanted.every((w) => urls.some((u) => u.split('/').pop().startsWith(w)))) return urls;
    assert.ok(Date.now() < until, `the visit stored the dataset and both curves within 60 s: ${urls.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a repeat visit draws the figure from the cache of results, with the same numbers', async () => {
  const { browser, context } = await profile();
  try {
    const cold = await visit(context, { results: true });
    assert.doesNotMatch(cold.label, FROM_CACHE, 'a fresh profile computes the curves');
    assertCli(cold.json, 'mnist', 'cold visit');
    await resultsStored(context);
    const warm = await visit(context, { results: true });
    assert.match(warm.label, /all results from this browser's cache/, 'both curves come from the cache, and the row says so');
    // Every bit is kept (typed arrays, NaN and -0 included): the warm figure is the cold one.
    assert.deepEqual(warm.json, cold.json, 'the warm export equals the cold one');
    assertCli(warm.json, 'mnist', 'warm visit');
    // Settings the cache holds only part of: the clean curve comes from it, the noisy one is
    // computed by a worker, which got the data once the cached figure was drawn.
    const other = await visit(context, { results: true, link: LINK.replace('sigma=0.5', 'sigma=0.75') });
    assert.match(other.label, /1 of 2 results from this browser's cache/, other.label);
    assertCli(other.json, 'mnist', 'a setting not cached', 'gaussian:0.75');
  } finally {
    await browser.close();
  }
});

test('the cache of results serves no changed build, no changed data and no corrupt entry', async () => {
  const { browser, context } = await profile();
  try {
    const cold = await visit(context, { results: true });
    await resultsStored(context);
    const sha = (b) => createHash('sha256').update(b).digest('hex');

    // A corrupt entry (one bit of the noisy curve flipped, its length kept): not served, computed
    // again, and the same numbers.
    await onSite(context, async ([store, noise]) => {
      const cache = await caches.open(store);
      const req = (await cache.keys()).find((r) => r.url.includes(encodeURIComponent(noise)));
      const bytes = new Uint8Array(await (await cache.match(req)).arrayBuffer());
      bytes[bytes.length - 10] ^= 1;
      await cache.put(req, new Response(bytes));
    }, [RESULTS, NOISE]);
    const corrupt = await visit(context, { results: true });
    assert.match(corrupt.label, /1 of 2 results from this browser's cache/, `only the sound entry is served: ${corrupt.label}`);
    assert.deepEqual(corrupt.json.curves, cold.json.curves, 'the curve computed again equals the first');

    const rebuilt = rebuiltWasm();
    await context.route(/recon_align_bg\.wasm$/, (r) => r.fulfill({ contentType: 'application/wasm', body: rebuilt }));
    const otherBuild = await visit(context, { results: true });
    assert.doesNotMatch(otherBuild.label, FROM_CACHE, 'a changed build computes its curves');
    assertCli(otherBuild.json, 'mnist', 'changed build');
    const urls = await resultsStored(context);
    assert.ok(urls.every((u) => u.includes(`-${sha(rebuilt)}/`)), `only the new build's results are kept: ${urls.join(', ')}`);

    // Changed data under the same name.
    const { changed, file } = changedDigits();
    await context.route(/\/www\/data\/mnist\.bin$/, (r) => r.fulfill({ contentType: 'application/octet-stream', body: changed }));
    const otherData = await visit(context, { results: true });
    assert.doesNotMatch(otherData.label, FROM_CACHE, 'changed data computes its curves');
    assertCli(otherData.json, file, 'changed data');
    assert.notDeepEqual(otherData.json.curves, otherBuild.json.curves, 'the curves follow the data');
    const after = await resultsStored(context);
    assert.ok(after.every((u) => u.includes(`/${sha(changed)}-`)), `only the new data's results are kept: ${after.join(', ')}`);
  } finally {
    await browser.close();
  }
});
