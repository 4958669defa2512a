// The one list of bundled datasets, www/datasets.json, against what the page derives from it: the
// data menu of index.html as served (written by `cargo xtask dist`), the URL state's allowed
// values and default, and the page's download table. The command line's `--data NAME` is checked
// against the same file by tests/bundled_datasets.rs, the files `cargo xtask data` writes by the
// xtask's tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL, REPO_ROOT } from './browser.mjs';
import { SCHEMA, parseHash, defaults } from '../../www/state.js';
import { BUNDLED } from '../../www/bundled.js';

const TABLE = JSON.parse(readFileSync(join(REPO_ROOT, 'www/datasets.json'), 'utf8'));

test('the table lists distinct datasets, each with every field', () => {
  assert.ok(TABLE.length >= 2);
  for (const key of ['name', 'file', 'label', 'source']) {
    assert.equal(new Set(TABLE.map((row) => row[key])).size, TABLE.length, `each ${key} once`);
    for (const row of TABLE) assert.ok(typeof row[key] === 'string' && row[key].length > 0, `${row.name}: ${key}`);
  }
});

test('the served page offers exactly the table in its data menu, in order, with no script run', async () => {
  const resp = await fetch(BASE_URL);
  assert.equal(resp.status, 200);
  const html = await resp.text();
  const select = html.match(/<select id="ctl-data"[^>]*>([\s\S]*?)<\/select>/);
  assert.ok(select, 'the page has its data menu');
  const options = [...select[1].matchAll(/<option value="([^"]*)">([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(options, TABLE.map((row) => [row.name, row.label]));
  assert.doesNotMatch(select[1], /<!--/, 'the marker was replaced');
  // The table itself is served next to the modules that import it.
  const json = await fetch(new URL('www/datasets.json', BASE_URL));
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await json.json(), TABLE);
});

test('the URL state accepts each name of the table, defaults to the first, and refuses others', () => {
  const row = SCHEMA.find((r) => r.key === 'data');
  assert.deepEqual(row.values, TABLE.map((r) => r.name));
  assert.equal(defaults().data, TABLE[0].name);
  for (const { name } of TABLE) {
    const { state, problems } = parseHash(`data=${name}`);
    assert.deepEqual(problems, [], name);
    assert.equal(state.data, name);
  }
  for (const other of ['nosuch', 'MNIST', 'mnist.bin', '']) {
    const { state, problems } = parseHash(`data=${encodeURIComponent(other)}`);
    assert.equal(state.data, TABLE[0].name, `${other}: the default`);
    assert.equal(problems.length, 1, `${other}: one problem said`);
  }
});

test('the page downloads each dataset from the file the table names, and names it by its source', () => {
  assert.deepEqual(Object.keys(BUNDLED), TABLE.map((r) => r.name));
  for (const row of TABLE) {
    assert.equal(BUNDLED[row.name].file, row.file);
    assert.equal(BUNDLED[row.name].source, row.source);
  }
});
