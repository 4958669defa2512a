// The cache of G for repeat visits: G's bytes (src/web/gram_cache.rs) for a bundled dataset, kept in
// Cache Storage so that a second visit builds its workers' Labs without a pass over the data; and
// the sealed entries that it and the cache of results (www/results.js) share.
//
// An entry's key is the SHA-256 of the data's bytes and the SHA-256 of the WebAssembly module's
// bytes: a changed dataset or a changed build looks for another entry, so it is never served a
// stale one (storing an entry removes the other entries of its dataset). An entry is sealed:
//   magic "RAGCACHE" (8 bytes) | payload length (u64, little-endian) | SHA-256 of the payload | payload
// and is used only when its length and checksum agree; a corrupt or truncated one is ignored, and
// replaced once its content is computed again.
// Where Cache Storage is missing (a page not served from a secure context) nothing is cached.

const STORE = 'recon-align-gram-v1';
const MAGIC = new TextEncoder().encode('RAGCACHE');
const HEADER = MAGIC.length + 8 + 32;

/** The SHA-256 of `bytes` (an ArrayBuffer or a view) as lowercase hex. */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether this context has Cache Storage and WebCrypto's digest. */
export const cacheAvailable = () => Boolean(globalThis.caches && globalThis.crypto?.subtle);

/** The entry's address for dataset `name` and key `{data, build}` (hex hashes). */
function entryUrl(name, key) {
  return new URL(`gram-cache/${encodeURIComponent(name)}/${key.data}-${key.build}`, globalThis.location.href).href;
}
const datasetPrefix = (name) => new URL(`gram-cache/${encodeURIComponent(name)}/`, globalThis.location.href).href;

/**
 * The payload cached for `name` under `key`: `{ payload: Uint8Array }` when an entry is there and
 * sound, `{ corrupt: why }` when one is there but its length or checksum is wrong,
 * `{ miss: true }` when there is none.
 */
export const readEntry = (name, key) => readSealed(STORE, entryUrl(name, key));

/** The sealed entry at `url` of Cache Storage `store`, as `readEntry` answers. */
export async function readSealed(store, url) {
  const resp = await (await caches.open(store)).match(url);
  if (!resp) return { miss: true };
  const bytes = new Uint8Array(await resp.arrayBuffer());
  const why = await checkEntry(bytes);
  // Left in place (every worker of the page reads G's entry; each must hear it is corrupt): the
  // entry stored once the content is computed again replaces it.
  if (why) return { corrupt: why };
  return { payload: bytes.subarray(HEADER) };
}

/** Why `bytes` is not a sound entry, or null when it is. */
async function checkEntry(bytes) {
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return 'no valid header';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getBigUint64(MAGIC.length, true);
  if (length !== BigInt(bytes.length - HEADER)) return `length ${bytes.length - HEADER}, header says ${length}`;
  const payload = bytes.subarray(HEADER);
  const sum = new Uint8Array(await crypto.subtle.digest('SHA-256', payload));
  const stored = bytes.subarray(MAGIC.length + 8, HEADER);
  if (sum.some((b, i) => b !== stored[i])) return 'checksum mismatch';
  return null;
}

/** Stores `payload` (Uint8Array) for `name` under `key`, removing the dataset's other entries. */
export const writeEntry = (name, key, payload) => writeSealed(STORE, entryUrl(name, key), payload, datasetPrefix(name));

/**
 * Stores `payload` (Uint8Array), sealed, at `url` of Cache Storage `store`, after removing, in one
 * pass over the store, the entries whose address starts with `prefix` and is not under `keep` (an
 * entry of a dataset's older data or build; `keep` defaults to `url` itself), and the oldest
 * entries under `keep` beyond `max` (this one included).
 */
export async function writeSealed(store, url, payload, prefix, { keep = url, max = Infinity } = {}) {
  const bytes = new Uint8Array(HEADER + payload.length);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setBigUint64(MAGIC.length, BigInt(payload.length), true);
  bytes.set(new Uint8Array(await crypto.subtle.digest('SHA-256', payload)), MAGIC.length + 8);
  bytes.set(payload, HEADER);
  const cache = await caches.open(store);
  const kept = [];
  for (const req of await cache.keys()) {
    if (!req.url.startsWith(prefix)) continue;
    if (!req.url.startsWith(keep)) await cache.delete(req);
    else if (req.url !== new URL(url, req.url).href) kept.push(req);
  }
  // Cache Storage lists entries in the order they were stored: the oldest go first.
  for (const req of kept.slice(0, Math.max(0, kept.length - (max - 1)))) await cache.delete(req);
  await cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
}
