// The Embed dialog and iframes that size themselves, against tests/e2e/fake-worker.js (sizes and
// messages do not depend on the numbers): the dialog's snippet, pasted into a host page at another
// origin (a small server of this test on another port; Chromium refuses to frame a loopback page
// in a page it takes for a public one, such as a route-intercepted http://host.test/), shows the
// panel with the same settings;
// with the snippet's script the iframe takes its content's height (within 2 px, no inner
// scrollbar, no clipped chart) at 400 and 1200 px; without it, the height attribute fits; the
// embed sends only its height message; and the host script ignores messages from other origins
// or other frames.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { launch, openPage, exportFile, BASE_URL, REPO_ROOT } from './browser.mjs';

/** A server on 127.0.0.1 (an origin of its own) answering every path with `html()`. */
async function origin(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html(req.url));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  return `http://127.0.0.1:${server.address().port}/`;
}

/** Host pages by path, set by `hostPage`. */
const HOST_PAGES = new Map();
const HOST = await origin((path) => HOST_PAGES.get(path) ?? 'not found');
const FOREIGN = await origin(() => '<!doctype html><title>foreign</title><p>elsewhere</p>');
let hostPages = 0;
const FAKE_WORKER = readFileSync(join(REPO_ROOT, 'tests/e2e/fake-worker.js'), 'utf8');

/** Opens the full page, opens panel `panel`'s Embed dialog with `theme`/`controls`, and returns the snippet. */
async function snippetFrom(browser, hash, panel, { theme = 'auto', controls = false } = {}) {
  const { page, problems } = await openPage(browser, hash, { width: 1200, height: 900 }, { fakeWorker: true });
  await page.waitForSelector(`#${panel}-progress[data-state="done"]`, { timeout: 60_000 });
  await page.click(`[data-action="embed-${panel}"]`);
  assert.ok(await page.isVisible('#embed-dialog'), 'the dialog opens');
  await page.selectOption('#embed-theme', theme);
  await page.setChecked('#embed-controls', controls);
  const snippet = await page.inputValue('#embed-snippet');
  const link = await page.getAttribute('#embed-link', 'href');
  // Escape closes it, as any modal dialog.
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('#embed-dialog'), false, 'Escape closes the dialog');
  assert.deepEqual(problems, []);
  await page.close();
  return { snippet, link };
}

/**
 * A page of the host origin holding `body` (the snippet, in a box `width` px wide), with the fake
 * worker in its frames; records every message the host window receives.
 */
async function hostPage(browser, body, width, { script = true, fake = true } = {}) {
  const page = await browser.newPage({ viewport: { width: width + 40, height: 800 }, acceptDownloads: true });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  if (fake) await page.route(/\/www\/worker\.js(\?.*)?$/, (r) => r.fulfill({ contentType: 'text/javascript', body: FAKE_WORKER }));
  const html = script ? body : body.replace(/<script[^>]*><\/script>/, '');
  const path = `/host-${++hostPages}`;
  HOST_PAGES.set(path, `<!doctype html><html><head><title>host</title></head><body style="margin:0;background:#111">
      <div id="box" style="width:${width}px">${html}</div></body></html>`);
  await page.addInitScript(() => {
    window.received = [];
    window.addEventListener('message', (e) => window.received.push({ origin: e.origin, data: e.data }));
  });
  await page.goto(new URL(path, HOST).href);
  return { page, problems };
}

/** The embed's frame in `page` (the one from the real server). */
async function embedFrame(page) {
  const origin = new URL(BASE_URL).origin;
  for (let i = 0; i < 100; i++) {
    const f = page.frames().find((x) => x.url().startsWith(origin));
    if (f) return f;
    await page.waitForTimeout(100);
  }
  throw new Error('no embed frame');
}

/** Waits until the embed has its data, its panel has computed, and no layout change is pending. */
async function settled(frame) {
  await frame.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
  await frame.waitForSelector('.progress-row[data-state="done"]', { timeout: 60_000 });
  await frame.waitForFunction(() => [...document.querySelectorAll('.progress-row')]
    .every((r) => !['queued', 'running'].includes(r.dataset.state)), null, { timeout: 120_000 });
  await frame.waitForTimeout(500);
}

/** The embed's content height and whether anything overflows its viewport. */
function inside(frame) {
  return frame.evaluate(() => ({
    content: Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY),
    viewport: window.innerHeight,
    scrolls: document.documentElement.scrollHeight > window.innerHeight + 1,
    clipped: [...document.querySelectorAll('canvas')].filter((c) => {
      const r = c.getBoundingClientRect();
      return r.bottom > window.innerHeight + 1 || r.right > window.innerWidth + 1;
    }).length,
    charts: document.querySelectorAll('[data-chart] canvas').length,
  }));
}

test('the Embed dialog gives a snippet and a link with the current settings, theme and controls', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { snippet, link } = await snippetFrom(browser, 'k=40&seed=7&noise=gaussian&sigma=0.25', 'alignment', { theme: 'dark', controls: true });
    const src = /<iframe data-recon-align src="([^"]+)"/.exec(snippet)?.[1].replace(/&amp;/g, '&');
    assert.ok(src, snippet);
    assert.equal(src, link, 'the plain link is the iframe\'s address');
    const hash = new URLSearchParams(new URL(src).hash.slice(1));
    for (const [k, v] of [['embed', '1'], ['panel', 'alignment'], ['k', '40'], ['seed', '7'], ['noise', 'gaussian'], ['sigma', '0.25'], ['theme', 'dark'], ['controls', '1']]) {
      assert.equal(hash.get(k), v, `${k} in ${src}`);
    }
    assert.match(snippet, /height="\d+"/);
    assert.match(snippet, new RegExp(`<script src="${new URL('www/embed.js', BASE_URL).href}" async></script>`));
    // The snippet's script is served (from dist/) as JavaScript.
    const response = await fetch(new URL('www/embed.js', BASE_URL));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /javascript/);
  } finally {
    await browser.close();
  }
});

for (const width of [400, 1200]) {
  test(`a host page with embed.js sizes the iframe to its content at ${width} px, dark theme`, async () => {
    const browser = await launch({ webgpu: false });
    try {
      const { snippet } = await snippetFrom(browser, 'seed=3', 'alignment', { theme: 'dark' });
      const { page, problems } = await hostPage(browser, snippet, width);
      const frame = await embedFrame(page);
      await settled(frame);
      assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), 'dark');
      assert.equal(await frame.evaluate(() => document.body.classList.contains('embed')), true);
      // The host resized the iframe to the content the embed reports.
      let last;
      for (let i = 0; i < 50; i++) {
        const inner = await inside(frame);
        const outer = await page.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height);
        last = { ...inner, outer };
        if (Math.abs(outer - inner.content) <= 2 && !inner.scrolls) break;
        await page.waitForTimeout(200);
      }
      assert.ok(Math.abs(last.outer - last.content) <= 2, `iframe ${last.outer}px, content ${last.content}px`);
      assert.equal(last.scrolls, false, 'no inner scrollbar');
      assert.ok(last.charts >= 1, 'the chart is drawn');
      assert.equal(last.clipped, 0, 'no clipped chart');
      // Only the height message, with exactly its three fields, from the embed's origin.
      const received = await page.evaluate(() => window.received);
      assert.ok(received.length >= 1);
      for (const { origin, data } of received) {
        assert.equal(origin, new URL(BASE_URL).origin);
        assert.deepEqual(Object.keys(data).sort(), ['height', 'panel', 'type']);
        assert.equal(data.type, 'recon-align:height');
        assert.equal(data.panel, 'alignment');
        assert.ok(Number.isInteger(data.height) && data.height > 0);
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
}

test('without embed.js the height attribute fits the panel: no clipped chart', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { snippet } = await snippetFrom(browser, 'seed=3', 'never');
    const height = Number(/height="(\d+)"/.exec(snippet)[1]);
    const { page, problems } = await hostPage(browser, snippet, 1100, { script: false });
    const frame = await embedFrame(page);
    await settled(frame);
    const r = await inside(frame);
    assert.equal(r.viewport, height, 'the iframe keeps its height attribute');
    assert.ok(r.content <= height, `content ${r.content}px fits in ${height}px`);
    assert.ok(height - r.content <= 120, `and the iframe is not much taller (${height}px for ${r.content}px)`);
    assert.equal(r.clipped, 0);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('embed.js ignores messages from other frames and from other origins', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { snippet } = await snippetFrom(browser, 'seed=3', 'never');
    // Two embeds, and a frame from another origin without the data-recon-align mark.
    const body = `${snippet.replace(/<script[^>]*><\/script>/, '')}\n${snippet.replace('<iframe ', '<iframe id="second" ')}\n<iframe id="other" src="${FOREIGN}"></iframe>`;
    const { page, problems } = await hostPage(browser, body, 800);
    const origin = new URL(BASE_URL).origin;
    await page.waitForFunction((o) => [...document.querySelectorAll('iframe[data-recon-align]')]
      .every((f) => f.style.height !== ''), origin, { timeout: 60_000 });
    const heights = () => page.evaluate(() => [...document.querySelectorAll('iframe[data-recon-align]')].map((f) => f.style.height));
    // The embeds resize themselves as their figures finish: wait until their heights settle.
    let before = await heights();
    for (let settled = 0; settled < 3;) {
      await page.waitForTimeout(700);
      const now = await heights();
      settled = JSON.stringify(now) === JSON.stringify(before) ? settled + 1 : 0;
      before = now;
    }
    const forged = { type: 'recon-align:height', panel: 'never', height: 37 };
    // The host window itself, and a frame of another origin.
    await page.evaluate((m) => window.postMessage(m, '*'), forged);
    const other = page.frames().find((f) => f.url().startsWith(FOREIGN));
    await other.evaluate((m) => parent.postMessage(m, '*'), forged);
    // An embed's frame navigated to another origin: its window is the iframe's, its origin is not.
    const embeds = page.frames().filter((f) => f.parentFrame() === page.mainFrame() && f.url().startsWith(origin));
    assert.equal(embeds.length, 2);
    const [first, second] = embeds;
    await second.goto(`${FOREIGN}page`);
    await second.evaluate((m) => parent.postMessage(m, '*'), forged);
    // Malformed heights from the embed's own origin, and a message of another type.
    for (const bad of [{ ...forged, height: -5 }, { ...forged, height: 'x' }, { ...forged, height: 1e9 }, { type: 'other', height: 37 }]) {
      await first.evaluate((m) => parent.postMessage(m, '*'), bad);
    }
    await page.waitForTimeout(500);
    assert.equal((await page.evaluate(() => window.received)).filter((m) => m.data?.type === 'recon-align:height' && m.data.height === 37).length, 3, 'the three forged messages arrived');
    assert.deepEqual(await heights(), before, 'no iframe was resized by them');
    assert.ok(before.every((h) => h !== '37px'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('the snippet, pasted into a host page, computes the same numbers as the full page (real worker)', { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const hash = 'noise=gaussian&sigma=0.75&seed=7';
    const { page, problems } = await openPage(browser, hash);
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    const full = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    await page.click('[data-action="embed-alignment"]');
    const snippet = await page.inputValue('#embed-snippet');
    assert.deepEqual(problems, []);
    await page.close();
    const host = await hostPage(browser, snippet, 900, { fake: false });
    const frame = await embedFrame(host.page);
    await frame.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 300_000 });
    // The embed's own JSON export (a download from the frame is the host page's download).
    await frame.waitForSelector('[data-export="alignment.json"]:not([disabled])', { timeout: 60_000 });
    const [download] = await Promise.all([host.page.waitForEvent('download', { timeout: 30_000 }), frame.click('[data-export="alignment.json"]')]);
    const embedded = JSON.parse(readFileSync(await download.path(), 'utf8'));
    // The same settings, seed included; only the embed flags differ (the snippet shows one panel).
    const { embed, panel, controls, ...same } = embedded.settings;
    const { embed: e0, panel: p0, controls: c0, ...fullSame } = full.settings;
    assert.deepEqual([embed, panel, e0, p0], [true, 'alignment', false, 'all']);
    assert.deepEqual(same, fullSame, 'the snippet carries every setting (seed included)');
    assert.equal(same.seed, 7);
    assert.deepEqual(embedded.curves, full.curves, 'the embed computes the full page\'s curves, bit for bit');
    assert.equal(embedded.curves[1].noise, 'gaussian:0.75');
    assert.deepEqual(host.problems, []);
    await host.page.close();
  } finally {
    await browser.close();
  }
});
