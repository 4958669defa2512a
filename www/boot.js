// What the page starts before anything else, once per visit: the WebAssembly module, downloaded,
// hashed and compiled once for every worker (each worker is sent the compiled module), and the first
// bundled dataset, downloaded and hashed once (each worker is sent its bytes). The two hashes are
// the key of the caches of repeat visits (www/cache.js, www/results.js): they are computed from the
// very bytes the workers run and read, so a changed build or a changed dataset is never mistaken
// for the one cached.
// index.html loads this module on its own, ahead of the page's other modules, and preloads the
// module's bytes: the downloads start as soon as the page can, and www/app.js finds them under way.
import { fetchBundled } from './bundled.js';
import { sha256Hex, cacheAvailable } from './cache.js';
import { parseHash, noiseSpec } from './state.js';
import { ResultCache, resultsHinted } from './results.js';

const WASM_URL = new URL('../pkg/recon_align_bg.wasm', import.meta.url);

/**
 * The module's download, once: `{ module, build }`, promises of the compiled module and of the
 * SHA-256 of its bytes (hex). Either resolves to null when it cannot be had (the download or the
 * compilation failed; WebCrypto is missing): each worker then downloads and compiles the module
 * itself and reports what fails, and nothing is cached.
 */
export function loadModule() {
  const bytes = fetch(WASM_URL).then((resp) => (resp.ok ? resp.arrayBuffer() : null)).catch(() => null);
  return {
    module: bytes.then((b) => (b ? WebAssembly.compile(b) : null)).catch(() => null),
    build: bytes.then((b) => (b && cacheAvailable() ? sha256Hex(b) : null)).catch(() => null),
  };
}

/**
 * Starts the visit's downloads: the module (`module` and `build`, as `loadModule` gives), and the
 * first bundled dataset `firstName` (its bytes and their SHA-256, null where WebCrypto is
 * missing, which key the cache of results). `memo` is the page's cache of results, keyed by both hashes once they are
 * known; `cached` the promise of the dataset's summary that an earlier visit stored there (null
 * when there is none), read together with the alignment curves of `firstNoise` (a noise spec).
 */
export function startVisit(firstName, firstNoise = null) {
  const { module, build } = loadModule();
  const first = fetchBundled(firstName).then(async (bytes) => ({
    bytes, hash: cacheAvailable() ? await sha256Hex(bytes).catch(() => null) : null,
  }));
  first.catch(() => {}); // reported by whoever awaits it
  let firstTaken = false;
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  // Without a hint that results of this dataset were stored, nothing is worth holding the workers
  // for (a first visit must not wait for the cache to say it holds nothing).
  const hinted = resultsHinted(firstName);
  if (!hinted) release();
  const memo = new ResultCache();
  if (hinted) memo.open();
  const cached = Promise.all([build, first.catch(() => null)]).then(async ([b, f]) => {
    if (!b || !f?.hash || memo.key) return null;
    memo.setKey({ name: firstName, data: f.hash, build: b });
    if (!hinted) return null;
    // The first figure's curves (www/panels/alignment.js asks for these two) are read with the
    // summary.
    for (const noise of new Set(['none', firstNoise].filter(Boolean))) memo.prefetch('curve', { noise });
    return memo.dataset();
  }).catch(() => null);
  return {
    firstName,
    module,
    build,
    memo,
    cached,
    /**
     * The bytes of bundled dataset `name` for the pool: the first download once (after `release`),
     * then fresh downloads.
     */
    bytes: async (name) => {
      if (name === firstName && !firstTaken) {
        firstTaken = true;
        const { bytes } = await first;
        await gate;
        return bytes;
      }
      return fetchBundled(name);
    },
    /**
     * Lets the first dataset go to the workers. A repeat visit first draws what the cache of
     * results holds (www/app.js, warmStart), while the workers, which would load the data on the
     * same cores, wait.
     */
    release: () => release(),
  };
}

/** This visit's downloads, for the dataset the address asks for (www/app.js reports its problems). */
const asked = parseHash(globalThis.location.hash).state;
export const visit = startVisit(asked.data, noiseSpec(asked));
