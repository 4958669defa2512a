// The page against the command-line tool, for the tests of the data panel's formats: the page opened
// at its data panel, a file chosen and loaded, its alignment export read once it describes the
// loaded data, and `recon-align align` on the same file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { exportFile, openPage, REPO_ROOT } from './browser.mjs';

const cliRuns = new Map();
/**
 * `recon-align align --data DATA --noise NOISE --json [extra]` (DATA a bundled name or a file's
 * path), run once per arguments in a test file: a file must not change under its path.
 */
export function cliAlignment(data, noise, extra = []) {
  const args = ['align', '--data', data, '--noise', noise, '--json', ...extra];
  const key = args.join('\0');
  if (!cliRuns.has(key)) {
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 26 });
    cliRuns.set(key, JSON.parse(out));
  }
  return cliRuns.get(key);
}

/** `a` within `rel` relative of `b` (the CLI's value), or an assertion naming `what`. */
export const closeTo = (a, b, rel, what) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300), `${what}: page ${a}, CLI ${b}`);

/** The full page with the bundled digits loaded and the data panel open. */
export async function openDataPanel(browser) {
  const opened = await openPage(browser, 'panel=alignment&epochs=1');
  await opened.page.waitForSelector('#dataset-summary[data-state="ready"]', { timeout: 60_000 });
  await opened.page.click('#byod summary');
  return opened;
}

/**
 * Puts `files` in the file input `input`, clears the status line (so that a test can wait for the
 * next one), then clicks the load button `button`.
 */
export async function chooseAndLoad(page, files, input = '#data-file', button = 'load-file') {
  await page.setInputFiles(input, files);
  await page.evaluate((b) => {
    const status = document.getElementById('byod-status');
    status.textContent = '';
    status.dataset.level = '';
    document.getElementById(b).click();
  }, button);
}

/** The load was refused with a message matching `pattern`, and the data summary still matches `stays`. */
export async function refusedWith(page, pattern, stays) {
  await page.waitForSelector('#byod-status[data-level="error"]', { timeout: 60_000 });
  assert.match(await page.textContent('#byod-status'), pattern);
  assert.match(await page.textContent('#dataset-summary'), stays, 'the loaded data stays');
}

/** The page's alignment export once it describes data of dimension `d` (after a data change). */
export async function alignmentExport(page, d) {
  let json;
  for (let tries = 0; tries < 60; tries++) {
    await page.waitForSelector('#alignment-progress[data-state="done"]', { timeout: 900_000 });
    json = JSON.parse((await exportFile(page, 'alignment.json')).bytes.toString('utf8'));
    if (json.d === d) break;
    await page.waitForTimeout(1000);
  }
  assert.equal(json.d, d);
  assert.ok(json.curves.length >= 1, 'the export holds the curves');
  return json;
}

/**
 * The page's alignment export for `n` images of dimension `d`, each curve equal to `recon-align
 * align` on the file at `path` (with `extra` options) to 1e-9 relative, for K = 1..`upTo`.
 */
export async function alignmentMatchesCli(page, { d, n, path, extra = [], upTo = d }) {
  const json = await alignmentExport(page, d);
  assert.equal(json.n, n);
  for (const curve of json.curves) {
    const cli = cliAlignment(path, curve.noise, extra);
    assert.equal(cli.n, n);
    assert.equal(cli.d, d);
    assert.deepEqual(curve.k, cli.alignment.map((_, i) => i + 1));
    curve.alignment.slice(0, upTo).forEach((a, i) => closeTo(a, cli.alignment[i], 1e-9, `alignment(${i + 1}) under ${curve.noise} ${extra.join(' ')}`));
  }
  return json;
}
