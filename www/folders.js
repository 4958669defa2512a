// Image folders in the worker. Rust reads the structure (FolderEntries: classes, order, checks of
// every file) from a .zip or from a chosen folder's files; this module only decodes each image with
// the browser (createImageBitmap without premultiplied alpha or colour conversion, then a canvas's
// getImageData) and hands the RGBA pixels back to Rust (Lab.fromFolder), which does the rest: sizes,
// resize, grey, labels. PNG decoding is lossless, so a PNG folder gives the command line's pixels
// exactly (for opaque pixels: a canvas stores colour premultiplied by alpha); JPEG decoders may
// differ from the command line's by rounding.

/** RGBA pixels of every image of `entries`, and their decoded sizes. */
async function decode(entries) {
  const count = entries.count();
  const rgba = new Uint8Array(entries.rgbaBytes());
  const widths = new Uint32Array(count);
  const heights = new Uint32Array(count);
  let canvas = null;
  let ctx = null;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const blob = new Blob([entries.bytes(i)], { type: entries.mime(i) });
    let bitmap;
    try {
      bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    } catch (e) {
      throw new Error(`image folder: \`${entries.path(i)}\` cannot be decoded (${e?.message ?? e})`);
    }
    const { width: w, height: h } = bitmap;
    widths[i] = w;
    heights[i] = h;
    if (w !== entries.width(i) || h !== entries.height(i)) {
      // Not the size its header says: Lab.fromFolder refuses it by name.
      bitmap.close();
      break;
    }
    if (!canvas || canvas.width !== w || canvas.height !== h) {
      canvas = new OffscreenCanvas(w, h);
      ctx = canvas.getContext('2d', { willReadFrequently: true });
      ctx.globalCompositeOperation = 'copy';
    }
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    rgba.set(ctx.getImageData(0, 0, w, h).data, at);
    at += 4 * w * h;
  }
  return { rgba, widths, heights };
}

/** A load's shape choices as the Lab's loaders take them: side (undefined: keep) and grey. */
export const reshapeArgs = ({ side, grey }) => [side || undefined, Boolean(grey)];

/** Whether `buffer` is a .zip of image folders (Rust tells it from an .npz by its entries). */
export function isImageZip({ isImageZip: isFolder }, buffer) {
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  return head[0] === 0x50 && head[1] === 0x4b && isFolder(new Uint8Array(buffer));
}

/**
 * The Lab of an image folder: `msg.bytes` a .zip (`msg.paths` absent), or a chosen folder's files
 * one after the other (`msg.paths[i]` ending at `msg.ends[i]`); `msg.side` and `msg.grey` as for
 * every load.
 */
export async function folderLab({ Lab, FolderEntries }, msg) {
  const bytes = new Uint8Array(msg.bytes);
  const entries = msg.paths
    ? FolderEntries.fromFiles(msg.paths, bytes, Uint32Array.from(msg.ends))
    : FolderEntries.fromZip(bytes);
  try {
    const { rgba, widths, heights } = await decode(entries);
    return Lab.fromFolder(entries, rgba, widths, heights, ...reshapeArgs(msg));
  } finally {
    entries.free();
  }
}
