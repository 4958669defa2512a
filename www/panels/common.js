// What every panel shares: its section, a progress bar with a cancel button, the "what to notice"
// sentences, a place for charts and export buttons, and running one task with all of that wired.
import { Cancelled } from '../compute.js';
import { heldReason } from '../holds.js';

export { asPercent, num, atK, binomialSE } from '../takeaways/format.js';

const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
};
export { el };

/** A progress bar with its label and Cancel / Recompute buttons, for one computation of a panel. */
export function progressRow(id, title) {
  const bar = el('progress', { max: '1', value: '0', 'aria-label': `${title}: progress` });
  const label = el('span', { class: 'progress-label' }, 'waiting');
  const cancel = el('button', { type: 'button', class: 'cancel', dataset: { action: `cancel-${id}` } }, 'Cancel');
  const rerun = el('button', { type: 'button', class: 'rerun', dataset: { action: `rerun-${id}` } }, 'Recompute');
  const row = el('div', { class: 'progress-row', id: `${id}-progress`, dataset: { state: 'idle' } }, el('span', { class: 'progress-name' }, title), bar, label, cancel, rerun);
  return { row, bar, label, cancel, rerun, title, takeaway: null };
}

/** Builds a panel section: `{ section, takeaway, charts, exports, progress }`. */
export function panelShell({ id, title, figure, explain }) {
  const h2 = el('h2', { id: `${id}-title` }, title);
  const ref = el('p', { class: 'figure-ref' }, figure);
  const what = el('p', { class: 'explain' }, explain);
  const progress = progressRow(id, 'Closed form');
  const takeaway = el('p', { class: 'takeaway', id: `${id}-takeaway`, 'aria-live': 'polite' }, 'Waiting for the data…');
  progress.takeaway = takeaway;
  progress.title = title;
  const charts = el('div', { class: 'charts' });
  const exports = el('div', { class: 'exports' });
  const section = el('section', { id: `panel-${id}`, class: 'panel', 'aria-labelledby': `${id}-title`, dataset: { panel: id } },
    h2, ref, what, progress.row, takeaway, charts, exports);
  return { id, section, takeaway, charts, exports, progress };
}

/** Sets the takeaway sentences (plain text only). */
export function say(shell, ...sentences) {
  shell.takeaway.textContent = sentences.join(' ');
}

/**
 * Runs one task, showing it in the progress row `prog` (Cancel stops it, errors show in its
 * takeaway and as a notice). Resolves with the result data, or null when cancelled or failed.
 * `on.more` marks a first stage: the row then stays running, labelled with `on.more`.
 */
export async function runTask(ctx, prog, slot, task, params, on = {}, priority = 0) {
  if (isHeld(prog, slot)) return null;
  const { bar } = prog;
  const set = setter(prog);
  set('queued', 'queued');
  bar.removeAttribute('value');
  prog.cancel.onclick = () => ctx.compute.cancel(slot);
  try {
    let cached = false;
    const data = await ctx.compute.schedule(slot, task, params, {
      start: () => { set('running', 'running…'); on.start?.(); },
      cached: () => { cached = true; },
      progress: (m) => {
        if (m.total > 0) { bar.max = m.total; bar.value = m.done; }
        set('running', m.label ? `${m.label} (${m.done}/${m.total})` : `${m.done}/${m.total}`);
      },
      epoch: on.epoch,
    }, priority);
    bar.max = 1;
    bar.value = 1;
    // A first stage (`on.more` says what follows) leaves the row running.
    set(on.more ? 'running' : 'done', on.more ?? doneLabel(cached ? 1 : 0, 1));
    return data;
  } catch (e) {
    return failed(ctx, prog, slot, e);
  }
}

/**
 * The label of a finished row whose `cached` of `total` results came from this browser's cache of
 * an earlier visit (www/results.js) rather than from a computation now.
 */
function doneLabel(cached, total) {
  if (cached === 0) return 'done';
  const what = cached === total ? (total === 1 ? 'the result' : 'all results') : `${cached} of ${total} results`;
  return `done (${what} from this browser's cache of an earlier visit: same data, same build)`;
}

/**
 * Whether the figures of `slot` wait for the reader on these data (www/holds.js); if so, `prog`
 * says so and why.
 */
export function isHeld(prog, slot) {
  const why = heldReason(slot);
  if (!why) return false;
  setter(prog)('held', 'waits for you');
  prog.bar.max = 1;
  prog.bar.value = 0;
  if (prog.takeaway) prog.takeaway.textContent = why;
  return true;
}

/** Sets the state and the label of progress row `prog`. */
const setter = ({ row, label }) => (state, text) => {
  row.dataset.state = state;
  label.textContent = text;
};

/** Shows in `prog` how the work of `slot` (or group) ended with `e`: cancelled or failed. */
function failed(ctx, prog, slot, e) {
  prog.bar.max = 1;
  prog.bar.value = 0;
  if (e instanceof Cancelled) {
    // A replaced job is followed at once by its successor, and a figure that now waits for the
    // reader (new data) says so: only a real cancel says "cancelled".
    if (!ctx.compute.isBusy(slot) && prog.row.dataset.state !== 'held') setter(prog)('cancelled', 'cancelled');
  } else {
    setter(prog)('error', 'failed');
    if (prog.takeaway) prog.takeaway.textContent = `This computation failed: ${e.message}`;
    ctx.notice(`${prog.title}: ${e.message}`, 'error');
  }
  return null;
}

/**
 * Runs several tasks of one figure side by side (the pool spreads them over its workers), in the
 * slots `group/0`, `group/1`, …, showing how many are done in the progress row `prog` (Cancel stops
 * them all). `jobs` holds `[task, params]` pairs. Resolves with their results in order, or null when
 * cancelled or failed. `onEach(i, data)`, when given, hears each result as it arrives.
 */
export async function runTasks(ctx, prog, group, jobs, priority = 0, onEach = null) {
  if (isHeld(prog, group)) return null;
  const { bar } = prog;
  const set = setter(prog);
  set('queued', 'queued');
  bar.max = jobs.length;
  bar.value = 0;
  prog.cancel.onclick = () => ctx.compute.cancel(group);
  let done = 0;
  let cached = 0;
  const scheduled = jobs.map(([task, params], i) => ctx.compute.schedule(`${group}/${i}`, task, params, {
    start: () => set('running', `${done}/${jobs.length} done`),
    cached: () => { cached += 1; },
  }, priority));
  try {
    const results = await Promise.all(scheduled.map((p, i) => p.then((data) => {
      done += 1;
      bar.value = done;
      set('running', `${done}/${jobs.length} done`);
      onEach?.(i, data);
      return data;
    })));
    set('done', doneLabel(cached, jobs.length));
    return results;
  } catch (e) {
    // The rest of this run is of no use now (a rerun's jobs, in the same slots, are not touched).
    scheduled.forEach((p) => ctx.compute.withdraw(p.job));
    return failed(ctx, prog, group, e);
  }
}
