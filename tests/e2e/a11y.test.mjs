// Accessible figures, against tests/e2e/fake-worker.js where the numbers do not matter: axe-core
// (npm `axe-core`) finds no serious or critical violation on the full page and on an embed, in the
// light and the dark theme, once the figures are drawn (tables and the Embed dialog open too);
// every chart is named by its caption and described by its takeaway; its "Table" button works from
// the keyboard and shows exactly the numbers of the chart's JSON export, also after a redraw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, exportFile, REPO_ROOT } from './browser.mjs';

const AXE = readFileSync(join(REPO_ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const VIEWPORT = { width: 1200, height: 900 };

/**
 * A page whose context bypasses the Content-Security-Policy, for axe-core alone: the page's CSP
 * allows no inline script, and page.addScriptTag({ content }) injects one. Only this test does so;
 * every other browser test runs under the CSP (and openPage still reports any violation).
 */
async function auditedPage(browser, hash) {
  const context = await browser.newContext({ bypassCSP: true, viewport: VIEWPORT });
  // openPage calls `newPage` on what it is given: here the context, whose viewport it takes.
  const opened = await openPage(context, hash, VIEWPORT, { fakeWorker: true });
  return { ...opened, context };
}

/** Waits until no progress row is queued or running, and the alignment chart is drawn. */
async function drawn(page) {
  await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 60_000 });
  await page.waitForSelector('[data-chart="alignment"] canvas');
  await page.waitForFunction(() => [...document.querySelectorAll('.progress-row')]
    .every((r) => !['queued', 'running'].includes(r.dataset.state)), null, { timeout: 120_000 });
}

/** Runs axe-core on the whole document; returns its serious and critical violations, readably. */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return {
      passed: r.passes.length,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
    };
  });
  // axe-core ran its rules (a run that checked nothing would find nothing).
  assert.ok(violations.passed >= 20, `axe-core passed ${violations.passed} rules`);
  return violations.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

for (const theme of ['light', 'dark']) {
  test(`axe-core: no serious or critical violation on the full page, ${theme} theme`, async () => {
    const browser = await launch({ webgpu: false });
    try {
      const { page, problems } = await auditedPage(browser, `theme=${theme}`);
      await drawn(page);
      assert.equal(await page.getAttribute('html', 'data-theme'), theme);
      assert.deepEqual(await seriousViolations(page), [], 'the page as loaded');
      // The tables shown (their scrolling boxes and cells are audited too): those of up to 100
      // rows here, the long alignment table in the embed's test (axe-core takes about a minute
      // over the tens of thousands of cells of every table at once).
      const short = await page.locator('figure.chart[data-chart]').evaluateAll((fs) => fs
        .filter((f) => Number(f.dataset.points) <= 100).map((f) => f.dataset.chart));
      for (const id of short) await page.click(`button.table-toggle[data-table-toggle="${id}"]`);
      assert.ok(await page.locator('.chart-table:not([hidden]) table').count() >= 5, `tables shown: ${short}`);
      assert.deepEqual(await seriousViolations(page), [], 'with the tables shown');
      // The Embed dialog, open.
      await page.click('[data-action="embed-alignment"]');
      assert.ok(await page.isVisible('#embed-dialog'));
      assert.deepEqual(await seriousViolations(page), [], 'with the Embed dialog open');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test(`axe-core: no serious or critical violation on an embed of the alignment panel, ${theme} theme`, async () => {
    const browser = await launch({ webgpu: false });
    try {
      const { page, problems } = await auditedPage(browser, `embed=1&panel=alignment&theme=${theme}`);
      await drawn(page);
      assert.equal(await page.getAttribute('html', 'data-theme'), theme);
      assert.deepEqual(await seriousViolations(page), [], 'the embed as loaded');
      await page.click('button.table-toggle[data-table-toggle="alignment"]');
      assert.equal(await page.locator('[data-chart-table="alignment"] tbody tr').count(), 784, 'K = 1..D');
      assert.deepEqual(await seriousViolations(page), [], 'with its table shown');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
}

test('every chart is named by its caption, described by its takeaway, and has a Table button', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, '', VIEWPORT, { fakeWorker: true });
    await drawn(page);
    const charts = await page.evaluate(() => [...document.querySelectorAll('figure.chart[data-chart]')].map((f) => {
      const byId = (id) => (id ? document.getElementById(id) : null);
      const toggle = document.querySelector(`button.table-toggle[data-table-toggle="${f.dataset.chart}"]`);
      return {
        chart: f.dataset.chart,
        name: byId(f.getAttribute('aria-labelledby'))?.textContent ?? null,
        caption: f.querySelector('figcaption').textContent,
        description: byId(f.getAttribute('aria-describedby'))?.textContent ?? '',
        describedByTakeaway: byId(f.getAttribute('aria-describedby'))?.classList.contains('takeaway') ?? false,
        controls: toggle && byId(toggle.getAttribute('aria-controls')) === f.querySelector('.chart-table'),
      };
    }));
    assert.ok(charts.length >= 8, `${charts.length} charts`);
    for (const c of charts) {
      assert.ok(c.name && c.name === c.caption, `${c.chart}: named by its caption`);
      assert.ok(c.describedByTakeaway && c.description.length > 20, `${c.chart}: described by a takeaway (${c.description})`);
      assert.ok(c.controls, `${c.chart}: a Table button controls its table`);
    }
    // The sweep's charts are described by the sweep's own sentences.
    assert.equal(charts.find((c) => c.chart === 'sweep').description, await page.textContent('#sweep-takeaway'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

/** The table of chart `id` as { header, x, columns } with the exact values of its <data> cells. */
function readTable(page, id) {
  return page.evaluate((chart) => {
    const table = document.querySelector(`[data-chart-table="${chart}"] table`);
    const value = (c) => { const d = c.querySelector('data'); return d ? Number(d.value) : null; };
    const rows = [...table.tBodies[0].rows];
    const header = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    return {
      header,
      x: rows.map((r) => value(r.cells[0])),
      columns: header.slice(1).map((_, j) => rows.map((r) => value(r.cells[j + 1]))),
      shown: rows.map((r) => [...r.cells].map((c) => c.textContent)),
    };
  }, id);
}

/** Four significant digits, as the table shows them (written here, independently of www/). */
const four = (v) => (v == null ? '–' : String(Number(v.toPrecision(4))));

test("the alignment table is exactly the chart's JSON export, follows a redraw, and works from the keyboard", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'noise=mask&p=0.5&patch=1', VIEWPORT, { fakeWorker: true });
    await drawn(page);
    // Keyboard: focus the Table button, press Enter (shown), then Space (hidden), then Enter again.
    const toggle = page.locator('button.table-toggle[data-table-toggle="alignment"]');
    await toggle.focus();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.ok(await page.isHidden('[data-chart-table="alignment"]'));
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.ok(await page.isVisible('[data-chart-table="alignment"] table'));
    await page.keyboard.press('Space');
    assert.ok(await page.isHidden('[data-chart-table="alignment"]'));
    await page.keyboard.press('Enter');
    // Its scrolling box is reachable by Tab (a keyboard reader can scroll it).
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.tableToggle), 'alignment');
    assert.equal(await page.evaluate(() => document.querySelector('[data-chart-table="alignment"]').tabIndex), 0);

    const compare = async (label) => {
      const json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
      const t = await readTable(page, 'alignment');
      const [clean, noisy] = json.curves;
      assert.deepEqual(t.x, clean.k, `${label}: x is K`);
      assert.equal(t.header[1], 'no noise');
      assert.deepEqual(t.columns[0], clean.alignment, `${label}: the clean curve, exactly`);
      assert.deepEqual(t.columns[1], noisy.alignment, `${label}: the noisy curve, exactly`);
      // The marks (PCA widths and the label-optimal point) are blank but where they are drawn.
      assert.deepEqual(json.scale.pca_dims.map((k) => t.columns[2][k - 1]), json.scale.pca_dims.map((k) => clean.alignment[k - 1]));
      assert.equal(t.columns[3].filter((v) => v != null).length, 1);
      // One row per K (1..D, a scrolling box), shown to four significant digits.
      assert.equal(t.x.length, json.d);
      assert.deepEqual(t.shown[9], [four(clean.k[9]), four(clean.alignment[9]), four(noisy.alignment[9]), ...t.shown[9].slice(3)]);
      return json;
    };
    const before = await compare('mask');
    // A new noise redraws the chart (setSeries): the open table follows it.
    await page.selectOption('#ctl-noise', 'gaussian');
    await page.waitForFunction(() => document.querySelector('[data-chart-table="alignment"] th[scope="col"]:nth-child(3)')?.textContent.includes('Gaussian'), null, { timeout: 60_000 });
    await page.waitForSelector('#alignment-progress[data-state="done"]');
    await page.waitForSelector('#panel-alignment[data-drawn="all"]');
    const after = await compare('gaussian');
    assert.notDeepEqual(after.curves[1].alignment, before.curves[1].alignment, 'the fake worker gives another curve');

    // A chart with the standard exports: its table is its CSV's columns of the same names, exactly.
    await page.waitForSelector('#sweep-progress[data-state="done"]', { timeout: 60_000 });
    await page.click('button.table-toggle[data-table-toggle="sweep-p"]');
    const csv = (await exportFile(page, 'sweep-p.csv')).bytes.toString('utf8').trim().split('\n')
      .map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).slice(0, -1).map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')));
    const sweep = await readTable(page, 'sweep-p');
    const column = (label) => csv.slice(1).map((row) => (row[csv[0].indexOf(label)] === '' ? null : Number(row[csv[0].indexOf(label)])));
    assert.deepEqual(sweep.x, column(csv[0][0]), 'x column');
    sweep.header.slice(1).forEach((label, j) => {
      assert.ok(csv[0].includes(label), `${label} is a CSV column`);
      assert.deepEqual(sweep.columns[j], column(label), label);
    });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('link previews: index.html names og-image.png, a 1200×630 PNG of the alignment figure that dist/ holds', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, '', VIEWPORT, { fakeWorker: true });
    const meta = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')]
      .map((m) => [m.getAttribute('property') ?? m.getAttribute('name'), m.content])));
    assert.equal(meta['og:type'], 'website');
    assert.ok(meta['og:title'] && meta['og:description'] && meta['og:image:alt'], 'title, description and alt text');
    assert.equal(meta['twitter:card'], 'summary_large_image');
    assert.match(meta['og:image'], /(^|\/)og-image\.png$/);
    assert.equal(meta['twitter:image'], meta['og:image']);
    // The file the page names, as the server sends it from dist/: a PNG whose header says 1200×630.
    const url = new URL(meta['og:image'], page.url()).href;
    const response = await fetch(url);
    assert.equal(response.status, 200, url);
    assert.equal(response.headers.get('content-type'), 'image/png');
    const png = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1200, 630]);
    // Chromium decodes it, and it holds both curves' colours (Okabe-Ito black and vermillion).
    const seen = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const count = (rgb) => { let n = 0; for (let i = 0; i < px.length; i += 4) if (px[i] === rgb[0] && px[i + 1] === rgb[1] && px[i + 2] === rgb[2]) n += 1; return n; };
      return { w: img.naturalWidth, h: img.naturalHeight, black: count([0, 0, 0]), vermillion: count([0xd5, 0x5e, 0x00]) };
    }, url);
    assert.deepEqual([seen.w, seen.h], [1200, 630]);
    assert.ok(seen.black > 1000 && seen.vermillion > 1000, `curve pixels: ${JSON.stringify(seen)}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
