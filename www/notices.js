// The page's notices: messages the reader can see, never interpreted as HTML, at most MAX_NOTICES
// at once (the rest are counted on one summary line).
import { MAX_NOTICES } from './limits.js';

const $ = (id) => document.getElementById(id);

/**
 * Shows a message the reader can see; never interprets it as HTML. At most MAX_NOTICES show at
 * once; the rest are counted on one summary line. `detail` goes behind a disclosure.
 */
export function notice(text, level = 'warn', detail = '') {
  const box = $('notices');
  const shown = box.querySelectorAll('.notice:not(.notice-more)');
  if (shown.length >= MAX_NOTICES) {
    let more = box.querySelector('.notice-more');
    if (!more) {
      more = document.createElement('div');
      more.className = 'notice notice-more';
      more.setAttribute('role', 'status');
      more.dataset.count = '0';
      box.append(more);
    }
    more.dataset.count = String(Number(more.dataset.count) + 1);
    more.textContent = `${more.dataset.count} more message${more.dataset.count === '1' ? '' : 's'} not shown (the latest: ${text.slice(0, 120)})`;
    return;
  }
  const div = document.createElement('div');
  div.className = `notice ${level}`;
  div.setAttribute('role', level === 'error' ? 'alert' : 'status');
  div.textContent = text;
  if (detail) {
    const more = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'Technical detail';
    const pre = document.createElement('p');
    pre.textContent = detail;
    more.append(summary, pre);
    div.append(more);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'notice-close';
  close.setAttribute('aria-label', 'Dismiss this message');
  close.textContent = '×';
  close.addEventListener('click', () => div.remove());
  div.append(close);
  const summaryLine = box.querySelector('.notice-more');
  if (summaryLine) box.insertBefore(div, summaryLine); else box.append(div);
}
