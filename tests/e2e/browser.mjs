// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), headless, with or without WebGPU.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.RECON_ALIGN_URL ?? 'http://127.0.0.1:8000/';
/**
 * The GPU check and benchmark page of the bench site (the product site plus bench/web/, with a wasm
 * package built with `--features bench`), e.g. http://127.0.0.1:PORT/bench/. Set by
 * `cargo xtask test` and `cargo xtask bench browser`; undefined otherwise (the product site has
 * no such page).
 */
export const BENCH_URL = process.env.RECON_ALIGN_BENCH_URL;
const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(HERE, 'artifacts');
/** The repository root (two levels above this file). */
export const REPO_ROOT = join(HERE, '..', '..');
const FAKE_WORKER = readFileSync(join(HERE, 'fake-worker.js'), 'utf8');
mkdirSync(ARTIFACTS, { recursive: true });

const COMMON_FLAGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic',
];

/** Launches Chromium; `webgpu` adds --enable-unsafe-webgpu (SwiftShader adapter in headless). */
export async function launch({ webgpu }) {
  const args = webgpu
    ? [...COMMON_FLAGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader']
    : COMMON_FLAGS;
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
  });
}

/**
 * Opens a page, collecting console errors, uncaught exceptions and dialogs (alert/confirm: a sign
 * that injected script ran) for later assertions. `fakeWorker` swaps www/worker.js for
 * tests/e2e/fake-worker.js, which speaks the protocol with made-up numbers (UI-only tests).
 */
export async function openPage(browser, hash = '', viewport = { width: 1200, height: 900 }, { fakeWorker = false, base = BASE_URL } = {}) {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  // Every page runs under the Content-Security-Policy (header and meta tag): a violation is a
  // problem like a console error.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
  if (fakeWorker) {
    // The page starts www/worker.js?data=NAME.
    await page.route(/\/www\/worker\.js(\?.*)?$/, (r) => r.fulfill({ contentType: 'text/javascript', body: FAKE_WORKER }));
  }
  const response = await page.goto(base + (hash ? `#${hash}` : ''));
  if (!/content-security-policy/i.test(await page.content())) problems.push('the page has no CSP meta tag');
  if (response && !response.headers()['content-security-policy']) problems.push('the server sent no CSP header');
  return { page, problems };
}

/** Clicks the export control `name` (e.g. "alignment.json") and returns the downloaded bytes. */
export async function exportFile(page, name) {
  const button = page.locator(`[data-export="${name}"]`);
  await button.waitFor({ state: 'visible' });
  await page.waitForFunction((n) => !document.querySelector(`[data-export="${n}"]`).disabled, name, { timeout: 120_000 });
  // Headless Chromium drops about one download in ten when many come within a few seconds (a rate
  // limit, not the page: the click and the Blob URL happen). So a lost download is clicked again.
  let download;
  for (let attempt = 1; !download; attempt++) {
    try {
      // Only this export's file counts: a late download of an earlier export (a retried PNG, say)
      // must not be taken for it. A wrong filename still fails, by timing out three times.
      const mine = (d) => d.suggestedFilename() === `recon-align-${name}`;
      [download] = await Promise.all([page.waitForEvent('download', { predicate: mine, timeout: 5000 }), button.click()]);
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.waitForTimeout(1000);
    }
  }
  const path = await download.path();
  return { bytes: readFileSync(path), filename: download.suggestedFilename() };
}

/** IDX files (raw) for `n` synthetic 28x28 digits: a bar whose position depends on the label. */
export function syntheticIdx(n) {
  const images = Buffer.alloc(16 + n * 784);
  images.writeUInt32BE(0x00000803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    const y = i % 10;
    labels[8 + i] = y;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const on = Math.abs(c - (4 + 2 * y)) <= 1 && r > 3 && r < 24;
        images[16 + i * 784 + r * 28 + c] = on ? 200 + ((i * 7 + r) % 55) : (i * 31 + r * 7 + c * 3) % 23;
      }
    }
  }
  return { images, labels };
}

/**
 * Chooses `images` and `labels` (Buffers) in the page's IDX file inputs (hidden in an embed, so
 * set directly) as `NAME-images.idx` and `NAME-labels.idx`, clears the load status, and presses
 * Load files.
 */
export async function chooseIdxFiles(page, { images, labels }, name = 'data') {
  await page.setInputFiles('#idx-images', { name: `${name}-images.idx`, mimeType: 'application/octet-stream', buffer: images });
  await page.setInputFiles('#idx-labels', { name: `${name}-labels.idx`, mimeType: 'application/octet-stream', buffer: labels });
  await page.evaluate(() => {
    const status = document.getElementById('byod-status');
    status.textContent = '';
    status.dataset.level = '';
    document.getElementById('load-files').click();
  });
}
