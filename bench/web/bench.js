// The GPU check and benchmark page, served only by the bench site (`cargo xtask bench browser`,
// `cargo xtask test`: the page at bench/, next to a wasm package built with `--features bench`).
// It drives the wasm exports of src/web/bench.rs and, for the benchmark, the same products through
// TensorFlow.js's WebGPU backend when ./bench-vendor/ serves it (bench/bench.mjs routes that path
// to node_modules, so no site ships TF.js).
// Results land on window.reconAlignCheck / window.reconAlignBench for the browser scripts.
import init, { gpuCheck, benchGram, benchGemm, benchTraining } from '../pkg/recon_align.js';

const params = new URLSearchParams(location.search);
const number = (name, fallback) => Number(params.get(name) ?? fallback);
const status = document.getElementById('status');
const say = (text, state = 'running') => { status.textContent = text; status.dataset.state = state; };

async function loadDigits() {
  const resp = await fetch(new URL('../www/data/mnist.bin', import.meta.url));
  if (!resp.ok) throw new Error(`cannot fetch the bundled digits (${resp.status})`);
  return new Uint8Array(await resp.arrayBuffer());
}

// Browsers may hide the adapter name from wgpu; vendor and architecture usually remain.
async function adapterInfo() {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return null;
  const { vendor, architecture, device, description } = adapter.info ?? {};
  return { vendor, architecture, device, description };
}

// Best of the timed runs: on a small shared machine the slower runs measure the neighbours.
const best = (xs) => Math.min(...xs);

function table(rows) {
  const head = Object.keys(rows[0]);
  const cells = (r, tag) => `<tr>${r.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
  return `<table>${cells(head, 'th')}${rows.map((r) => cells(head.map((h) => r[h]), 'td')).join('')}</table>`;
}

async function check() {
  const n = number('n', 2000);
  say(`Checking WebGPU against the CPU on ${n} digits…`);
  const report = await gpuCheck(await loadDigits(), n);
  report.adapterInfo = await adapterInfo();
  document.getElementById('results').innerHTML = table(report.checks.map((c) => ({
    check: c.what, 'max |GPU - CPU|': c.max_abs_error.toExponential(2),
    'max |CPU|': c.max_abs_error === 0 && c.reference_max_abs === 0 ? '0' : c.reference_max_abs.toPrecision(4),
    relative: c.relative_error.toExponential(2),
  })));
  return report;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

// TF.js WebGPU: the same shapes, inputs already on the device, timed up to the readback.
async function tfjsTimes(n, size, reps, only) {
  await loadScript('./bench-vendor/tf.min.js');
  await loadScript('./bench-vendor/tf-backend-webgpu.min.js');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js has no WebGPU backend here');
  await tf.ready();
  const d = 784;
  const out = { version: tf.version.tfjs, backend: tf.getBackend() };
  const time = async (product) => {
    const ms = [];
    for (let r = 0; r <= reps; r++) {
      const t = performance.now();
      const c = product();
      await c.data();
      c.dispose();
      if (r > 0) ms.push(performance.now() - t); // r = 0 is the warm-up (shader compilation)
    }
    return ms;
  };
  // Pixel values only set the data, not the work: bytes / 255 of a fixed pattern stand in for X
  // (the bundled digits are stored compressed; our side inflates them in the wasm).
  if (only.has('gram')) {
    const x = tf.tensor2d(Float32Array.from({ length: n * d }, (_, i) => ((i * 7919) % 256) / 255), [n, d]);
    out.gram_ms = await time(() => tf.matMul(x, x, true, false));
    x.dispose();
  }
  if (!only.has('gemm')) return out;
  const values = (salt) => Float32Array.from({ length: size * size }, (_, i) => (((i * 7919 + salt) % 1000) - 500) / 500);
  const a = tf.tensor2d(values(1), [size, size]);
  const b = tf.tensor2d(values(2), [size, size]);
  out.gemm_ms = await time(() => tf.matMul(a, b));
  a.dispose();
  b.dispose();
  return out;
}

async function bench() {
  const n = number('n', 10000);
  const size = number('size', 784);
  const reps = number('reps', 2);
  const trainN = number('train_n', 2048);
  const k = number('k', 64);
  // only=gram,gemm (any of gram, gemm, training) runs just those products (default: all three).
  const only = new Set((params.get('only') ?? 'gram,gemm,training').split(','));
  const digits = await loadDigits();
  const out = { adapterInfo: await adapterInfo(), n, size, reps, only: [...only] };
  if (only.has('gram')) {
    say(`Gram of ${n} digits (WebGPU, then wasm CPU)…`);
    out.gram = await benchGram(digits, n, reps);
  }
  if (only.has('gemm')) {
    say(`GEMM ${size}³ (WebGPU, then wasm CPU)…`);
    out.gemm = await benchGemm(size, reps);
  }
  if (only.has('training')) {
    say(`DAE training on ${trainN} digits, K=${k} (WebGPU, then wasm CPU)…`);
    out.training = await benchTraining(digits, trainN, k);
  }
  say('TF.js WebGPU…');
  try {
    out.tfjs = await tfjsTimes(n, size, reps, only);
  } catch (e) {
    out.tfjs = { error: String(e?.message ?? e) };
  }
  const gflops = (flops, ms) => (flops / (ms * 1e6)).toFixed(2);
  const rows = [];
  for (const [kernel, ours, theirs] of [['gram', out.gram, out.tfjs.gram_ms], ['gemm', out.gemm, out.tfjs.gemm_ms]]) {
    if (!ours) continue;
    const [g, c] = [best(ours.gpu_ms), best(ours.cpu_ms)];
    const t = theirs ? best(theirs) : NaN;
    rows.push({
      kernel, 'ours WebGPU ms': g.toFixed(0), 'GFLOP/s': gflops(ours.flops, g),
      'wasm CPU ms': c.toFixed(0), 'CPU GFLOP/s': gflops(ours.flops, c),
      'TF.js WebGPU ms': theirs ? t.toFixed(0) : '-', 'TF.js GFLOP/s': theirs ? gflops(ours.flops, t) : '-',
      'ours / TF.js': theirs ? (g / t).toFixed(2) : '-',
    });
  }
  out.summary = rows;
  document.getElementById('results').innerHTML = (rows.length ? table(rows) : '')
    + (!out.training ? '' : `<p>DAE training (K=${k}, mask 2x2 p=0.5, B=${out.training.batch}): `
    + `WebGPU ${out.training.gpu_samples_per_second.toFixed(0)} samples/s, `
    + `wasm CPU ${out.training.cpu_samples_per_second.toFixed(0)} samples/s.</p>`);
  return out;
}

async function main() {
  await init();
  if (params.has('check')) {
    window.reconAlignCheck = await check();
  } else if (params.has('bench')) {
    window.reconAlignBench = await bench();
  } else {
    say('Choose ?check=1 or ?bench=1.', 'idle');
    return;
  }
  const result = window.reconAlignCheck ?? window.reconAlignBench;
  document.getElementById('raw').textContent = JSON.stringify(result, null, 2);
  say('Done.', 'done');
}

main().catch((e) => {
  const error = String(e?.message ?? e);
  if (params.has('check')) window.reconAlignCheck = { error };
  if (params.has('bench')) window.reconAlignBench = { error };
  say(`Failed: ${error}`, 'failed');
});
