// NumPy and CIFAR files written from their specifications, for the browser tests of the page's
// single-file loader (Lab.fromFile): an .npy array, a stored .npz (zip) archive, and a CIFAR
// batch inside a gzipped tar. Nothing is downloaded.
import { crc32, gzipSync } from 'node:zlib';

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

/** A zip archive of stored (uncompressed) entries, as numpy.savez writes: [[name, bytes], ...]. */
export function npz(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, bytes] of entries) {
    const fields = Buffer.alloc(26);
    fields.writeUInt16LE(20, 0); // version needed
    fields.writeUInt16LE(0, 2); // flags
    fields.writeUInt16LE(0, 4); // stored
    fields.writeUInt32LE(0x00210000, 6); // time, date
    fields.writeUInt32LE(crc32(bytes), 10);
    fields.writeUInt32LE(bytes.length, 14);
    fields.writeUInt32LE(bytes.length, 18);
    fields.writeUInt16LE(name.length, 22);
    fields.writeUInt16LE(0, 24);
    const local = Buffer.concat([u32(0x04034b50), fields, Buffer.from(name), bytes]);
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

function u32(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/** A gzipped ustar archive of regular files: [[name, bytes], ...]. */
export function tarGz(entries) {
  const blocks = [];
  for (const [name, bytes] of entries) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 'latin1');
    h.write('0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(`${bytes.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.write('00000000000\0', 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h[156] = 0x30;
    h.write('ustar\0', 257, 'latin1');
    h.write('00', 263, 'latin1');
    const sum = h.reduce((a, b) => a + b, 0);
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(h, Buffer.from(bytes), Buffer.alloc((512 - (bytes.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
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
