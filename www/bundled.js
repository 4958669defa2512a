// The bundled datasets (`data=` in the page's address; `--data` of the command-line tool), shared
// by the page (which downloads one once for all its workers) and the worker.

export const BUNDLED = {
  mnist: { file: 'mnist.bin', source: 'bundled MNIST (first 10,000 training digits)' },
  fashion: { file: 'fashion.bin', source: 'bundled Fashion-MNIST (the 10,000 test images)' },
};

/** The bytes of bundled dataset `name` (gzip-compressed; the wasm inflates them). */
export async function fetchBundled(name) {
  const entry = BUNDLED[name];
  if (!entry) throw new Error(`no bundled dataset is called "${String(name).slice(0, 24)}"`);
  const resp = await fetch(new URL(`./data/${entry.file}`, import.meta.url));
  if (!resp.ok) throw new Error(`cannot fetch the ${entry.source} (${resp.status} ${resp.statusText})`);
  return new Uint8Array(await resp.arrayBuffer());
}
