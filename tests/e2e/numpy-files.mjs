// Data files written from their specifications, for the browser tests of the page's loaders: an
// .npy array, .npz and other zip archives, CIFAR records and a batch inside a gzipped tar, PNG
// images.
// Nothing is downloaded.
import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';

/** An .npy file (version 1): magic, version, header length, the header padded to 64 bytes. */
export function npy(descr, shape, data) {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

/**
 * A zip archive (as numpy.savez and savez_compressed write: one member after another, then the
 * central directory) of `[{ name, bytes, deflate, declared }]`: `deflate` compresses the member,
 * `declared` is the uncompressed size its headers state (the true size when absent).
 */
export function zip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, bytes, deflate = false, declared = bytes.length } of entries) {
    const data = deflate ? deflateRawSync(bytes, { level: 9 }) : bytes;
    const fields = Buffer.alloc(26);
    fields.writeUInt16LE(20, 0); // version needed
    fields.writeUInt16LE(0, 2); // flags
    fields.writeUInt16LE(deflate ? 8 : 0, 4); // deflate or stored
    fields.writeUInt32LE(0x00210000, 6); // time, date
    fields.writeUInt32LE(crc32(bytes) >>> 0, 10);
    fields.writeUInt32LE(data.length, 14);
    fields.writeUInt32LE(declared, 18);
    fields.writeUInt16LE(Buffer.byteLength(name), 22);
    fields.writeUInt16LE(0, 24);
    const local = Buffer.concat([u32(0x04034b50), fields, Buffer.from(name), data]);
    const tail = Buffer.alloc(14); // comment length, disk, attributes (all 0), then the offset
    tail.writeUInt32LE(offset, 10);
    central.push(Buffer.concat([u32(0x02014b50), Buffer.from([20, 0]), fields, tail, Buffer.from(name)]));
    parts.push(local);
    offset += local.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

/** A zip archive of stored (uncompressed) entries, as numpy.savez writes: [[name, bytes], ...]. */
export function npz(entries) {
  return zip(entries.map(([name, bytes]) => ({ name, bytes })));
}

function u32(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/** A ustar header for a regular file `name` that declares `size` bytes (the size in octal). */
export function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h[156] = 0x30;
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** A gzipped ustar archive of regular files: [[name, bytes], ...]. */
export function tarGz(entries) {
  const blocks = [];
  for (const [name, bytes] of entries) {
    blocks.push(tarHeader(name, bytes.length), Buffer.from(bytes), Buffer.alloc((512 - (bytes.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/**
 * `n` CIFAR-10 records (a label byte, then 3 x 32 x 32 channel-major pixels) in `classes` classes:
 * seeded noise plus a stripe per class, so that the spectrum has no repeated eigenvalue (a
 * periodic pattern would leave eigenvectors undetermined, and two solvers free to differ).
 */
export function cifarRecords(n, classes = 10) {
  const out = Buffer.alloc(3073 * n);
  let seed = 2024;
  const noise = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 26; };
  for (let r = 0; r < n; r++) {
    out[r * 3073] = r % classes;
    for (let p = 0; p < 3072; p++) out[r * 3073 + 1 + p] = noise() + ((p & 31) % classes === r % classes ? 100 : 0) + 20 * (p >> 10);
  }
  return out;
}

/** A PNG (8-bit, no interlace) of `w` x `h` pixels of `channels` (1 grey, 3 RGB) interleaved bytes. */
export function png(w, h, channels, pixels) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length, 0);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  const stride = w * channels;
  const raw = Buffer.alloc(h * (1 + stride));
  for (let y = 0; y < h; y++) Buffer.from(pixels.subarray(y * stride, (y + 1) * stride)).copy(raw, y * (1 + stride) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** `n` grey 8 x 8 images of 4 classes (a stripe per class), as an .npz with x (uint8) and y (int64). */
export function smallNpz(n) {
  const side = 8;
  const pixels = Buffer.alloc(n * side * side);
  const labels = Buffer.alloc(8 * n);
  for (let i = 0; i < n; i++) {
    const y = i % 4;
    labels.writeBigInt64LE(BigInt(y), 8 * i);
    for (let p = 0; p < side * side; p++) {
      const on = (p % side) === 2 * y || (p % side) === 2 * y + 1;
      pixels[i * side * side + p] = on ? 150 + ((i * 13 + p) % 100) : (i * 31 + p * 7) % 40;
    }
  }
  return npz([['x.npy', npy('|u1', [n, side, side], pixels)], ['y.npy', npy('<i8', [n], labels)]]);
}
