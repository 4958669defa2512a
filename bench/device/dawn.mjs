// The page's worker tasks on WebGPU through Dawn (npm `webgpu`, Chrome's WebGPU implementation as
// a Node addon): the wasm module built with `--features bench` runs its GPU Gram, GEMM and DAE
// training against its own CPU path, in Node rather than in a browser.
//
//   node bench/device/dawn.mjs <pkg_dir> <mnist.bin> [n]
//
// pkg_dir holds recon_align.js and recon_align_bg.wasm (target/bench-site/pkg); mnist.bin is the
// bundled digits (www/data/mnist.bin); n (default 2000) is how many of the first digits every
// part uses. wgpu's WebGPU backend finds the GPU as a worker would: through a `WorkerGlobalScope`
// global and `navigator.gpu`, which this script installs with Dawn's `create([])`.
//
// stdout: one JSON object per line, every one of the same shape,
//   {"part":"dawn","work":W,"gpu":G,"cpu":C,"unit":U,"agreement":A,"detail":{...}}
// where G and C are numbers in unit U (null when that side did not run), and A is null or
//   {"relative_error":r,"tolerance":t,"ok":bool} (GPU against the CPU, relative to the CPU's
// largest entry). The works, in order:
//   adapter          what Dawn's requestAdapter() gave (detail.found, detail.reason, detail.info),
//                    what the wasm's detectBackend() saw (detail.wasm_backend) and whether wgpu in
//                    the wasm called Dawn's requestAdapter (detail.wasm_asked_dawn); gpu, cpu and
//                    unit are null
//   check <what>     gpuCheck: Gram, two DAE steps, one MLP step, GPU against CPU (adapter only)
//   gram, gemm       benchGram, benchGemm: best of `REPS` runs in ms, GPU and wasm CPU (adapter only)
//   dae epoch        benchTraining: samples/s of the second epoch, GPU and wasm CPU, with the
//                    two backends' losses as the agreement (adapter only)
//   page summary     Lab.summary() of the first n digits (always; the CPU path of the page)
//   page gram        Lab.prepare(): the worker's f64 Gram of the n digits on the wasm CPU, ms
//                    (detail.nominal_gflops counts 2 n D^2)
//   page alignment   Lab.curve("none"): eigensolve and clean alignment curve, ms; detail holds
//                    the curve's scale and its last value
//   page dae epoch   Lab.train() on the CPU (use_gpu false), one epoch, samples/s; detail holds
//                    the epoch summary's loss, optimum and spectrum sum
//   verdict          detail.exit (the exit code below) and detail.reason; gpu: whether GPU ran
// stderr: a human-readable summary (and whatever Dawn itself prints). Nothing is reported for the
// GPU that the GPU did not compute: without an adapter every gpu field is null.
//
// Exit codes: 0 done (all GPU agreements within tolerance, or no adapter and the CPU path ran);
// 2 usage or unreadable input; 3 the wasm failed to load or its CPU path failed; 4 an adapter was
// found but a GPU export failed; 5 GPU and CPU disagree beyond tolerance; 6 npm `webgpu` cannot be
// loaded (the CPU path still ran). With several failures the lowest of 3, 4, 5, 6 wins.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPS = 3;
const GEMM_SIZE = 784;
const TRAIN_K = 64;
// Relative to the CPU reference's largest entry, as tests/e2e/gpu.test.mjs: the Gram is N sums of
// products (f32 on the GPU against f64), bounded by N * 2^-24 and typically far below; the DAE and
// MLP steps are f32 on both sides with different summation orders.
const CHECK_TOLERANCE = 1e-4;
// benchTraining's second-epoch mean loss: the same order and masks on both backends, f32 with
// different summation orders over two epochs of Adam steps (tests/gpu_training.rs holds 1e-4 per
// epoch on shorter runs).
const TRAINING_TOLERANCE = 1e-3;

const rows = [];
const failures = new Set();
const emit = (work, fields) => {
  const row = { part: 'dawn', work, gpu: null, cpu: null, unit: null, agreement: null, detail: {}, ...fields };
  rows.push(row);
  console.log(JSON.stringify(row));
  return row;
};
const say = (text) => process.stderr.write(`dawn: ${text}\n`);
const message = (e) => String(e?.message ?? e);
const agreement = (relative_error, tolerance) => {
  const ok = Number.isFinite(relative_error) && relative_error <= tolerance;
  if (!ok) failures.add(5);
  return { relative_error, tolerance, ok };
};
const best = (xs) => Math.min(...xs);

function finish(reason) {
  const code = [3, 4, 5, 6].find((c) => failures.has(c)) ?? 0;
  const gpuRan = rows.some((r) => r.gpu !== null);
  emit('verdict', { gpu: gpuRan, detail: { exit: code, reason } });
  say(`${code === 0 ? 'done' : 'FAILED'} (exit ${code}): ${reason}`);
  process.exit(code);
}

// The first n digits of the bundled file as a bundle of their own (the header's N rewritten):
// 8 magic bytes, then version, N, C, H, W, classes as little-endian u32, N*D pixels, N labels.
function firstDigits(bytes, n) {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const field = (i) => view.getUint32(8 + 4 * i, true);
  const [total, c, h, w] = [field(1), field(2), field(3), field(4)];
  const d = c * h * w;
  const keep = Math.min(n, total);
  const out = new Uint8Array(32 + keep * (d + 1));
  out.set(raw.subarray(0, 32));
  new DataView(out.buffer).setUint32(12, keep, true);
  out.set(raw.subarray(32, 32 + keep * d), 32);
  out.set(raw.subarray(32 + total * d, 32 + total * d + keep), 32 + keep * d);
  return out;
}

// Dawn's navigator.gpu, installed where wgpu looks for it: a `WorkerGlobalScope` global (without
// one, wgpu panics that the GPU is only reachable from a window or a worker) and `navigator.gpu`
// (left undefined when npm webgpu cannot be loaded). Returns { gpu } or { error }.
let dawnRequests = 0;
async function installDawn() {
  globalThis.WorkerGlobalScope ??= class WorkerGlobalScope {};
  let gpu;
  let error;
  try {
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    gpu = webgpu.create([]);
    // Counted, so that the adapter row can tell that wgpu inside the wasm asked Dawn.
    const request = gpu.requestAdapter.bind(gpu);
    gpu.requestAdapter = (...args) => { dawnRequests += 1; return request(...args); };
  } catch (e) {
    error = `npm webgpu cannot be loaded: ${message(e)}`;
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
  return error ? { error } : { gpu };
}

async function adapterRow(wasm, dawn) {
  let adapter = null;
  let reason = dawn.error ?? null;
  if (dawn.gpu) {
    try {
      adapter = await dawn.gpu.requestAdapter();
      if (!adapter) reason = "no WebGPU adapter: Dawn's navigator.gpu.requestAdapter() resolved null";
    } catch (e) {
      reason = `no WebGPU adapter: requestAdapter() threw: ${message(e)}`;
    }
  }
  const { vendor, architecture, device, description } = adapter?.info ?? {};
  const info = adapter ? { vendor, architecture, device, description } : null;
  let seen;
  const before = dawnRequests;
  try {
    seen = await wasm.detectBackend();
  } catch (e) {
    seen = { error: message(e) };
  }
  const wasmAskedDawn = dawnRequests > before;
  emit('adapter', { detail: { found: Boolean(adapter), reason, info, wasm_backend: seen, wasm_asked_dawn: wasmAskedDawn } });
  if (adapter) say(`WebGPU adapter through Dawn: ${JSON.stringify(info)}; the wasm sees ${JSON.stringify(seen)}`);
  else say(`${reason}; the GPU parts did not run, only the wasm's CPU path`);
  return Boolean(adapter);
}

async function gpuParts(wasm, bundled, n) {
  const step = async (what, run) => {
    try {
      return await run();
    } catch (e) {
      failures.add(4);
      emit(what, { detail: { error: message(e) } });
      say(`${what} on WebGPU failed: ${message(e)}`);
      return null;
    }
  };
  const report = await step('check', () => wasm.gpuCheck(bundled, n));
  for (const c of report?.checks ?? []) {
    const { max_abs_error, reference_max_abs } = c;
    emit(`check ${c.what}`, {
      agreement: agreement(c.relative_error, CHECK_TOLERANCE),
      detail: { max_abs_error, reference_max_abs, n: report.n, backend: report.backend, adapter: report.adapter },
    });
  }
  for (const [work, run, size] of [
    ['gram', () => wasm.benchGram(bundled, n, REPS), { n }],
    ['gemm', () => wasm.benchGemm(GEMM_SIZE, REPS), { size: GEMM_SIZE }],
  ]) {
    const t = await step(work, run);
    if (!t) continue;
    const [gpu, cpu] = [best(t.gpu_ms), best(t.cpu_ms)];
    const gflops = { gpu: t.flops / (gpu * 1e6), cpu: t.flops / (cpu * 1e6) };
    emit(work, { gpu, cpu, unit: 'ms', detail: { ...size, reps: REPS, flops: t.flops, gflops, gpu_ms: t.gpu_ms, cpu_ms: t.cpu_ms, adapter: t.adapter, device_type: t.device_type } });
  }
  const tr = await step('dae epoch', () => wasm.benchTraining(bundled, n, TRAIN_K));
  if (tr) {
    const rel = Math.abs(tr.gpu_loss - tr.cpu_loss) / Math.abs(tr.cpu_loss);
    emit('dae epoch', {
      gpu: tr.gpu_samples_per_second, cpu: tr.cpu_samples_per_second, unit: 'samples/s',
      agreement: agreement(rel, TRAINING_TOLERANCE),
      detail: { n: tr.n, k: tr.k, batch: tr.batch, gpu_loss: tr.gpu_loss, cpu_loss: tr.cpu_loss, adapter: tr.adapter },
    });
  }
}

// The page's worker tasks on the wasm CPU path, which run with or without an adapter.
async function cpuParts(wasm, digits) {
  const timed = (run) => {
    const t = performance.now();
    const value = run();
    return [value, performance.now() - t];
  };
  const lab = wasm.Lab.fromBundled(digits);
  const summary = lab.summary();
  emit('page summary', { detail: summary });
  const [, gramMs] = timed(() => lab.prepare());
  // Nominal work 2 n D^2, as benchGram counts it (the page's Gram may do less: it starts from bytes).
  const flops = 2 * summary.n * summary.d * summary.d;
  emit('page gram', { cpu: gramMs, unit: 'ms', detail: { n: summary.n, d: summary.d, nominal_flops: flops, nominal_gflops: flops / (gramMs * 1e6) } });
  const [curve, curveMs] = timed(() => lab.curve('none'));
  const last = curve.alignment[curve.alignment.length - 1];
  emit('page alignment', { cpu: curveMs, unit: 'ms', detail: { widths: curve.alignment.length, alignment_at_d: last, alignment: curve.alignment, scale: curve.scale } });
  const settings = { ...wasm.defaultTrainSettings(), epochs: 1 };
  const epochs = [];
  const notices = [];
  const done = await lab.train(settings, 1, false, (s) => { epochs.push(s); return true; }, (t) => notices.push(String(t)));
  const e = epochs.at(-1);
  if (!e || done.backend !== 'cpu') throw new Error(`the CPU training gave ${JSON.stringify(done)}`);
  const spectrumSum = e.spectrum.reduce((a, b) => a + b, 0);
  emit('page dae epoch', {
    cpu: e.samples_per_sec, unit: 'samples/s',
    detail: { settings, backend: done.backend, epochs: done.epochs, loss: e.loss, optimum: e.optimum, gap: e.gap, alignment: e.alignment, probe_acc: e.probe_acc, spectrum_sum: spectrumSum, d: e.spectrum.length, notices },
  });
  const sane = [gramMs, curveMs, e.samples_per_sec].every((v) => Number.isFinite(v) && v > 0)
    && Number.isFinite(e.loss) && e.loss > 0 && Math.abs(last - 100) < 1e-6;
  if (!sane) throw new Error('the CPU path gave a non-finite or non-positive number, or alignment(D) is not 100%');
  say(`wasm CPU (${summary.n} digits): page Gram ${gramMs.toFixed(0)} ms (${(flops / (gramMs * 1e6)).toFixed(2)} nominal GFLOP/s), `
    + `eigensolve and curve ${curveMs.toFixed(0)} ms, DAE epoch ${e.samples_per_sec.toFixed(0)} samples/s (loss ${e.loss.toFixed(2)}, optimum ${e.optimum.toFixed(2)})`);
}

function humanGpuSummary() {
  for (const r of rows) {
    if (r.work.startsWith('check ') && r.agreement) {
      say(`${r.work}: relative error ${r.agreement.relative_error.toExponential(2)} (tolerance ${r.agreement.tolerance}) ${r.agreement.ok ? 'ok' : 'DISAGREES'}`);
    } else if (r.gpu !== null && r.cpu !== null && r.work !== 'verdict') {
      const extra = r.agreement ? `, losses ${r.detail.gpu_loss} vs ${r.detail.cpu_loss} ${r.agreement.ok ? 'ok' : 'DISAGREE'}` : '';
      say(`${r.work}: WebGPU ${r.gpu.toFixed(2)} ${r.unit}, wasm CPU ${r.cpu.toFixed(2)} ${r.unit}${extra}`);
    }
  }
}

async function main() {
  const [pkgDir, mnistPath, nArg = '2000'] = process.argv.slice(2);
  const n = Number(nArg);
  if (!pkgDir || !mnistPath || !Number.isInteger(n) || n < 1) {
    say('usage: node bench/device/dawn.mjs <pkg_dir> <mnist.bin> [n]');
    process.exit(2);
  }
  let bundled;
  try {
    bundled = new Uint8Array(readFileSync(mnistPath));
  } catch (e) {
    say(`cannot read the digits: ${message(e)}`);
    process.exit(2);
  }
  // Dawn first, so that the wasm's first look at navigator.gpu finds it.
  const dawn = await installDawn();
  if (dawn.error) failures.add(6);
  let wasm;
  try {
    wasm = await import(pathToFileURL(resolve(join(pkgDir, 'recon_align.js'))).href);
    wasm.initSync({ module: readFileSync(join(pkgDir, 'recon_align_bg.wasm')) });
    if (typeof wasm.gpuCheck !== 'function') throw new Error('this wasm has no gpuCheck: build it with --features bench');
  } catch (e) {
    failures.add(3);
    return finish(`the wasm failed to load from ${pkgDir}: ${message(e)}`);
  }
  const found = await adapterRow(wasm, dawn);
  if (found) await gpuParts(wasm, bundled, n);
  try {
    await cpuParts(wasm, firstDigits(bundled, n));
  } catch (e) {
    failures.add(3);
    say(`the wasm's CPU path failed: ${message(e)}`);
  }
  humanGpuSummary();
  const reason = failures.has(3) ? "the wasm's CPU path failed"
    : failures.has(4) ? 'a GPU export failed'
      : failures.has(5) ? 'WebGPU and the CPU disagree beyond tolerance'
        : failures.has(6) ? `${dawn.error}; the CPU path ran`
          : found ? 'WebGPU through Dawn agrees with the CPU path'
            : "no WebGPU adapter through Dawn; the wasm's CPU path ran";
  finish(reason);
}

// A wasm trap inside a spawned future surfaces here rather than in the awaited promise.
const unexpected = (e) => {
  failures.add(3);
  finish(`unexpected failure: ${globalThis.reconAlignPanic ?? message(e)}`);
};
process.on('uncaughtException', unexpected);
main().catch(unexpected);
