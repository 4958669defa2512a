// The bundled datasets (`data=` in the page's address; `--data` of the command-line tool), shared
// by the page (which downloads one once for all its workers) and the worker. The one list is
// www/datasets.json: the command line and `cargo xtask data` read it too, and `cargo xtask dist`
// writes the data menu of index.html from it.
import TABLE from './datasets.json' with { type: 'json' };

/** Each bundled dataset by name: `{ file, label, source, images }`, in the table's order. */
export const BUNDLED = Object.fromEntries(TABLE.map(({ name, file, label, source, images }) => [name, { file, label, source, images }]));

/** The bundled datasets' names, in the table's order (the first is the default). */
export const BUNDLED_NAMES = TABLE.map((row) => row.name);

/** The bytes of bundled dataset `name` (gzip-compressed; the wasm inflates them). */
export async function fetchBundled(name) {
  const entry = BUNDLED[name];
  if (!entry) throw new Error(`no bundled dataset is called "${String(name).slice(0, 24)}"`);
  const resp = await fetch(new URL(`./data/${entry.file}`, import.meta.url));
  if (!resp.ok) throw new Error(`cannot fetch the ${entry.source} (${resp.status} ${resp.statusText})`);
  return new Uint8Array(await resp.arrayBuffer());
}
