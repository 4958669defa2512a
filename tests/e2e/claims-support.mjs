// The claims suite's shared part (tests/e2e/claims-*.test.mjs): the settings on which every
// takeaway is checked, and the command-line tool's JSON for them. The takeaways are the page's own
// functions (www/takeaways/), run in Node on the CLI's numbers; each test checks the sentence's
// qualitative words against its numbers, recomputed in the test. numbers.test.mjs checks that the
// page's numbers equal the CLI's, so the sentences the page shows are the ones checked here.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './browser.mjs';

/** The page's defaults (www/state.js), as the CLI spells them. */
export const DEFAULTS = { data: 'mnist', k: 32, noise: 'mask:0.5:1', epochs: 20, optimiser: 'sgd', lr: 0.0006, momentum: 0, batch: 32, seed: 1 };

/**
 * The settings the issue "Every sentence true" names, each a variation of the page's defaults.
 * Every takeaway is checked on every one of them that changes its numbers.
 */
export const SETTINGS = [
  { name: 'MNIST, defaults' },
  { name: 'Fashion-MNIST, defaults', data: 'fashion' },
  { name: 'MNIST, 5 epochs', epochs: 5 },
  { name: 'MNIST, Adam at lr 1e-3', optimiser: 'adam', lr: 1e-3 },
  { name: 'MNIST, K=8', k: 8 },
  { name: 'MNIST, mask:0.9:4', noise: 'mask:0.9:4' },
  { name: 'MNIST, a Gaussian map', noise: 'gaussmap:0000000000000000999000099900009990000000000000000' },
].map((s) => ({ ...DEFAULTS, ...s }));

const cache = new Map();
/** `recon-align ARGS --json`, parsed (one JSON value, or one per line for `train`). */
export function cli(args) {
  const key = args.join(' ');
  if (!cache.has(key)) {
    const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args.map(String), '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 1_800_000, maxBuffer: 1 << 28 });
    const text = out.trim();
    cache.set(key, text.startsWith('[') || !text.includes('\n') ? JSON.parse(text) : text.split('\n').map((l) => JSON.parse(l)));
  }
  return cache.get(key);
}

/** The CLI options `--data`, `--k` and `--noise` of setting `s` (each only where asked). */
export function commonArgs(s, { k = true, noise = true } = {}) {
  return ['--data', s.data, ...(k ? ['--k', s.k] : []), ...(noise ? ['--noise', s.noise] : [])];
}
