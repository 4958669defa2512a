// Bring your own data: the data panel's inputs (IDX files, one NumPy or CIFAR file, IDX URLs) sent
// to the worker pool as loads, and the panel's status line. The pool answers each load once (the
// page shows the dataset, or the reason it was refused; the previous data stays).
import { MAX_FILE_BYTES } from './limits.js';

const $ = (id) => document.getElementById(id);


export function byodStatus(text, level = '') {
  const el = $('byod-status');
  el.textContent = text;
  el.dataset.level = level;
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
    pool.load({ type: 'load-idx', images: a, labels: b, name: `${images.name} + ${labels.name}` });
  });
  $('load-file').addEventListener('click', async () => {
    const file = $('data-file').files?.[0];
    if (!file) {
      byodStatus('Choose a NumPy .npz or a CIFAR .tar.gz or .bin file.', 'error');
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      byodStatus(`Could not load the data: ${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MiB; this page reads at most ${(MAX_FILE_BYTES / 2 ** 20).toFixed(0)} MiB per file. The current data stays.`, 'error');
      return;
    }
    byodStatus(`Reading ${file.name}…`);
    const bytes = await file.arrayBuffer();
    pool.load({ type: 'load-file', name: file.name, bytes, shape: $('data-shape').value.trim() });
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
    pool.load({ type: 'load-url', images: parsed[0], labels: parsed[1] });
  });
}
