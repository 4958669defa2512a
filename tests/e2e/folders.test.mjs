// Image folders on the page (torchvision's ImageFolder layout, PNG): a generated .zip of class
// folders and the same folder chosen as a directory load, and their alignment figure equals the
// command-line tool's on the same files to 1e-9 relative, as they are and resized and made grey;
// the sample grid draws colour images in colour; refused folders leave the loaded data in place,
// with a clear message. PNGs are written here from the PNG specification; nothing is downloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { launch } from './browser.mjs';
import { alignmentMatchesCli, chooseAndLoad, openDataPanel, refusedWith } from './page-cli.mjs';
import { npz as zipOf, png } from './numpy-files.mjs';

const CLASSES = ['red', 'green', 'blue'];

/**
 * [[path, png bytes]]: 160 RGB 12x12 images per class, each a noisy field tinted by its class (more
 * images than pixels, so that every eigenvector the curves use is determined).
 */
function folderFiles({ top = 'shapes', odd = false } = {}) {
  let state = 12345;
  const rand = () => { state = (state * 1103515245 + 12345) >>> 0; return state >>> 24; };
  const files = [];
  for (const [k, cls] of CLASSES.entries()) {
    for (let i = 0; i < 160; i++) {
      const side = odd && k === 1 && i === 7 ? 10 : 12;
      const px = new Uint8Array(side * side * 3);
      for (let p = 0; p < side * side; p++) {
        for (let ch = 0; ch < 3; ch++) px[p * 3 + ch] = Math.min(255, (rand() >> 1) + (ch === k ? 100 + ((p % side) * 9) : 0));
      }
      files.push([`${top}/${cls}/img${String(i).padStart(3, '0')}.png`, png(side, side, 3, px)]);
    }
  }
  return files;
}

test('a PNG image folder loads (zip and directory) and its alignment equals the CLI, with resize and grey (cpu-fallback)', { timeout: 1_800_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recon-align-folders-'));
  const browser = await launch({ webgpu: false });
  try {
    const files = folderFiles();
    const zip = zipOf(files);
    const zipPath = join(dir, 'shapes.zip');
    writeFileSync(zipPath, zip);
    for (const [name, bytes] of files) {
      mkdirSync(join(dir, 'tree', dirname(name)), { recursive: true });
      writeFileSync(join(dir, 'tree', name), bytes);
    }
    const { page, problems } = await openDataPanel(browser);

    // The .zip, as it is: colour 12x12, D = 432.
    await chooseAndLoad(page, { name: 'shapes.zip', mimeType: 'application/zip', buffer: zip });
    await page.waitForFunction(() => /N=480\b.*D=432\b/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 120_000 });
    await page.waitForSelector('#byod-status[data-level="ok"]');
    await alignmentMatchesCli(page, { d: 432, n: 480, path: zipPath });
    // The sample grid draws them in colour: some pixel has R, G and B apart.
    await page.waitForSelector('#digit-grid[data-count]');
    const coloured = await page.evaluate(() => [...document.querySelectorAll('#digit-grid canvas')].some((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let p = 0; p < d.length; p += 4) if (d[p] !== d[p + 1] || d[p + 1] !== d[p + 2]) return true;
      return false;
    }));
    assert.ok(coloured, 'colour images are drawn in colour');

    // The same folder chosen as a directory, resized to 16x16 and made grey: D = 256.
    await page.selectOption('#data-side', '16');
    await page.check('#data-grey');
    await chooseAndLoad(page, join(dir, 'tree', 'shapes'), '#data-folder', 'load-folder');
    await page.waitForFunction(() => /N=480\b.*16×16×1 \(D=256\)/.test(document.querySelector('#dataset-summary').textContent), null, { timeout: 120_000 });
    await alignmentMatchesCli(page, { d: 256, n: 480, path: zipPath, extra: ['--side', '16', '--grey'] });
    // The grid is grey now.
    await page.waitForFunction(() => [...document.querySelectorAll('#digit-grid canvas')].every((c) => c.width === 16), null, { timeout: 30_000 });

    // Mixed sizes without a side: refused, naming the files; the grey data stays.
    await page.selectOption('#data-side', '');
    await chooseAndLoad(page, { name: 'mixed.zip', mimeType: 'application/zip', buffer: zipOf(folderFiles({ odd: true })) });
    await refusedWith(page, /images of different sizes: .*green\/img007\.png.* is 10x10.*choose a side/, /D=256\b/);
    // A path outside the archive.
    const evil = zipOf([...files.slice(0, 30), ['../evil/img.png', files[0][1]]]);
    await chooseAndLoad(page, { name: 'evil.zip', mimeType: 'application/zip', buffer: evil });
    await refusedWith(page, /`\.\.\/evil\/img\.png`, a path outside the archive/, /D=256\b/);
    // A file that is not an image, inside a class folder.
    const notes = zipOf([...files, ['shapes/red/notes.txt', Buffer.from('hello')]]);
    await chooseAndLoad(page, { name: 'notes.zip', mimeType: 'application/zip', buffer: notes });
    await refusedWith(page, /`shapes\/red\/notes\.txt` in class folder `red` is not a PNG or JPEG image/, /D=256\b/);
    // A truncated PNG.
    const cut = files.map(([n, b], i) => [n, i === 5 ? b.subarray(0, b.length - 30) : b]);
    await chooseAndLoad(page, { name: 'cut.zip', mimeType: 'application/zip', buffer: zipOf(cut) });
    await refusedWith(page, /`shapes\/red\/img005\.png` is a truncated PNG file/, /D=256\b/);
    // Refused folders produce an error message from the worker, which the page reports: expected.
    assert.deepEqual(problems.filter((p) => !/image folder|outside the archive/i.test(p)), []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
