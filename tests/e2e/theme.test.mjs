// Themes, print and keyboard focus, against tests/e2e/fake-worker.js (colours do not depend on the
// numbers): `theme=light|dark|auto` round-trips through the hash and only restyles; `auto` follows
// prefers-color-scheme; charts and their SVG/PNG exports follow the theme; text pairs meet WCAG AA
// (contrast computed here from the browser's computed styles, with WCAG 2's formula); print shows
// the figures without controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, exportFile } from './browser.mjs';

/** `rgb(...)`, `rgba(...)`, `color(srgb ...)` or `#rrggbb` as [r, g, b, a] (0–255, alpha 0–1). */
function parseColour(text) {
  const hex = /^#([0-9a-f]{6})$/i.exec(text.trim());
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)).concat(1);
  const srgb = /^color\(srgb ([^)]+)\)$/.exec(text.trim());
  if (srgb) {
    const [r, g, b, a] = srgb[1].split(/[ /]+/).filter(Boolean).map(Number);
    return [r * 255, g * 255, b * 255, a ?? 1];
  }
  const m = /^rgba?\(([^)]+)\)$/.exec(text.trim());
  assert.ok(m, `a colour: ${text}`);
  const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return [parts[0], parts[1], parts[2], parts[3] ?? 1];
}

/** WCAG 2 relative luminance of an sRGB colour. */
function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two opaque colours. */
function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const near = (a, b, tol = 2) => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= tol);

/** Progress-row state changes (a sign of a computation), recorded from now on. */
async function recordRuns(page) {
  await page.evaluate(() => {
    window.runsSeen = [];
    new MutationObserver((records) => records.forEach((r) => window.runsSeen.push(`${r.target.id}:${r.target.dataset.state}`)))
      .observe(document.getElementById('panels'), { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => window.runsSeen);
}

/**
 * The colour of a chart's y-axis text on its canvas: the most frequent opaque colour left of the
 * tick marks (labels and axis title only), with the panel's background colour.
 */
function axisText(page, chart) {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-chart="${id}"] canvas`);
    const r = window.devicePixelRatio || 1;
    const w = Math.floor(40 * r);
    const px = canvas.getContext('2d').getImageData(0, 0, w, canvas.height).data;
    const counts = new Map();
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] !== 255) continue;
      const key = `${px[i]},${px[i + 1]},${px[i + 2]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const [top] = [...counts].sort((a, b) => b[1] - a[1]);
    const section = canvas.closest('section');
    return { text: top?.[0] ?? null, opaque: [...counts.values()].reduce((a, b) => a + b, 0), background: getComputedStyle(section).backgroundColor };
  }, chart);
}

async function ready(page) {
  await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 60_000 });
  await page.waitForSelector('[data-chart="alignment"] canvas');
}

test('theme=dark round-trips through the hash and the control, and a change reruns nothing', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'theme=dark&seed=5', undefined, { fakeWorker: true });
    await ready(page);
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await page.inputValue('#ctl-theme'), 'dark');
    assert.match(await page.evaluate(() => location.hash), /&seed=5&.*theme=dark$/);
    await page.waitForFunction(() => [...document.querySelectorAll('.progress-row')]
      .every((r) => !['queued', 'running'].includes(r.dataset.state)), null, { timeout: 120_000 });
    const runs = await recordRuns(page);
    await page.selectOption('#ctl-theme', 'light');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    assert.match(await page.evaluate(() => location.hash), /theme=light$/);
    await page.selectOption('#ctl-theme', 'auto');
    await page.waitForFunction(() => !location.hash.includes('theme='));
    // Through the address bar too: a hash change restyles like the control.
    await page.evaluate(() => { location.hash = location.hash.replace('seed=5', 'seed=5&theme=dark'); });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.waitForTimeout(600); // past the page's 250 ms rerun debounce
    assert.deepEqual(await runs(), [], 'no progress row changed: no computation ran');

    // A shared link keeps the theme.
    const link = await page.evaluate(() => location.hash.slice(1));
    const { page: again, problems: p2 } = await openPage(browser, link, undefined, { fakeWorker: true });
    assert.equal(await again.getAttribute('html', 'data-theme'), 'dark');
    assert.deepEqual([...problems, ...p2], []);
  } finally {
    await browser.close();
  }
});

test('a hostile theme value falls back to auto with a notice', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, `theme=${encodeURIComponent('<b>dark</b>')}`, undefined, { fakeWorker: true });
    await page.waitForSelector('.notice');
    assert.match((await page.locator('#notices .notice').allTextContents()).join(' '), /Ignored theme=/);
    assert.equal(await page.inputValue('#ctl-theme'), 'auto');
    assert.equal(await page.locator('#notices b').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('auto follows prefers-color-scheme; chart axes and exports follow the theme', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, '', undefined, { fakeWorker: true });
    await ready(page);
    const seen = {};
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
      await page.waitForFunction((s) => document.querySelector('[data-chart="alignment"]').dataset.theme === s, scheme);
      const axis = await axisText(page, 'alignment');
      assert.ok(axis.text && axis.opaque > 20, `the axis text is drawn (${scheme})`);
      const text = axis.text.split(',').map(Number);
      const panel = parseColour(axis.background);
      assert.ok(contrast(text, panel) >= 4.5, `${scheme}: axis text ${axis.text} on ${axis.background}: ${contrast(text, panel).toFixed(2)}`);
      assert.equal(luminance(text) > luminance(panel), scheme === 'dark', `${scheme}: light text on dark, dark text on light`);

      const { bytes } = await exportFile(page, 'alignment.svg');
      const svg = bytes.toString('utf8');
      const background = /<rect width="100%" height="100%" fill="([^"]+)"\/>/.exec(svg)?.[1];
      const ink = /<svg [^>]*fill="([^"]+)"/.exec(svg)?.[1];
      const pageColours = await page.evaluate(() => {
        const s = getComputedStyle(document.getElementById('panel-alignment'));
        return { bg: s.backgroundColor, fg: s.color };
      });
      assert.ok(near(parseColour(background), parseColour(pageColours.bg), 0), `${scheme}: SVG background ${background} is the panel's ${pageColours.bg}`);
      assert.ok(near(parseColour(ink), parseColour(pageColours.fg), 0), `${scheme}: SVG text ${ink} is the panel's ${pageColours.fg}`);
      // The "no noise" curve (Okabe-Ito black) stays visible: a dark line on light, a light grey on dark.
      const path = /<path d="[^"]+" fill="none" stroke="([^"]+)"/.exec(svg)?.[1];
      assert.ok(contrast(parseColour(path), parseColour(background)) >= 3, `${scheme}: the no-noise curve ${path} stands out from ${background}`);

      const png = await exportFile(page, 'alignment.png');
      const corner = await page.evaluate(async (b64) => {
        const blob = new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
        const bitmap = await createImageBitmap(blob);
        const c = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = c.getContext('2d');
        ctx.drawImage(bitmap, 0, 0);
        return Array.from(ctx.getImageData(1, 1, 1, 1).data);
      }, png.bytes.toString('base64'));
      assert.ok(near(corner, parseColour(pageColours.bg), 1), `${scheme}: PNG background ${corner} is the panel's ${pageColours.bg}`);
      seen[scheme] = { axis: axis.text, background };
    }
    assert.notEqual(seen.light.axis, seen.dark.axis, 'axis text differs between themes');
    assert.notEqual(seen.light.background, seen.dark.background, 'SVG background differs between themes');
    // An explicit theme wins over the system's.
    await page.selectOption('#ctl-theme', 'light');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('text contrast is at least 4.5:1 in both themes', async () => {
  const browser = await launch({ webgpu: false });
  try {
    for (const theme of ['light', 'dark']) {
      // k=1e999 gives a warning notice to measure; the fake worker an error-free page.
      const { page, problems } = await openPage(browser, `theme=${theme}&k=1e999`, undefined, { fakeWorker: true });
      await ready(page);
      assert.equal(await page.getAttribute('html', 'data-theme'), theme);
      await page.evaluate(() => {
        // An error notice too, for its colour pair.
        const n = document.querySelector('#notices .notice').cloneNode(true);
        n.className = 'notice error';
        document.getElementById('notices').append(n);
      });
      const pairs = await page.evaluate(() => {
        const opaque = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const bg = getComputedStyle(e).backgroundColor;
            if (!/rgba\(.*,\s*0\)$/.test(bg) && bg !== 'transparent') return bg;
          }
          return getComputedStyle(document.documentElement).backgroundColor;
        };
        const pair = (name, el) => ({ name, fg: getComputedStyle(el).color, bg: opaque(el) });
        const q = (s) => document.querySelector(s);
        return [
          pair('page text', q('h1')),
          pair('muted text on the page', q('.lede')),
          pair('panel text', q('#alignment-title')),
          pair('muted text in a panel', q('#panel-alignment .explain')),
          pair('takeaway', q('#alignment-takeaway')),
          pair('settings label', q('#settings label')),
          pair('settings input', q('#ctl-k')),
          pair('button', q('#copy-link')),
          pair('export button', q('[data-export="alignment.svg"]')),
          pair('warning notice', q('#notices .notice.warn')),
          pair('error notice', q('#notices .notice.error')),
          pair('link', q('.skip')),
          pair('status', q('#backend')),
          pair('progress label', q('#alignment-progress .progress-label')),
          pair('footer', q('footer p')),
        ];
      });
      for (const { name, fg, bg } of pairs) {
        const ratio = contrast(parseColour(fg), parseColour(bg));
        assert.ok(ratio >= 4.5, `${theme}: ${name} ${fg} on ${bg} has contrast ${ratio.toFixed(2)}`);
      }
      // The designer's digits on their cells, at every level.
      const cells = await page.evaluate(() => [...document.querySelectorAll('.designer-cell')].slice(0, 10).map((c, i) => {
        c.dataset.level = String(i);
        c.style.setProperty('--level', String(i / 9));
        const s = getComputedStyle(c);
        return { level: i, fg: s.color, bg: s.backgroundColor };
      }));
      assert.equal(cells.length, 10);
      for (const { level, fg, bg } of cells) {
        const ratio = contrast(parseColour(fg), parseColour(bg));
        assert.ok(ratio >= 4.5, `${theme}: designer level ${level} ${fg} on ${bg}: ${ratio.toFixed(2)}`);
      }
      assert.deepEqual(problems, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test('print shows the figures and their sentences, without controls, buttons or notices', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'theme=dark&k=1e999', undefined, { fakeWorker: true });
    await ready(page);
    await page.emulateMedia({ media: 'print' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    assert.equal(await page.isVisible('#settings'), false, 'no settings form');
    assert.equal(await page.isVisible('#notices'), false, 'no notices');
    assert.equal(await page.isVisible('#status'), false, 'no status bar');
    const shown = await page.evaluate(() => [...document.querySelectorAll('button, input, select, progress')]
      .filter((b) => !b.classList.contains('designer-cell') && b.getClientRects().length > 0).map((b) => b.outerHTML.slice(0, 80)));
    assert.deepEqual(shown, [], 'no control shows (the designed map prints as a figure)');
    assert.ok(await page.isVisible('[data-chart="alignment"] canvas'), 'the chart shows');
    assert.ok(await page.isVisible('#alignment-takeaway'), 'its sentence shows');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.chart')).breakInside), 'avoid', 'a chart is not cut across pages');
    await page.emulateMedia({ media: 'screen' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('reduced motion stops transitions; keyboard focus is visible on every control', async () => {
  const browser = await launch({ webgpu: false });
  try {
    for (const theme of ['light', 'dark']) {
      const { page, problems } = await openPage(browser, `theme=${theme}`, undefined, { fakeWorker: true });
      await ready(page);
      await page.emulateMedia({ reducedMotion: 'reduce' });
      const moving = await page.evaluate(() => [...document.querySelectorAll('*')]
        .filter((e) => { const s = getComputedStyle(e); return s.transitionDuration.split(',').some((d) => parseFloat(d) > 0) || s.animationName !== 'none'; })
        .map((e) => e.tagName));
      assert.deepEqual(moving, [], 'nothing moves');
      // Tab through the page: every focused element shows an outline of at least 2 px that
      // stands out from the page (3:1, WCAG's non-text contrast).
      const kinds = new Set();
      const visited = new Set();
      for (let i = 0; i < 400; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
          const e = document.activeElement;
          const s = getComputedStyle(e);
          if (!e.dataset.tabbed) e.dataset.tabbed = String(document.querySelectorAll('[data-tabbed]').length);
          return { tag: e.tagName, key: e.dataset.tabbed, id: e.id || e.dataset.export || e.className, style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor, bg: getComputedStyle(document.documentElement).backgroundColor };
        });
        if (f.tag === 'BODY') continue;
        if (visited.has(f.key)) break; // round the page once
        visited.add(f.key);
        kinds.add(f.tag);
        assert.notEqual(f.style, 'none', `${theme}: focus shows on ${f.tag} ${f.id}`);
        assert.ok(f.width >= 2, `${theme}: outline of ${f.tag} ${f.id} is ${f.width}px`);
        assert.ok(contrast(parseColour(f.colour), parseColour(f.bg)) >= 3, `${theme}: outline ${f.colour} on ${f.bg}`);
      }
      for (const tag of ['A', 'BUTTON', 'INPUT', 'SELECT', 'SUMMARY']) assert.ok(kinds.has(tag), `focus reached a ${tag}: ${[...kinds]}`);
      assert.ok(await page.evaluate(() => document.querySelector('.designer-cell[data-tabbed]') !== null), 'focus reached the designer grid');
      assert.deepEqual(problems, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
