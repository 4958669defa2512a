// Figures that would take long on the loaded data wait for the reader. The worker estimates each
// figure's time from N and D (src/dataset/panel_estimate.rs) when it loads a dataset; a figure
// over the limit is held: its progress row says how long it would take, and its Recompute button
// (Train for training) starts it. Everything else runs as usual.

/** Held figures, by progress-row group (`alignment`, `sweep`, `never`, …): the reason shown. */
const held = new Map();

/** `125` as "2 min", `7300` as "2.0 hours": an estimate's duration, rounded as it deserves. */
export function duration(seconds) {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} hours`;
}

/** Bytes as "12 MB" or "0.75 GB". */
export const memory = (bytes) => (bytes < 1e9 ? `${Math.max(1, Math.round(bytes / 1e6))} MB` : `${(bytes / 1e9).toFixed(2)} GB`);

/** The group of a compute slot: `subspace/mlp` → `subspace`, `designer-never` → `designer`. */
export const groupOf = (slot) => String(slot).split(/[/-]/)[0];

const NAMES = {
  alignment: 'alignment curves', sweep: 'mask sweep', never: 'never-beneficial test', subspace: 'subspace probes',
  guided: 'guided sweep', train: 'training (at the default 20 epochs)', designer: 'noise designer (with a painted map)',
};

/**
 * Holds the figures whose estimate is not `auto`, for the dataset `summary` (the previous holds
 * are dropped). Returns one sentence for the data panel: D, and each figure's estimate.
 */
export function planHolds(estimates, summary) {
  held.clear();
  if (!Array.isArray(estimates) || estimates.length === 0) return '';
  const size = `D=${summary.d.toLocaleString('en')} (${summary.h}×${summary.w}×${summary.c}), N=${summary.n.toLocaleString('en')}`;
  for (const e of estimates) {
    if (!e.auto) {
      held.set(e.panel, `On these data (${size}) the ${NAMES[e.panel] ?? e.panel} would take about ${duration(e.seconds)} on this page's CPU path (an estimate from N and D, fitted on a 2-core machine), so it waits: press ${e.panel === 'train' ? 'Train' : 'Recompute'} to run it; Cancel stops it.`);
    }
  }
  const list = estimates.map((e) => `${NAMES[e.panel] ?? e.panel} ${duration(e.seconds)}, ${memory(e.bytes)}${e.auto ? '' : ' (waits for you)'}`).join('; ');
  return `Estimated time and memory per figure on this page's CPU path for ${size}: ${list}.`;
}

/** Why the figures of `slot`'s group wait for the reader, or null when they run. */
export const heldReason = (slot) => held.get(groupOf(slot)) ?? null;

/** The reader asked for the figures of `group`: they run from now on. */
export const release = (group) => held.delete(group);
