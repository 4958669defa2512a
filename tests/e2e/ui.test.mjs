// The page's UI contract, tested against tests/e2e/fake-worker.js (the protocol with made-up
// numbers), so that it is fast and independent of the numerics: hostile links, the hash as the
// one source of state, exports in four formats, cancel and restart, keyboard use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, exportFile, syntheticIdx } from './browser.mjs';

const DEFAULT_HASH = '#v=2&data=mnist&k=32&guided_k=8&noise=mask&sigma=0.5&p=0.5&patch=1&lr=0.0006&optimiser=sgd&momentum=0&epochs=20&batch=32&seed=1&panel=all';
const HOSTILE = [
  'k=<script>alert(1)</script>',
  `k=${encodeURIComponent('<img src=x onerror=alert(1)>')}`,
  'k=1e999', 'p=NaN', 'zzz=1', `k=${'9'.repeat(10_000)}`, 'embed=<b>1</b>&panel=<svg/onload=alert(1)>',
];

test('hostile and malformed links give the defaults, a notice, and run no script', async () => {
  const browser = await launch({ webgpu: false });
  try {
    for (const hash of HOSTILE) {
      const { page, problems } = await openPage(browser, hash, undefined, { fakeWorker: true });
      await page.waitForSelector('.notice');
      const notices = await page.locator('#notices .notice').allTextContents();
      assert.ok(notices.some((n) => /Ignored|characters long/.test(n)), `a notice for ${hash.slice(0, 40)}: ${notices}`);
      assert.equal(await page.evaluate(() => location.hash), DEFAULT_HASH, 'the hash is rewritten to the defaults');
      assert.equal(await page.inputValue('#ctl-k'), '32');
      assert.equal(await page.inputValue('#ctl-p'), '0.5');
      // Nothing from the URL became markup: only the page's own module scripts (www/boot.js and
      // www/app.js), no injected nodes.
      assert.deepEqual(await page.locator('script').evaluateAll((els) => els.map((e) => e.getAttribute('src'))), ['www/boot.js', 'www/app.js']);
      assert.equal(await page.locator('#notices img, #notices svg, #notices b, #notices script').count(), 0);
      assert.equal(await page.evaluate(() => document.body.classList.contains('embed')), false);
      await page.waitForSelector('#alignment-progress[data-state="done"]');
      assert.deepEqual(problems, [], `no dialog or console error for ${hash.slice(0, 40)}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test('controls write the hash, and a copied link restores every setting', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, '', undefined, { fakeWorker: true });
    await page.waitForSelector('#alignment-progress[data-state="done"]');
    // Keyboard only: focus, type, Tab away (the change event), as a reader would.
    await page.focus('#ctl-k');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('50');
    await page.keyboard.press('Tab');
    await page.selectOption('#ctl-noise', 'gaussian');
    await page.fill('#ctl-sigma', '0.25');
    await page.press('#ctl-sigma', 'Tab');
    await page.fill('#ctl-seed', '77');
    await page.press('#ctl-seed', 'Tab');
    await page.selectOption('#ctl-optimiser', 'sgd');
    await page.waitForFunction(() => location.hash.includes('optimiser=sgd'));
    assert.match(await page.evaluate(() => location.hash), /k=50&guided_k=8&noise=gaussian&sigma=0.25&.*seed=77/);
    assert.equal(await page.isVisible('#ctl-p'), false, 'mask controls hide for Gaussian noise');

    await page.click('#copy-link');
    const link = await page.inputValue('#share-link');
    assert.match(link, /#v=2&data=mnist&k=50&guided_k=8&noise=gaussian&sigma=0.25/);

    const { page: again, problems: p2 } = await openPage(browser, link.split('#')[1], undefined, { fakeWorker: true });
    for (const [id, v] of [['#ctl-k', '50'], ['#ctl-noise', 'gaussian'], ['#ctl-sigma', '0.25'], ['#ctl-seed', '77'], ['#ctl-optimiser', 'sgd']]) {
      assert.equal(await again.inputValue(id), v, id);
    }
    assert.deepEqual([...problems, ...p2], []);
  } finally {
    await browser.close();
  }
});

test('every figure exports PNG, SVG, CSV and JSON', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'noise=mask&p=0.3&patch=2&epochs=3', undefined, { fakeWorker: true });
    await page.waitForSelector('#guided-progress[data-state="done"]', { timeout: 60_000 });
    await page.waitForSelector('#sweep-progress[data-state="done"]', { timeout: 60_000 });
    // The noise designer has nothing to export until a map is designed (tests/e2e/designer.test.mjs
    // exports its JSON); every figure does.
    const names = (await page.locator('[data-export]').evaluateAll((els) => els.map((e) => e.dataset.export)))
      .filter((name) => name !== 'designer.json');
    assert.equal(await page.locator('[data-export="designer.json"]').isDisabled(), true);
    for (const chart of ['train-loss', 'train-acc', 'train-energy', 'train-order', 'alignment', 'sweep', 'sweep-p', 'never', 'subspace', 'guided']) {
      for (const f of ['png', 'svg', 'csv', 'json']) assert.ok(names.includes(`${chart}.${f}`), `${chart}.${f} exists`);
    }
    for (const name of names) {
      const { bytes, filename } = await exportFile(page, name);
      assert.equal(filename, `recon-align-${name}`);
      const fmt = name.split('.').pop();
      if (fmt === 'png') assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${name} is a PNG`);
      if (fmt === 'svg') {
        const ok = await page.evaluate((t) => {
          const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
          return !doc.querySelector('parsererror') && doc.documentElement.localName === 'svg' && doc.querySelectorAll('path').length > 0;
        }, bytes.toString('utf8'));
        assert.ok(ok, `${name} is well-formed SVG with lines`);
      }
      if (fmt === 'json') JSON.parse(bytes.toString('utf8'));
      if (fmt === 'csv') assert.ok(bytes.toString('utf8').trim().split('\n').length >= 2, `${name} has rows`);
    }
    const aj = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    assert.equal(aj.panel, 'alignment');
    assert.equal(aj.settings.noise_spec, 'mask:0.3:2');
    assert.deepEqual(aj.curves.map((c) => c.noise), ['none', 'mask:0.3:2']);
    for (const c of aj.curves) assert.equal(c.k.length, c.alignment.length);
    const tj = JSON.parse((await exportFile(page, 'train.json')).bytes.toString('utf8'));
    assert.equal(tj.epochs.length, 3);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('training can be cancelled and restarted; the page stays responsive', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, 'epochs=500', undefined, { fakeWorker: true });
    await page.waitForSelector('#train-progress[data-state="running"]', { timeout: 30_000 });
    await page.click('[data-action="cancel-train"]');
    await page.waitForSelector('#train-progress[data-state="cancelled"]');
    const t0 = Date.now();
    await page.evaluate(() => new Promise(requestAnimationFrame));
    assert.ok(Date.now() - t0 < 1000, 'a frame is drawn promptly');
    await page.click('[data-action="train"]');
    await page.waitForSelector('#train-progress[data-state="running"]');
    await page.waitForFunction(() => /epoch \d+\/500/.test(document.querySelector('#train-progress .progress-label').textContent));
    await page.click('[data-action="cancel-train"]');
    await page.waitForSelector('#train-progress[data-state="cancelled"]');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('bring your own data: files and URLs go to the worker, errors show clearly', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, problems } = await openPage(browser, '', undefined, { fakeWorker: true });
    await page.waitForSelector('#alignment-progress[data-state="done"]');
    await page.click('#byod summary');
    await page.click('#load-files');
    assert.match(await page.textContent('#byod-status'), /Choose both/);
    await page.fill('#url-images', 'javascript:alert(1)');
    await page.fill('#url-labels', 'https://example.org/labels.gz');
    await page.click('#load-urls');
    assert.match(await page.textContent('#byod-status'), /Only http\(s\) URLs/);
    await page.setInputFiles('#idx-images', { name: 'a.idx', mimeType: 'application/octet-stream', buffer: Buffer.from('junk') });
    await page.setInputFiles('#idx-labels', { name: 'b.idx', mimeType: 'application/octet-stream', buffer: Buffer.from('junk') });
    await page.click('#load-files');
    await page.waitForSelector('#byod-status[data-level="error"]');
    assert.match(await page.textContent('#byod-status'), /Could not load the data: images: not an IDX file/);
    const { images, labels } = syntheticIdx(300);
    await page.setInputFiles('#idx-images', { name: 'mine-images.idx', mimeType: 'application/octet-stream', buffer: images });
    await page.setInputFiles('#idx-labels', { name: 'mine-labels.idx', mimeType: 'application/octet-stream', buffer: labels });
    await page.click('#load-files');
    await page.waitForFunction(() => /N=300\b/.test(document.querySelector('#dataset-summary').textContent));
    await page.waitForSelector('#byod-status[data-level="ok"]');
    await page.waitForSelector('#guided-progress[data-state="done"]');
    assert.equal(await page.evaluate(() => document.querySelector('#alignment-progress').dataset.state), 'done');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
