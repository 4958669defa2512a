// bench/device/dawn.mjs, the device check that runs the wasm module's worker tasks on WebGPU
// through Dawn (npm `webgpu`) in Node, checked on whatever machine runs the suite: where Dawn
// finds no adapter (Mesa lavapipe) it must say so and run only the wasm's CPU path; where it finds
// one, its GPU rows must agree with the CPU path. Either way, the CPU numbers it prints are checked
// against computations made here from the bytes of www/data/mnist.bin.
//
// The wasm package is the bench site's (`--features bench`): RECON_ALIGN_BENCH_PKG names it,
// else target/bench-site/pkg (`cargo xtask test` builds it). Without it the test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'webgpu';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'bench', 'device', 'dawn.mjs');
const PKG = resolve(ROOT, process.env.RECON_ALIGN_BENCH_PKG || join('target', 'bench-site', 'pkg'));
const MNIST = join(ROOT, 'www', 'data', 'mnist.bin');
// A multiple of 5, so that the page's 20% held-out split leaves exactly 4n/5 training images.
const N = 2000;
// The same tolerances as tests/e2e/gpu.test.mjs for gpuCheck, and 1e-3 for two epochs of training.
const CHECK_TOLERANCE = 1e-4;
const TRAINING_TOLERANCE = 1e-3;
const CHECKS = ['gram', 'dae loss', 'dae encoder', 'dae decoder',
  'mlp loss', 'mlp dW1', 'mlp db1', 'mlp dW2', 'mlp db2'];

function runDawn(args) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  const rows = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return { status: r.status, rows, stderr: r.stderr, byWork: (w) => rows.find((row) => row.work === w) };
}

// The first n digits of the bundle (gzip'd: 8 magic bytes, version, N, C, H, W, classes as
// little-endian u32, N*D pixel bytes, N label bytes), read here without the wasm.
function readDigits(n) {
  const raw = gunzipSync(readFileSync(MNIST));
  assert.equal(raw.subarray(0, 8).toString('latin1'), 'RECALIGN');
  const field = (i) => raw.readUInt32LE(8 + 4 * i);
  const [total, c, h, w] = [field(1), field(2), field(3), field(4)];
  const d = c * h * w;
  return {
    n, d,
    pixels: raw.subarray(32, 32 + n * d),
    labels: raw.subarray(32 + total * d, 32 + total * d + n),
  };
}

// G = X^T X of the pixels / 255 centred by their own means and divided by their global standard
// deviation (so trace G = n D), plus the ridge 1e-6 trace(G) / D of docs/maths.md: D x D, f64.
function gramOf({ n, d, pixels }) {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += pixels[i * d + j] / 255 / n;
  const xt = new Float64Array(d * n); // X transposed: row j holds pixel j of every image
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = pixels[i * d + j] / 255 - mean[j];
      xt[j * n + i] = v;
      sumSq += v * v;
    }
  }
  const scaleSq = sumSq / (n * d);
  const g = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0, oa = a * n, ob = b * n; i < n; i++) s += xt[oa + i] * xt[ob + i];
      g[a * d + b] = g[b * d + a] = s / scaleSq;
    }
  }
  let trace = 0;
  for (let j = 0; j < d; j++) trace += g[j * d + j];
  const ridge = 1e-6 * trace / d;
  for (let j = 0; j < d; j++) g[j * d + j] += ridge;
  return g;
}

// Eigenvalues of a symmetric n x n matrix (row-major, overwritten), decreasing: Householder
// reduction to tridiagonal form, then the implicit QL iteration with Wilkinson-like shifts.
function symmetricEigenvalues(a, n) {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    let scale = 0;
    for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k]);
    if (l === 0 || scale === 0) {
      e[i] = a[i * n + l];
      continue;
    }
    for (let k = 0; k <= l; k++) {
      a[i * n + k] /= scale;
      h += a[i * n + k] * a[i * n + k];
    }
    let f = a[i * n + l];
    const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
    e[i] = scale * g;
    h -= f * g;
    a[i * n + l] = f - g;
    f = 0;
    for (let j = 0; j <= l; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += a[j * n + k] * a[i * n + k];
      for (let k = j + 1; k <= l; k++) s += a[k * n + j] * a[i * n + k];
      e[j] = s / h;
      f += e[j] * a[i * n + j];
    }
    const hh = f / (h + h);
    for (let j = 0; j <= l; j++) {
      const fj = a[i * n + j];
      const gj = e[j] - hh * fj;
      e[j] = gj;
      for (let k = 0; k <= j; k++) a[j * n + k] -= fj * e[k] + gj * a[i * n + k];
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    let m;
    do {
      for (m = l; m < n - 1; m++) {
        if (Math.abs(e[m]) <= Number.EPSILON * (Math.abs(d[m]) + Math.abs(d[m + 1]))) break;
      }
      if (m === l) break;
      assert.ok(iterations++ < 60, 'the QL iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i;
      for (i = m - 1; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (m !== l);
  }
  return Array.from(d).sort((x, y) => y - x);
}

test('dawn.mjs: Dawn\'s adapter (or its absence) reported honestly, the CPU path checked independently', async () => {
  assert.ok(existsSync(join(PKG, 'recon_align.js')) && existsSync(join(PKG, 'recon_align_bg.wasm')),
    `the bench site's wasm package is missing at ${PKG}: build it (cargo xtask test) or set RECON_ALIGN_BENCH_PKG`);
  assert.ok(existsSync(MNIST), 'www/data/mnist.bin is missing: cargo xtask data builds it');
  const adapter = await create([]).requestAdapter();
  const run = runDawn([PKG, MNIST, String(N)]);
  assert.equal(run.status, 0, `dawn.mjs exited with ${run.status}:\n${run.stderr}`);
  for (const row of run.rows) {
    assert.equal(row.part, 'dawn');
    for (const key of ['work', 'gpu', 'cpu', 'unit', 'agreement', 'detail']) assert.ok(key in row, `${row.work} has ${key}`);
  }
  const found = run.byWork('adapter').detail;
  const verdict = run.byWork('verdict');
  assert.equal(verdict.detail.exit, 0);
  const gpuWorks = ['gram', 'gemm', 'dae epoch', ...CHECKS.map((c) => `check ${c}`)];

  if (adapter === null) {
    // No adapter here: exactly that, in one plain line, and not one GPU number.
    assert.equal(found.found, false);
    assert.equal(found.reason, "no WebGPU adapter: Dawn's navigator.gpu.requestAdapter() resolved null");
    assert.match(run.stderr, /^dawn: no WebGPU adapter: Dawn's navigator\.gpu\.requestAdapter\(\) resolved null; the GPU parts did not run/m);
    // wgpu inside the wasm asked Dawn's navigator.gpu (its worker branch) and found no adapter.
    assert.equal(found.wasm_asked_dawn, true, 'wgpu in the wasm called Dawn\'s requestAdapter');
    assert.equal(found.wasm_backend.kind, 'cpu');
    assert.match(found.wasm_backend.detail, /webgpu found no adapters/);
    for (const w of gpuWorks) assert.equal(run.byWork(w), undefined, `no ${w} row without an adapter`);
    for (const row of run.rows.filter((r) => r.work !== 'verdict')) assert.equal(row.gpu, null, `${row.work} claims a GPU number`);
    assert.equal(verdict.gpu, false);
  } else {
    assert.equal(found.found, true);
    assert.equal(found.wasm_asked_dawn, true, 'wgpu in the wasm called Dawn\'s requestAdapter');
    assert.equal(found.wasm_backend.kind, 'webgpu', 'the wasm reached Dawn\'s adapter');
    for (const c of CHECKS) {
      const row = run.byWork(`check ${c}`);
      assert.ok(row, `gpuCheck reported ${c}`);
      assert.equal(row.detail.backend, 'BrowserWebGpu');
      const relative = row.detail.max_abs_error / Math.max(row.detail.reference_max_abs, Number.MIN_VALUE);
      assert.ok(relative <= CHECK_TOLERANCE, `${c}: relative error ${relative} > ${CHECK_TOLERANCE}`);
    }
    for (const w of ['gram', 'gemm', 'dae epoch']) {
      const row = run.byWork(w);
      assert.ok(row && row.gpu > 0 && row.cpu > 0, `${w}: GPU and CPU numbers`);
    }
    const t = run.byWork('dae epoch').detail;
    assert.ok(Math.abs(t.gpu_loss - t.cpu_loss) <= TRAINING_TOLERANCE * t.cpu_loss, `losses ${t.gpu_loss} vs ${t.cpu_loss}`);
    assert.equal(verdict.gpu, true);
  }

  // The CPU path, on either machine, against the bytes of mnist.bin read here.
  const digits = readDigits(N);
  const summary = run.byWork('page summary').detail;
  assert.equal(summary.n, N);
  assert.equal(summary.d, digits.d);
  const counts = new Array(summary.classes).fill(0);
  for (const y of digits.labels) counts[y] += 1;
  assert.deepEqual(summary.class_counts, counts);
  assert.ok(run.byWork('page gram').cpu > 0);

  // Each variance share of the alignment's scale, sum_{i<=K} lambda_i / sum_i lambda_i, from
  // eigenvalues computed here from the digits.
  const alignment = run.byWork('page alignment').detail;
  const lambda = symmetricEigenvalues(gramOf(digits), digits.d);
  const total = lambda.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - N * digits.d * (1 + 1e-6)) <= 1e-9 * total, 'the eigenvalues keep the trace');
  alignment.scale.pca_dims.forEach((k, i) => {
    const share = lambda.slice(0, k).reduce((a, b) => a + b, 0) / total;
    assert.ok(Math.abs(alignment.scale.pca_variance[i] - share) <= 1e-8,
      `K = ${k}: variance share ${alignment.scale.pca_variance[i]}, here ${share}`);
  });
  // The clean alignment grows with K and reaches 100% when the code keeps all D directions.
  const curve = alignment.alignment;
  assert.equal(curve.length, digits.d);
  curve.slice(1).forEach((a, k) => assert.ok(a >= curve[k] - 1e-9, `alignment falls at K = ${k + 2}`));
  assert.ok(Math.abs(curve.at(-1) - 100) <= 1e-6);

  // One CPU epoch: the training part is 4N/5 images, centred and scaled to unit mean square, so
  // its spectrum sums to trace G = (4N/5) D, times 1 + 1e-6 for the ridge; a first epoch from
  // small weights stays above the closed-form optimum of the expected loss.
  const epoch = run.byWork('page dae epoch');
  assert.equal(epoch.detail.backend, 'cpu');
  assert.ok(epoch.cpu > 0, 'samples per second');
  const trainTrace = (4 * N / 5) * digits.d * (1 + 1e-6);
  assert.ok(Math.abs(epoch.detail.spectrum_sum - trainTrace) <= 1e-9 * trainTrace,
    `spectrum sum ${epoch.detail.spectrum_sum}, trace ${trainTrace}`);
  assert.ok(epoch.detail.optimum > 0 && epoch.detail.loss > epoch.detail.optimum);
  assert.ok(Math.abs(epoch.detail.gap - (epoch.detail.loss - epoch.detail.optimum)) <= 1e-9 * epoch.detail.loss);
});

test('dawn.mjs: distinct exit codes for bad input and for a wasm that does not load', () => {
  const usage = runDawn([]);
  assert.equal(usage.status, 2, usage.stderr);
  const noDigits = runDawn([PKG, join(ROOT, 'no-such-digits.bin')]);
  assert.equal(noDigits.status, 2, noDigits.stderr);
  const noWasm = runDawn([join(ROOT, 'www'), MNIST]);
  assert.equal(noWasm.status, 3, noWasm.stderr);
  const verdict = noWasm.byWork('verdict');
  assert.equal(verdict.detail.exit, 3);
  assert.match(verdict.detail.reason, /the wasm failed to load/);
  assert.equal(verdict.gpu, false);
});
