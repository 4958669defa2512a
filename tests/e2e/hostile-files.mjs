// Hostile single data files in the formats beyond IDX (NumPy .npy/.npz, CIFAR .bin/.tar.gz, files
// that are not data at all), written when a test runs: nothing of them is stored in the
// repository. Each entry is what a careless or malicious source could hand the page's file input,
// and the words its refusal must contain. tests/e2e/faults.test.mjs loads every one into the page.
import { crc32, deflateRawSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { npy, npz, smallNpz, tarGz } from './numpy-files.mjs';

/** Images in the generated arrays and batches. */
const N = 100;
/** Side of the generated NumPy images (8 x 8, grey). */
const SIDE = 8;

/** `n` grey images of SIDE x SIDE pixels as uint8 bytes, and `n` int64 labels of 4 classes. */
function arrays(n) {
  const pixels = Buffer.alloc(n * SIDE * SIDE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + (i >> 6)) % 251;
  const labels = Buffer.alloc(8 * n);
  for (let i = 0; i < n; i++) labels.writeBigInt64LE(BigInt(i % 4), 8 * i);
  return { pixels, labels };
}

const x = (n = N) => npy('|u1', [n, SIDE, SIDE], arrays(n).pixels);
const y = (n = N) => npy('<i8', [n], arrays(n).labels);

function u32(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/**
 * A zip archive (as numpy.savez_compressed writes, one member after another, then the central
 * directory): `[{ name, bytes, deflate, declared }]`, `declared` the uncompressed size its headers
 * state (the true size when absent).
 */
function zip(entries) {
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
    fields.writeUInt32LE(crc32(bytes), 10);
    fields.writeUInt32LE(data.length, 14);
    fields.writeUInt32LE(declared, 18);
    fields.writeUInt16LE(name.length, 22);
    fields.writeUInt16LE(0, 24);
    const local = Buffer.concat([u32(0x04034b50), fields, Buffer.from(name, 'latin1'), data]);
    const tail = Buffer.alloc(14); // comment length, disk, attributes (all 0), then the offset
    tail.writeUInt32LE(offset, 10);
    central.push(Buffer.concat([u32(0x02014b50), Buffer.from([20, 0]), fields, tail, Buffer.from(name, 'latin1')]));
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

/** CIFAR-10 records (1 label byte, 3,072 pixel bytes) of `n` images in 10 classes. */
function cifarRecords(n) {
  const out = Buffer.alloc(3073 * n);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7 + (i >> 9)) % 251;
  for (let r = 0; r < n; r++) out[r * 3073] = r % 10;
  return out;
}

const BATCH = 'cifar-10-batches-bin/data_batch_1.bin';

/** A ustar header for a regular file `name` that declares `size` bytes (the size in octal). */
function tarHeader(name, size) {
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

/** A tiny but valid PNG (1 x 1 pixel, grey). */
function png() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length, 0);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body), 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 128]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The hostile files: `{ name, file, bytes, expect }`, `file` the name the page is given and
 * `expect` a RegExp its message must match. Built on demand (a few hundred kB each at most).
 */
export function hostileFiles() {
  const good = smallNpz(N);
  const header = x().length - N * SIDE * SIDE; // the .npy header's bytes (128)
  const records = cifarRecords(20);
  // A download cut inside the batch's header (a cut inside its records would meet the page's size
  // limits first: a CIFAR image has D=3,072).
  const plainTar = gunzipSync(tarGz([['cifar-10-batches-bin/readme.html', Buffer.from('<p>CIFAR-10</p>')], [BATCH, records]]));
  // 64 MiB of zeros would follow the bomb's header: never inflated, the header is refused first.
  const tarBomb = gzipSync(Buffer.concat([tarHeader(BATCH, 3_000_000_000), Buffer.alloc(64 << 20)]), { level: 9 });
  return [
    { name: 'a truncated .npz (cut in half)', file: 'data.npz', bytes: good.subarray(0, good.length >> 1), expect: /\.npz archive cannot be read/ },
    { name: 'a truncated .npy array inside an .npz', file: 'data.npz', bytes: npz([['x.npy', x().subarray(0, header + 100)], ['y.npy', y()]]), expect: /image array is truncated: expected 6400 bytes, found 100/ },
    { name: 'a lone .npy cut inside its header', file: 'x.npy', bytes: x().subarray(0, 40), expect: new RegExp(`\\.npy file is truncated: expected ${header} bytes, found 40`) },
    { name: 'a truncated CIFAR batch (.bin)', file: 'data_batch_1.bin', bytes: records.subarray(0, records.length - 1000), expect: /holds 60,?460 bytes, not a whole number of 3073-byte records/ },
    { name: 'a truncated CIFAR .tar.gz', file: 'cifar-10-binary.tar.gz', bytes: gzipSync(plainTar.subarray(0, 2 * 512 + 200)), expect: /tar archive is truncated: expected 512 bytes, found 200/ },
    { name: 'a zip bomb: an .npz member declaring 4 GB', file: 'bomb.npz', bytes: zip([{ name: 'x.npy', bytes: x(), deflate: true, declared: 2 ** 32 - 2 }, { name: 'y.npy', bytes: y() }]), expect: /the \.npz entry `x` declares 4294967294 bytes \(at most \d+ accepted\)/ },
    { name: 'a zip bomb: an .npz member inflating to 256 MB behind a small array', file: 'bomb.npz', bytes: zip([{ name: 'x.npy', bytes: Buffer.concat([x(), Buffer.alloc(256 << 20)]), deflate: true, declared: x().length }, { name: 'y.npy', bytes: y() }]), expect: /image array cannot be read: File is larger than its declared uncompressed size/ },
    { name: 'a tar bomb: a CIFAR batch declaring 3 GB', file: 'cifar-10-binary.tar.gz', bytes: tarBomb, expect: /tar archive: its entries declare more than 2147483648 bytes \(this one 3000000000\)/ },
    { name: 'a path traversal in a tar (../data_batch_1.bin)', file: 'cifar-10-binary.tar.gz', bytes: tarGz([['../data_batch_1.bin', records]]), expect: /`\.\.\/data_batch_1\.bin`, a path outside the archive/ },
    { name: 'a path traversal in a zip (../x.npy)', file: 'data.npz', bytes: npz([['../x.npy', x()], ['y.npy', y()]]), expect: /`\.\.\/x\.npy`, a path outside the archive/ },
    { name: 'a label count that does not match (100 images, 99 labels)', file: 'data.npz', bytes: npz([['x.npy', x()], ['y.npy', y(N - 1)]]), expect: /100 images but 99 labels/ },
    { name: 'an object array (pickled) in an .npz', file: 'data.npz', bytes: npz([['x.npy', x()], ['y.npy', npy('|O', [N], Buffer.from('\x80\x04\x95 not a real pickle', 'latin1'))]]), expect: /holds Python objects \(dtype 'O'\): such arrays are pickled, and pickles are never loaded/ },
    { name: 'a PNG image given as data', file: 'picture.png', bytes: png(), expect: /not a data file this tool reads/ },
    { name: 'a text file given as data', file: 'notes.txt', bytes: Buffer.from('these are notes, not data\n'), expect: /not a data file this tool reads/ },
  ];
}
