// Hostile single data files in the formats beyond IDX (NumPy .npy/.npz, CIFAR .bin/.tar.gz, image
// folders as a .zip, files that are not data at all), written when a test runs: nothing of them is stored in the
// repository. Each entry is what a careless or malicious source could hand the page's file input,
// and the words its refusal must contain. tests/e2e/faults.test.mjs loads every one into the page.
import { gunzipSync, gzipSync } from 'node:zlib';
import { cifarRecords, npy, npz, png, smallNpz, tarGz, tarHeader, zip } from './numpy-files.mjs';

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

const BATCH = 'cifar-10-batches-bin/data_batch_1.bin';

/** An image folder as a .zip (two class folders of grey PNGs), with `extra` entries added. */
function folderZip(extra = [], side = () => 4) {
  const entries = [];
  for (const cls of ['a', 'b']) {
    for (let i = 0; i < 12; i++) {
      const s = side(cls, i);
      entries.push({ name: `pics/${cls}/${i}.png`, bytes: png(s, s, 1, Buffer.alloc(s * s, 40 + 10 * i)) });
    }
  }
  return zip([...entries, ...extra]);
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
    { name: 'an image folder (.zip) with images of different sizes', file: 'pics.zip', bytes: folderZip([], (cls, i) => (cls === 'b' && i === 3 ? 5 : 4)), expect: /images of different sizes: `pics\/a\/0\.png` is 4x4, `pics\/b\/3\.png` is 5x5; choose a side/ },
    { name: 'a text file in an image folder (.zip)', file: 'pics.zip', bytes: folderZip([{ name: 'pics/a/notes.txt', bytes: Buffer.from('notes') }]), expect: /`pics\/a\/notes\.txt` in class folder `a` is not a PNG or JPEG image/ },
    { name: 'a truncated PNG in an image folder (.zip)', file: 'pics.zip', bytes: folderZip([{ name: 'pics/b/cut.png', bytes: png(4, 4, 1, Buffer.alloc(16, 9)).subarray(0, 30) }]), expect: /`pics\/b\/cut\.png` is a truncated PNG file/ },
    { name: 'a path traversal in an image folder (.zip)', file: 'pics.zip', bytes: folderZip([{ name: '../evil/x.png', bytes: png(4, 4, 1, Buffer.alloc(16, 9)) }]), expect: /`\.\.\/evil\/x\.png`, a path outside the archive/ },
    { name: 'a PNG image given as data', file: 'picture.png', bytes: png(1, 1, 1, Buffer.from([128])), expect: /not a data file this tool reads/ },
    { name: 'a text file given as data', file: 'notes.txt', bytes: Buffer.from('these are notes, not data\n'), expect: /not a data file this tool reads/ },
  ];
}
