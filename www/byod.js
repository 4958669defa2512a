// Bring your own data: the data panel's inputs (IDX files, one NumPy or CIFAR file or .zip of image
// folders, a chosen image folder, IDX URLs) sent to the worker pool as loads, each with the panel's
// shape choices (side and grey, applied by Rust's Dataset::reshaped), and the panel's status line. The pool answers each load once (the
// page shows the dataset, or the reason it was refused; the previous data stays).
import { MAX_FILE_BYTES } from './limits.js';

const $ = (id) => document.getElementById(id);


export function byodStatus(text, level = '') {
  const el = $('byod-status');
  el.textContent = text;
  el.dataset.level = level;
}

/** The panel's shape choices, sent with every load: `side` (a number, or null to keep) and `grey`. */
function reshape() {
  const side = Number($('data-side').value);
  return { side: side > 0 ? side : null, grey: $('data-grey').checked };
}

const tooBig = (what, bytes) => `Could not load the data: ${what} is ${(bytes / 2 ** 20).toFixed(0)} MiB; this page reads at most ${(MAX_FILE_BYTES / 2 ** 20).toFixed(0)} MiB per file. The current data stays.`;

/** A chosen folder's files (File objects with their webkitRelativePath) as one load-folder. */
async function folderLoad(files) {
  const total = files.reduce((a, f) => a + f.size, 0);
  if (total > MAX_FILE_BYTES) throw new Error(tooBig('the folder', total));
  const bytes = new Uint8Array(total);
  const ends = [];
  let at = 0;
  for (const f of files) {
    bytes.set(new Uint8Array(await f.arrayBuffer()), at);
    at += f.size;
    ends.push(at);
  }
  const paths = files.map((f) => f.webkitRelativePath || f.name);
  const name = paths[0]?.split('/')[0] || 'your image folder';
  return { type: 'load-folder', name, paths, ends, bytes: bytes.buffer, ...reshape() };
}

export function wireByod(pool) {
  $('load-files').addEventListener('click', async () => {
    const images = $('idx-images').files?.[0];
    const labels = $('idx-labels').files?.[0];
    if (!images || !labels) {
      byodStatus('Choose both an images file and a labels file.', 'error');
      return;
    }
    const big = [images, labels].find((f) => f.size > MAX_FILE_BYTES);
    if (big) {
      byodStatus(`Could not load the data: ${big.name} is ${(big.size / 2 ** 20).toFixed(0)} MiB; this page reads at most ${(MAX_FILE_BYTES / 2 ** 20).toFixed(0)} MiB per file. The current data stays.`, 'error');
      return;
    }
    byodStatus(`Reading ${images.name} and ${labels.name}…`);
    const [a, b] = await Promise.all([images.arrayBuffer(), labels.arrayBuffer()]);
    pool.load({ type: 'load-idx', images: a, labels: b, name: `${images.name} + ${labels.name}`, ...reshape() });
  });
  $('load-file').addEventListener('click', async () => {
    const file = $('data-file').files?.[0];
    if (!file) {
      byodStatus('Choose a NumPy .npz, a CIFAR .tar.gz or .bin file, or a .zip of image folders.', 'error');
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      byodStatus(`Could not load the data: ${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MiB; this page reads at most ${(MAX_FILE_BYTES / 2 ** 20).toFixed(0)} MiB per file. The current data stays.`, 'error');
      return;
    }
    byodStatus(`Reading ${file.name}…`);
    const bytes = await file.arrayBuffer();
    pool.load({ type: 'load-file', name: file.name, bytes, shape: $('data-shape').value.trim(), ...reshape() });
  });
  $('load-folder').addEventListener('click', async () => {
    const files = [...($('data-folder').files ?? [])];
    if (files.length === 0) {
      byodStatus('Choose a folder holding one sub-folder of PNG or JPEG images per class.', 'error');
      return;
    }
    byodStatus(`Reading ${files.length.toLocaleString('en')} files…`);
    try {
      pool.load(await folderLoad(files));
    } catch (e) {
      byodStatus(String(e?.message ?? e), 'error');
    }
  });
  $('cancel-load').addEventListener('click', () => pool.cancelLoad());
  $('load-urls').addEventListener('click', () => {
    const urls = [$('url-images').value.trim(), $('url-labels').value.trim()];
    const parsed = [];
    for (const u of urls) {
      let url;
      try {
        url = new URL(u, location.href);
      } catch {
        byodStatus(`Not a URL: "${u.slice(0, 80)}".`, 'error');
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        byodStatus(`Only http(s) URLs can be loaded, not "${url.protocol}".`, 'error');
        return;
      }
      parsed.push(url.href);
    }
    byodStatus('Fetching…');
    pool.load({ type: 'load-url', images: parsed[0], labels: parsed[1], ...reshape() });
  });
}
