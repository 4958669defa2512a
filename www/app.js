// The page: UI only. All computation happens in the worker (www/worker.js).
const $ = (id) => document.getElementById(id);

/** Shows a message the reader can see; never interprets it as HTML. */
export function notice(text, level = 'warn') {
  const div = document.createElement('div');
  div.className = `notice ${level}`;
  div.setAttribute('role', level === 'error' ? 'alert' : 'status');
  div.textContent = text;
  $('notices').append(div);
}

function showBackend(b) {
  const el = $('backend');
  if (b.kind === 'webgpu') {
    el.textContent = `WebGPU (${b.adapter})`;
  } else {
    el.textContent = 'CPU (WebGPU unavailable)';
    el.title = b.detail;
    notice(`${b.reason}: running on CPU. (${b.detail})`);
  }
  el.dataset.state = b.kind;
}

function showDataset({ source, summary, samples, labels }) {
  const s = summary;
  const el = $('dataset-summary');
  el.textContent = `${source}: N=${s.n.toLocaleString('en')}, ${s.h}×${s.w}×${s.c} (D=${s.d}), ${s.classes} classes`;
  el.dataset.state = 'ready';
  drawDigits($('digit-grid'), samples, labels, s);
}

function drawDigits(grid, samples, labels, { h, w, c, d }) {
  grid.replaceChildren();
  const count = samples.length / d;
  for (let i = 0; i < count; i++) {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.title = `label ${labels[i]}`;
    const img = new ImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      // Channel-major storage: grey for C=1, RGB from the first three planes otherwise.
      for (let ch = 0; ch < 3; ch++) img.data[4 * p + ch] = samples[i * d + Math.min(ch, c - 1) * h * w + p];
      img.data[4 * p + 3] = 255;
    }
    canvas.getContext('2d').putImageData(img, 0, 0);
    grid.append(canvas);
  }
  grid.dataset.count = String(count);
}

function start() {
  let worker;
  try {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  } catch (e) {
    notice(`This browser cannot start a module Web Worker (${e}); the demo cannot run here.`, 'error');
    return;
  }
  worker.onerror = (e) => notice(`The compute worker failed: ${e.message || 'unknown error'}.`, 'error');
  worker.onmessage = ({ data: msg }) => {
    if (msg.type === 'backend') showBackend(msg.backend);
    else if (msg.type === 'dataset') showDataset(msg);
    else if (msg.type === 'error') {
      notice(`Error (${msg.where}): ${msg.message}`, 'error');
      if (msg.where === 'data' || msg.where === 'wasm') $('dataset-summary').dataset.state = 'error';
    }
  };
}

start();
