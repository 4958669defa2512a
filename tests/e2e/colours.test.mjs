// The dark theme's lift of line colours (www/theme.js), without a browser: WCAG's contrast ratio
// against known values, and every colour a chart draws on the dark panel reaching 3:1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrast, liftForContrast } from '../../www/theme.js';

const DARK_PANEL = '#1b1c22'; // www/style.css, [data-theme="dark"] --panel

test('contrast ratios match WCAG\'s reference values', () => {
  assert.equal(contrast('#000000', '#ffffff'), 21);
  assert.equal(contrast('#777777', '#777777'), 1);
  // #767676 on white is the classic smallest grey at 4.5:1 (WebAIM: 4.54).
  assert.ok(Math.abs(contrast('#767676', '#ffffff') - 4.54) < 0.01);
});

test('the sweep\'s viridis ramp and the Okabe-Ito palette reach 3:1 on the dark panel, and only dark ones change', () => {
  const ramp = ['#fde725', '#b5de2b', '#6ece58', '#35b779', '#1f9e89', '#26828e', '#31688e', '#3e4989', '#482878', '#440154'];
  const okabeIto = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442'];
  for (const c of [...ramp, ...okabeIto, '#777777']) {
    const lifted = liftForContrast(c, DARK_PANEL);
    assert.ok(contrast(lifted, DARK_PANEL) >= 3, `${c} -> ${lifted}`);
    if (contrast(c, DARK_PANEL) >= 3) assert.equal(lifted, c, `${c} is kept`);
    // Lifted toward white: no channel goes down.
    const ch = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    ch(lifted).forEach((v, i) => assert.ok(v >= ch(c)[i], `${c} -> ${lifted}: channel ${i}`));
  }
  assert.notEqual(liftForContrast('#440154', DARK_PANEL), '#440154', 'the darkest purple is lifted');
  assert.equal(liftForContrast('transparent', DARK_PANEL), 'transparent');
});
