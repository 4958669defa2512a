// The noise designer: painting with the pointer and the keyboard writes the map into the hash, the
// presets and the kinds work, a design is a link, and the page's numbers for a map equal the
// command-line tool's (with and without WebGPU), training included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, openPage, exportFile, REPO_ROOT } from './browser.mjs';

const CENTRE9 = '0000000000000000999000099900009990000000000000000';
const mapOf = async (page) => page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('map'));
const noiseOf = async (page) => page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('noise'));
const cell = (page, i) => page.locator(`#designer-grid [data-cell="${i}"]`);

test('painting with the pointer and the keyboard writes the design into the hash', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'k=32', undefined, { fakeWorker: true });
    await page.waitForSelector('#designer-grid [data-cell="48"]');
    // The grid is drawn before the data arrives; the takeaway says what to do once the panel runs.
    await page.waitForFunction(() => /paint a cell/i.test(document.querySelector('#designer-takeaway').textContent), null, { timeout: 20000 })
      .catch(() => {});
    assert.match(await page.textContent('#designer-takeaway'), /paint a cell/i);
    assert.equal(await mapOf(page), null, 'no map in the hash while the noise is the mask');

    // A preset at the brush level (9 by default).
    await page.click('#panel-designer [data-preset="centre"]');
    await page.waitForFunction((m) => location.hash.includes(`noise=dropmap&map=${m}`), CENTRE9);
    assert.equal(await page.inputValue('#ctl-noise'), 'dropmap');

    // Let every panel redraw for the new noise first, so that nothing above moves the grid.
    await page.waitForSelector(`#designer-verdict[data-noise="dropmap:${CENTRE9}"]`);
    for (const id of ['alignment', 'never', 'train']) await page.waitForSelector(`#${id}-progress[data-state="done"]`);
    // Every panel above the grid (the sweep, the probes, the guided encoder) may still be redrawing
    // and change its height; page.mouse does not scroll. So wait until no row runs or waits, bring
    // the grid into view, and check that the points to drag through are the cells meant.
    await page.waitForFunction(() => !document.querySelector('.progress-row[data-state="running"], .progress-row[data-state="queued"]'));
    await cell(page, 0).scrollIntoViewIfNeeded();
    // Drag along the top row with the brush at 3.
    await page.fill('#designer-brush', '3');
    const box = async (i) => { const b = await cell(page, i).boundingBox(); return [b.x + b.width / 2, b.y + b.height / 2]; };
    const [x0, y0] = await box(0);
    const [x6, y6] = await box(6);
    const cellAtPoint = ([x, y]) => document.elementFromPoint(x, y)?.closest('[data-cell]')?.dataset.cell;
    assert.equal(await page.evaluate(cellAtPoint, [x0, y0]), '0', 'the drag starts on cell 0');
    assert.equal(await page.evaluate(cellAtPoint, [x6, y6]), '6', 'the drag ends on cell 6');
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x6, y6, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('map')?.startsWith('3333333'));

    // Keyboard: arrows move, a digit sets a level, + raises it.
    await cell(page, 0).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('7');
    await page.keyboard.press('+');
    await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('map')?.[8] === '8');
    assert.equal(await cell(page, 8).textContent(), '8');
    const painted = await mapOf(page);
    assert.equal(painted, '3333333080000000999000099900009990000000000000000');

    // The same map as Gaussian standard deviations, and the lesson in the takeaway.
    await page.selectOption('#designer-kind', 'gaussmap');
    await page.waitForFunction(() => location.hash.includes('noise=gaussmap'));
    await page.waitForSelector(`#designer-verdict[data-noise="gaussmap:${painted}"]`);
    assert.match(await page.textContent('#designer-takeaway'), /Isotropic Gaussian noise never changes the learned subspace.*not uniform/);
    // The other panels use the map too.
    await page.waitForFunction(() => document.querySelector('#alignment-takeaway').textContent.includes('designed Gaussian map'));
    await page.click('#panel-designer [data-preset="uniform"]');
    await page.waitForSelector(`#designer-verdict[data-noise="gaussmap:${'3'.repeat(49)}"][data-verdict="never"]`);
    assert.match(await page.textContent('#designer-takeaway'), /uniform.*isotropic Gaussian noise, which never changes the learned subspace/);

    // A design is a link.
    const link = await page.evaluate(() => location.hash.slice(1));
    const { page: again, problems: p2 } = await openPage(browser, link, undefined, { fakeWorker: true });
    await again.waitForSelector(`#designer-verdict[data-noise="gaussmap:${'3'.repeat(49)}"]`);
    assert.equal(await again.inputValue('#designer-kind'), 'gaussmap');
    assert.equal(await cell(again, 30).textContent(), '3');
    assert.deepEqual([...problems, ...p2], [], 'no console errors');
  } finally {
    await browser.close();
  }
});

test('a malformed map in a link gives the default map and a notice', async () => {
  const browser = await launch({ webgpu: false });
  try {
    for (const bad of ['12x', '9'.repeat(48), '9'.repeat(50), '<b>1</b>']) {
      const { page, problems } = await openPage(browser, `noise=dropmap&map=${encodeURIComponent(bad)}`, undefined, { fakeWorker: true });
      await page.waitForSelector('.notice');
      assert.match((await page.locator('#notices .notice').allTextContents()).join(' '), /Ignored map=/);
      assert.equal(await mapOf(page), '5'.repeat(49));
      assert.equal(await noiseOf(page), 'dropmap');
      assert.deepEqual(problems, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

const cliCache = new Map();
function cli(args) {
  const key = args.join(' ');
  if (!cliCache.has(key)) {
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args, '--data', 'mnist', '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 26 });
    cliCache.set(key, JSON.parse(out));
  }
  return cliCache.get(key);
}

/** The designer's JSON against `recon-align align` and `never-beneficial` for the same map. */
function assertSameAsCli(json, noise) {
  assert.equal(json.noise, noise);
  const align = cli(['align', '--noise', noise]);
  const never = cli(['never-beneficial', '--noise', noise]).reports[0];
  for (const [page, line, what] of [[json.noisy, align.alignment, 'alignment with the map'], [json.k.map((k) => k), align.alignment.map((_, i) => i + 1), 'K']]) {
    assert.equal(page.length, line.length, what);
    const worst = Math.max(...page.map((v, i) => Math.abs(v - line[i])));
    assert.ok(worst <= 1e-6, `${what}: largest difference ${worst}% > 1e-6%`);
  }
  assert.deepEqual(json.status, never.status);
  assert.equal(json.verdict, never.verdict);
  json.k.forEach((k, i) => {
    if (never.status[i] !== 'different') return;
    for (const key of ['max_feature_angle_deg', 'max_angle_deg']) {
      const [a, b] = [json[key][i], never[key][i]];
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${key} at K=${k}: page ${a}, CLI ${b}`);
    }
  });
}

for (const webgpu of [false, true]) {
  const mode = webgpu ? 'webgpu' : 'cpu-fallback';
  const kind = webgpu ? 'gaussmap' : 'dropmap';
  test(`a painted ${kind} gives the command line's numbers and trains (${mode})`, { timeout: 900_000 }, async () => {
    const browser = await launch({ webgpu });
    try {
      const { page, problems } = await openPage(browser, `embed=1&controls=1&panel=designer&k=32&epochs=1&noise=${kind}&map=${CENTRE9}`);
      const first = `${kind}:${CENTRE9}`;
      await page.waitForSelector(`#designer-verdict[data-noise="${first}"]`, { timeout: 300_000 });
      assertSameAsCli(JSON.parse((await exportFile(page, 'designer.json')).bytes.toString('utf8')), first);
      assert.match(await page.textContent('#designer-takeaway'), /At K=32 the alignment with the labels goes from \d+\.\d\d% without noise to \d+\.\d\d% with the map/);

      // Paint one more cell from the keyboard; the numbers follow.
      await cell(page, 0).focus();
      await page.keyboard.press('6');
      const second = `${kind}:6${CENTRE9.slice(1)}`;
      await page.waitForFunction((n) => location.hash.includes(`noise=${n.replace(':', '&map=')}`), second);
      await page.waitForSelector(`#designer-verdict[data-noise="${second}"]`, { timeout: 300_000 });
      assertSameAsCli(JSON.parse((await exportFile(page, 'designer.json')).bytes.toString('utf8')), second);

      // Train with the map (one epoch): the worker trains with it and reports each epoch.
      await page.click('#designer-train');
      await page.waitForSelector('#designer-train-status[data-backend]', { timeout: 600_000 });
      assert.match(await page.textContent('#designer-train-status'), /Trained with this map on the (GPU|CPU) \(1 epoch\): loss \d/);
      assert.doesNotMatch(await page.textContent('#panel-designer'), /undefined|NaN/);
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
}
