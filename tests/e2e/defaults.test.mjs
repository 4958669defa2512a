// One set of defaults: the page's state table (www/state.js) asks for the same default training
// run as the Rust TrainSettings::default() that `recon-align train` uses, read from the real wasm
// module the page ships (pkg/, built by `cargo xtask dist` before these tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults, trainSettings } from '../../www/state.js';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pkg');

test("the page's default training run is Rust's TrainSettings::default()", async () => {
  const wasm = await import(join(PKG, 'recon_align.js'));
  await wasm.default({ module_or_path: await readFile(join(PKG, 'recon_align_bg.wasm')) });
  const rust = wasm.defaultTrainSettings();
  const page = trainSettings(defaults(), Infinity);
  assert.deepEqual(Object.keys(page).sort(), Object.keys(rust).sort());
  assert.deepEqual(page, rust);
});
