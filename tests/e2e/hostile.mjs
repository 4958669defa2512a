// Hostile IDX files, written when a test runs (nothing of them is stored in the repository). Each
// entry is what a careless or malicious source could hand the page, and the words its refusal
// must contain. tests/e2e/faults.test.mjs loads every one into the page.
import { gzipSync } from 'node:zlib';

/** An IDX image file: header (N, H, W) and `pixels` bytes (a function of the byte index). */
export function idxImages(n, h, w, { count = n, extra = 0 } = {}) {
  const body = count * h * w + extra;
  const out = Buffer.alloc(16 + body);
  out.writeUInt32BE(0x00000803, 0);
  out.writeUInt32BE(n, 4);
  out.writeUInt32BE(h, 8);
  out.writeUInt32BE(w, 12);
  for (let i = 0; i < body; i++) out[16 + i] = (i * 37 + (i >> 7)) % 251;
  return out;
}

/** An IDX label file: header N (default: as many as `labels`) and the labels. */
export function idxLabels(labels, n = labels.length) {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(0x00000801, 0);
  out.writeUInt32BE(n, 4);
  labels.forEach((l, i) => { out[8 + i] = l; });
  return out;
}

const cycle = (n, classes = 10) => Array.from({ length: n }, (_, i) => i % classes);

/** A gzip stream that inflates to `header` followed by `zeros` zero bytes. */
function bomb(header, zeros) {
  return gzipSync(Buffer.concat([header, Buffer.alloc(zeros)]), { level: 9 });
}

/**
 * The hostile inputs: `{ name, images, labels, expect }`, `expect` a RegExp the page's message
 * must match. Built on demand (a few MB each at most).
 */
export function hostileInputs() {
  const header = idxImages(30, 28, 28, { count: 0 });
  return [
    { name: 'a huge D (64 images of 128x128)', images: idxImages(64, 128, 128), labels: idxLabels(cycle(64)), expect: /64 images of D=16,384 pixels are too large for this page.*the limits are/ },
    { name: 'D*D overflowing 32 bits (256x256 images)', images: idxImages(20, 256, 256), labels: idxLabels(cycle(20)), expect: /D=65,536 pixels are too large for this page/ },
    { name: 'a gzip bomb behind a valid header (256 MB of zeros)', images: bomb(header, 256 << 20), labels: idxLabels(cycle(30)), expect: /trailing bytes: its header announces 23,?536 bytes/ },
    { name: 'a lying header (60,000 images announced, 100 present)', images: idxImages(60000, 28, 28, { count: 100 }), labels: idxLabels(cycle(60000)), expect: /truncated: expected 47040016 bytes, found 78416/ },
    { name: 'a lying header (zero rows)', images: idxImages(100, 0, 28, { count: 0 }), labels: idxLabels(cycle(100)), expect: /unusable dimensions: N=100, C=1, H=0, W=28/ },
    { name: 'one image', images: idxImages(1, 28, 28), labels: idxLabels([3]), expect: /1 image;.*at least 20/ },
    { name: 'one class', images: idxImages(200, 28, 28), labels: idxLabels(Array(200).fill(7)), expect: /same label \(7\).*at least 2 classes/ },
    { name: 'a label/image count mismatch', images: idxImages(100, 28, 28), labels: idxLabels(cycle(90)), expect: /100 images but 90 labels/ },
    { name: 'trailing bytes', images: idxImages(100, 28, 28, { extra: 7 }), labels: idxLabels(cycle(100)), expect: /trailing bytes: its header announces 78416 bytes, found at least 78423/ },
    { name: 'a corrupt gzip stream', images: Buffer.concat([gzipSync(idxImages(100, 28, 28)).subarray(0, 40), Buffer.alloc(64, 0xff)]), labels: idxLabels(cycle(100)), expect: /gzip stream is corrupt/ },
  ];
}

/** 70,000 images of 8x8 pixels in 10 classes, gzipped: full MNIST's count, small to compute. */
export function seventyThousand() {
  const n = 70000;
  const images = idxImages(n, 8, 8);
  for (let i = 0; i < n; i++) {
    const y = i % 10;
    for (let p = 0; p < 64; p++) images[16 + i * 64 + p] = (p % 8 === y % 8 ? 200 : 0) + ((i * 13 + p * 7) % 40);
  }
  return { images: gzipSync(images), labels: gzipSync(idxLabels(cycle(n))) };
}
