// The cache of results for repeat visits: what a worker task computed on a bundled dataset, kept in
// Cache Storage, so that a second visit draws its figures at once instead of computing them again.
// It holds only the tasks whose results depend on nothing but the data, the build and the task's
// parameters (closed forms and CPU probes; not training and not the MLP probe, whose numbers
// depend on the device), and the dataset's summary that the page shows first.
//
// An entry's address holds the dataset's name, the SHA-256 of the data's bytes, the SHA-256 of the
// WebAssembly module's bytes (www/boot.js), the task and its parameters: a changed dataset or a
// changed build looks for other entries and is never served a stale one (its first stored result
// removes the dataset's entries of any other data or build). An entry is sealed with its length
// and SHA-256 (www/cache.js); a corrupt one reads as a miss, and the result computed again
// replaces it. A result is stored only while a worker has confirmed, in its `dataset` message, that
// it holds data and a build of the same hashes.
import { cacheAvailable, readSealed, writeSealed } from './cache.js';

const STORE = 'recon-align-results-v1';
/** The tasks whose results the cache keeps (see above). */
export const CACHED_TASKS = new Set(['alignment', 'curve', 'sweep-plan', 'impact', 'never', 'subspace', 'guided']);
/** Entries kept per dataset and build at most; beyond, the oldest go. */
export const MAX_ENTRIES = 500;

const TYPED = {
  Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array,
};

/** The bytes of `view` as base64 (a typed array's bytes, in this machine's byte order). */
function toBase64(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** A typed array of class `Type` holding the bytes that `toBase64` wrote as `b64`. */
function fromBase64(Type, b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Type(bytes.buffer);
}

/**
 * `value` as JSON text that `decode` turns back into an equal value, typed arrays (as base64 of
 * their bytes), NaN, the infinities and −0 included. Throws on anything else that JSON would
 * change (a Map, a BigInt, a class instance): such a result is not cached.
 */
export function encode(value) {
  return JSON.stringify(value, function replace(key, x) {
    // What JSON would turn into something else first (a Date's toJSON) is judged as it is.
    const raw = this[key];
    if (raw !== null && typeof raw === 'object' && raw !== x) throw new Error(`cannot cache a ${raw.constructor?.name ?? 'object'}`);
    if (typeof x === 'number') return Number.isFinite(x) && !Object.is(x, -0) ? x : { $n: Object.is(x, -0) ? '-0' : String(x) };
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    if (ArrayBuffer.isView(x)) {
      if (TYPED[x.constructor.name] !== x.constructor) throw new Error(`cannot cache a ${x.constructor.name}`);
      return { $t: x.constructor.name, b64: toBase64(x) };
    }
    if (Object.getPrototypeOf(x) !== Object.prototype) throw new Error(`cannot cache a ${x.constructor?.name ?? 'object'}`);
    if ('$n' in x || '$t' in x) throw new Error('cannot cache an object with a $n or $t key');
    return x;
  });
}

/** The value `encode` gave `text` for. */
export function decode(text) {
  return JSON.parse(text, (key, x) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    if ('$n' in x) return Number(x.$n);
    if ('$t' in x) return fromBase64(TYPED[x.$t], x.b64);
    return x;
  });
}

const HINT = 'recon-align-results:';

/**
 * Whether this browser stored results of dataset `name` on an earlier visit (a hint kept in
 * localStorage, for speed only: the page does not hold its workers back for a cache that is likely
 * empty; what is served is decided by the cache itself).
 */
export function resultsHinted(name) {
  try {
    return Boolean(globalThis.localStorage?.getItem(HINT + name));
  } catch {
    return false; // storage disabled
  }
}

function hint(name) {
  try {
    globalThis.localStorage?.setItem(HINT + name, '1');
  } catch {
    // storage disabled or full: the next visit only loses the head start
  }
}

/** Whether keys `a` and `b` name the same dataset, data and build. */
export const sameKey = (a, b) => Boolean(a && b && a.name === b.name && a.data === b.data && a.build === b.build);

/** The parameters as one canonical string (keys sorted). */
const canonical = (params) => JSON.stringify(Object.keys(params ?? {}).sort().map((k) => [k, params[k]]));

export class ResultCache {
  constructor() {
    // `key`: the dataset whose results are looked up ({ name, data, build }), or null; `confirmed`:
    // whether a worker holds that very data and build (only then are results stored).
    this.key = null;
    this.confirmed = false;
    // Lookups started ahead of their tasks (`prefetch`), by address.
    this.ahead = new Map();
  }

  /** Opens the store now, so that the first lookup does not pay for it (a hint of a repeat visit). */
  open() {
    if (cacheAvailable()) caches.open(STORE).catch(() => {});
  }

  /** Starts the lookup of `task` with `params` for the current key, for a task scheduled soon. */
  prefetch(task, params) {
    if (!this.key) return;
    const url = this.url(this.key, task, params);
    if (!this.ahead.has(url)) this.ahead.set(url, this.read(url));
  }

  /** Looks up results of dataset `key` ({ name, data, build } hashes), or of none (null). */
  setKey(key, confirmed = false) {
    const same = sameKey(key, this.key);
    this.key = key && key.data && key.build ? { name: key.name, data: key.data, build: key.build } : null;
    this.confirmed = Boolean(this.key && (confirmed || (same && this.confirmed)));
  }

  /** Whether results of `task` are kept here: a task of CACHED_TASKS, while a key is set. */
  covers(task) {
    return this.key !== null && CACHED_TASKS.has(task) && cacheAvailable();
  }

  /**
   * Whether looking results up is worth it: once this browser has stored results of the current
   * dataset (a first visit's tasks go straight to the workers instead of waiting for a cache that
   * holds nothing; what they compute is stored all the same).
   */
  worthLooking() {
    return this.key !== null && resultsHinted(this.key.name);
  }

  prefix(name) {
    return new URL(`result-cache/${encodeURIComponent(name)}/`, globalThis.location.href).href;
  }

  folder(key) {
    return `${this.prefix(key.name)}${key.data}-${key.build}/`;
  }

  url(key, task, params) {
    return `${this.folder(key)}${encodeURIComponent(task)}?${encodeURIComponent(canonical(params))}`;
  }

  /**
   * The cached result of `task` with `params` for dataset `key` (by default the current one):
   * `{ data }`, or null (none, a corrupt one, or the cache cannot be read).
   */
  async lookup(task, params, key = this.key) {
    if (!key) return null;
    const url = this.url(key, task, params);
    const ahead = this.ahead.get(url);
    this.ahead.delete(url);
    return ahead ?? this.read(url);
  }

  /** The sound entry at `url`, decoded, as `{ data }`, or null. */
  async read(url) {
    try {
      const entry = await readSealed(STORE, url);
      return entry.payload ? { data: decode(new TextDecoder().decode(entry.payload)) } : null;
    } catch {
      return null;
    }
  }

  /**
   * Stores `data`, the result of `task` with `params` computed on the dataset of `key` (the key
   * current when the task was scheduled), if that is still the confirmed key. Never throws: a
   * result that cannot be cached, or a full disk, only costs the next visit its time.
   */
  async store(key, task, params, data) {
    if (!this.confirmed || !sameKey(key, this.key) || (!CACHED_TASKS.has(task) && task !== 'dataset')) return;
    try {
      const payload = new TextEncoder().encode(encode(data));
      await writeSealed(STORE, this.url(key, task, params), payload, this.prefix(key.name), { keep: this.folder(key), max: MAX_ENTRIES });
      if (task === 'dataset') hint(key.name);
    } catch {
      // not cached
    }
  }

  /** The cached `dataset` message of the current key (what the page shows first), or null. */
  async dataset() {
    return (await this.lookup('dataset', {}))?.data ?? null;
  }
}
