// The page against the command-line tool: its alignment export, read once it describes the loaded
// data, and `recon-align align` on the same file, for the tests of the data panel's formats.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { exportFile, REPO_ROOT } from './browser.mjs';

/** `recon-align align --data PATH --noise NOISE --json [extra]`. */
export function cliAlignment(path, noise, extra = []) {
  const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'align', '--data', path, '--noise', noise, '--json', ...extra],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 26 });
  return JSON.parse(out);
}

/** `a` within `rel` relative of `b` (the CLI's value), or an assertion naming `what`. */
export const closeTo = (a, b, rel, what) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300), `${what}: page ${a}, CLI ${b}`);

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
