// The colour theme: `light`, `dark` or `auto` (the reader's `prefers-color-scheme`), chosen by the
// `theme` key of the hash. The page's colours are CSS custom properties (www/style.css) switched by
// `data-theme` on <html>; what is drawn on a canvas or written to an export (charts, their PNG and
// SVG) reads the same properties through `themeColours()` and is redrawn when the theme changes.
// A theme change only restyles: it reruns no computation.

const DARK_QUERY = '(prefers-color-scheme: dark)';
const PRINT_QUERY = 'print';

/** Callbacks run after every change of the theme in use (the charts redraw themselves). */
const listeners = new Set();
let applied = null;

/** Calls `fn()` after each change of the theme in use; returns a function that stops it. */
export function onThemeChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * The theme in use for a chosen one: `auto` follows the reader's colour scheme; paper is always
 * light (printing a dark page would print light text on white paper, or waste the ink).
 */
export function resolveTheme(chosen, { dark = matches(DARK_QUERY), print = matches(PRINT_QUERY) } = {}) {
  if (print) return 'light';
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return dark ? 'dark' : 'light';
}

function matches(query) {
  return typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query).matches : false;
}

/** The theme in use now: 'light' or 'dark'. */
export function currentTheme() {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

/**
 * The colours of the theme in use, read from the page's CSS custom properties: text, muted text,
 * page and panel backgrounds, chart axes, grid lines, ticks and frame, and `ink`, the colour that
 * stands for Okabe-Ito black (dark grey on light, light grey on dark).
 */
export function themeColours() {
  const css = getComputedStyle(document.documentElement);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    theme: currentTheme(),
    fg: v('--fg', '#1b1b1f'),
    muted: v('--muted', '#5b5b66'),
    bg: v('--bg', '#fbfbfd'),
    panel: v('--panel', '#ffffff'),
    axis: v('--chart-axis', '#333333'),
    grid: v('--chart-grid', '#e6e6ea'),
    tick: v('--chart-tick', '#cccccc'),
    frame: v('--chart-frame', '#999999'),
    ink: v('--series-black', '#000000'),
  };
}

/** Sets the theme in use on <html> for the chosen one, and tells the listeners if it changed. */
function apply(chosen) {
  const root = document.documentElement;
  const theme = resolveTheme(chosen);
  root.dataset.themeChoice = chosen;
  if (theme === applied) return;
  applied = theme;
  root.dataset.theme = theme;
  for (const fn of listeners) fn(theme);
}

/**
 * Follows the `theme` setting of `getState()`: applies it now, and again whenever the reader's
 * colour scheme or print mode changes, the hash changes, or a settings control changes (read
 * once the page's own handlers have updated the state).
 */
export function watchTheme(getState) {
  const follow = () => apply(getState().theme);
  const later = () => setTimeout(follow, 0);
  follow();
  for (const q of [DARK_QUERY, PRINT_QUERY]) window.matchMedia?.(q).addEventListener('change', follow);
  window.addEventListener('beforeprint', () => apply('light'));
  window.addEventListener('afterprint', follow);
  window.addEventListener('hashchange', later);
  document.getElementById('settings')?.addEventListener('change', later);
}

/** WCAG's relative luminance of a colour `#rrggbb`. */
function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG's contrast ratio of two colours `#rrggbb`. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Colour `c` (`#rrggbb`; anything else is returned as it is) mixed with white in steps of 5% until
 * it has at least `min` contrast against background `bg`: a line too dark to see on the dark
 * theme (WCAG asks 3:1 of graphics) becomes a lighter colour of the same hue.
 */
export function liftForContrast(c, bg, min = 3) {
  if (!/^#[0-9a-f]{6}$/i.test(c) || !/^#[0-9a-f]{6}$/i.test(bg) || contrast(c, bg) >= min) return c;
  const rgb = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  for (let t = 0; t <= 1; t += 0.05) {
    const mixed = `#${rgb.map((v) => Math.round(v + (255 - v) * t).toString(16).padStart(2, '0')).join('')}`;
    if (contrast(mixed, bg) >= min) return mixed;
  }
  return '#ffffff';
}
