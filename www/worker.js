// The compute side of the page: owns the wasm module and the dataset. It knows nothing of the DOM;
// it answers messages with plain data.
import init, { Lab, detectBackend } from '../pkg/recon_align.js';

let lab = null;

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
const fail = (where, err) => post({ type: 'error', where, message: String(err?.message ?? err) });

async function loadBundled() {
  const url = new URL('./data/mnist.bin', import.meta.url);
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`cannot fetch the bundled digits (${resp.status} ${resp.statusText})`);
  return new Uint8Array(await resp.arrayBuffer());
}

function announce(source) {
  const samples = lab.samples(100);
  const labels = lab.sampleLabels(100);
  post({ type: 'dataset', source, summary: lab.summary(), samples, labels },
    [samples.buffer, labels.buffer]);
}

// Browsers often hide the adapter description that wgpu reports; vendor and architecture remain.
async function describeAdapter(b) {
  if (b.kind !== 'webgpu' || b.adapter) return b;
  const info = (await navigator.gpu?.requestAdapter())?.info;
  const name = [info?.vendor, info?.architecture].filter(Boolean).join(' ');
  return { ...b, adapter: name || 'unnamed adapter' };
}

async function boot() {
  try {
    await init();
  } catch (e) {
    fail('wasm', `the WebAssembly module failed to load: ${e}`);
    return;
  }
  detectBackend().then(describeAdapter).then((b) => post({ type: 'backend', backend: b }),
    (e) => post({ type: 'backend', backend: { kind: 'cpu', reason: 'WebGPU unavailable', detail: String(e) } }));
  try {
    lab = Lab.fromBundled(await loadBundled());
    announce('bundled MNIST (first 10,000 training digits)');
  } catch (e) {
    fail('data', e);
  }
}

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'idx') {
      lab?.free();
      lab = Lab.fromIdx(new Uint8Array(msg.images), new Uint8Array(msg.labels));
      announce(msg.name ?? 'your IDX files');
    }
  } catch (e) {
    fail(msg.type, e);
  }
};

boot();
