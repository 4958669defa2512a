// The Embed button of each panel and the dialog it opens: an iframe snippet for that panel with the
// current settings (seed included), a plain link, a Copy button, and a choice of theme and of
// showing the settings. The snippet's optional script (www/embed.js) sizes the iframe to the
// height the embedded page reports (www/embed-frame.js); without it, the iframe's height attribute
// is the panel's height on this page plus the embed's status line.
import { toHash } from './state.js';

const $ = (id) => document.getElementById(id);

/** Space an embed adds around its panel: the status line, margins and padding (CSS pixels). */
const EMBED_CHROME_PX = 80;

const ENTITY = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeAttr = (s) => String(s).replace(/[&<>"]/g, (c) => ENTITY[c]);

/** The page's address without its hash. */
function pageURL() {
  return location.href.split('#')[0];
}

/** The link that embeds panel `panel` of state `s` with `theme` and `controls`. */
export function embedURL(s, panel, { theme = 'auto', controls = false } = {}) {
  return `${pageURL()}#${toHash({ ...s, embed: true, panel, controls, theme })}`;
}

/** The iframe height (CSS pixels) that fits `panel` as it is laid out on this page. */
function fittingHeight(panel, controls) {
  const section = $(`panel-${panel}`);
  const settings = $('settings');
  const body = (section?.offsetHeight ?? 700) + (controls ? (settings?.offsetHeight ?? 0) + 16 : 0);
  return Math.ceil((body + EMBED_CHROME_PX) / 10) * 10;
}

/** The HTML snippet: the iframe, then the optional host script that sizes it. */
export function snippet(s, panel, options, height) {
  const src = embedURL(s, panel, options);
  const title = $(`${panel}-title`)?.textContent ?? panel;
  const script = new URL('www/embed.js', pageURL()).href;
  return `<iframe data-recon-align src="${escapeAttr(src)}" title="${escapeAttr(`${title} (recon-align)`)}"\n`
    + `        width="100%" height="${height}" style="width:100%;border:0" loading="lazy"></iframe>\n`
    + `<script src="${escapeAttr(script)}" async></script>`;
}

/**
 * Wires the dialog of index.html to `getState()` and returns `button(panel)`, which makes the
 * Embed button of a panel.
 */
export function embedDialog(getState) {
  const dialog = $('embed-dialog');
  const theme = $('embed-theme');
  const controls = $('embed-controls');
  const text = $('embed-snippet');
  const link = $('embed-link');
  const status = $('embed-copy-status');
  let panel = null;

  const refresh = () => {
    if (!panel) return;
    const options = { theme: theme.value, controls: controls.checked };
    const s = getState();
    text.value = snippet(s, panel, options, fittingHeight(panel, options.controls));
    link.href = embedURL(s, panel, options);
    link.textContent = link.href;
    dialog.dataset.panel = panel;
  };
  theme.addEventListener('change', refresh);
  controls.addEventListener('change', refresh);
  $('embed-close').addEventListener('click', () => dialog.close());
  $('embed-copy').addEventListener('click', async () => {
    text.focus();
    text.select();
    try {
      await navigator.clipboard.writeText(text.value);
      status.textContent = 'Snippet copied.';
    } catch {
      status.textContent = 'Press Ctrl+C (or ⌘C) to copy the selected snippet.';
    }
  });

  return (id) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'embed-button chrome-only';
    b.dataset.action = `embed-${id}`;
    b.textContent = 'Embed';
    b.setAttribute('aria-haspopup', 'dialog');
    b.title = 'An iframe snippet and a link for this panel with the current settings';
    b.addEventListener('click', () => {
      panel = id;
      theme.value = getState().theme;
      status.textContent = '';
      $('embed-dialog-panel').textContent = $(`${id}-title`)?.textContent ?? id;
      refresh();
      dialog.showModal();
      text.focus();
      text.select();
    });
    return b;
  };
}
