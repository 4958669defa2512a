// Limits the page applies before handing data to the worker (the worker's own checks, in
// src/dataset/validate.rs, follow from N and D; a Rust test keeps MAX_FILE_BYTES equal to
// PAGE_MAX_BYTES there).

/** Largest file the page reads, in bytes (chosen files and downloads alike). */
export const MAX_FILE_BYTES = 2 ** 30;
/** Longest a download of IDX files may take, in milliseconds. */
export const URL_TIMEOUT_MS = 60_000;
/**
 * Longest the worker may go without answering a ping before the page restarts it: twice the
 * longest the figures of an accepted dataset may take by the worker's estimate (PAGE_MAX_SECONDS
 * in src/dataset/validate.rs), since one step of a figure may hold the worker that long.
 */
export const WATCHDOG_MS = 1_200_000;
/** Most notices shown at once; the rest are counted on one summary line. */
export const MAX_NOTICES = 5;
