// The shipped site carries no benchmark code: dist/ (built by `cargo xtask dist`, served at
// RECON_ALIGN_URL) has no bench directory and its wasm-bindgen JS exports none of the entry points
// of src/web/bench.rs, which only the bench site's wasm (`--features bench`, RECON_ALIGN_BENCH_URL)
// exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BASE_URL, BENCH_URL, REPO_ROOT } from './browser.mjs';

const DIST = join(REPO_ROOT, 'dist');

/** The JS names of the wasm exports in src/web/bench.rs (`js_name = x`, else the fn's name). */
function benchExports() {
  const source = readFileSync(join(REPO_ROOT, 'src/web/bench.rs'), 'utf8');
  const names = [];
  for (const m of source.matchAll(/#\[wasm_bindgen(?:\(([^)]*)\))?\]\s*pub\s+(?:async\s+)?fn\s+(\w+)/g)) {
    const jsName = /js_name\s*=\s*"?(\w+)"?/.exec(m[1] ?? '');
    names.push(jsName ? jsName[1] : m[2]);
  }
  return names;
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : []);
}

test('src/web/bench.rs names its wasm entry points', () => {
  assert.deepEqual(benchExports().sort(), ['benchGemm', 'benchGram', 'benchTraining', 'gpuCheck']);
});

test('dist/ has no bench directory and its pkg exports no benchmark entry point', async () => {
  assert.ok(existsSync(join(DIST, 'pkg')), 'dist/ is built (cargo xtask dist)');
  const benchDirs = walk(DIST).filter((d) => /bench/i.test(d.split(/[\\/]/).pop()));
  assert.deepEqual(benchDirs.map((d) => relative(DIST, d)), [], 'no bench directory in dist/');
  const scripts = readdirSync(join(DIST, 'pkg')).filter((f) => f.endsWith('.js'));
  assert.ok(scripts.length > 0, 'dist/pkg has the wasm-bindgen JS');
  for (const file of scripts) {
    const js = readFileSync(join(DIST, 'pkg', file), 'utf8');
    // ...nor the fault injection of the recovery tests (src/web/fault.rs).
    for (const name of [...benchExports(), 'faultForTest']) {
      assert.ok(!new RegExp(`\\b${name}\\b`).test(js), `dist/pkg/${file} mentions ${name}`);
    }
  }
  // And the served site (RECON_ALIGN_URL) has no benchmark page where it used to be.
  for (const path of ['www/bench/', 'www/bench/bench.js', 'bench/', 'bench/bench.js']) {
    const resp = await fetch(new URL(path, BASE_URL));
    assert.equal(resp.status, 404, `${path} is not served by the product site`);
  }
});

test('the bench site\'s wasm exports every benchmark entry point', async () => {
  assert.ok(BENCH_URL, 'RECON_ALIGN_BENCH_URL names the bench site\'s page (cargo xtask test sets it)');
  const resp = await fetch(new URL('../pkg/recon_align.js', BENCH_URL));
  assert.equal(resp.status, 200);
  const js = await resp.text();
  for (const name of [...benchExports(), 'faultForTest']) {
    assert.match(js, new RegExp(`export\\s+(async\\s+)?function\\s+${name}\\b`), `${name} is exported`);
  }
});
