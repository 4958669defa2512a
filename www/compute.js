// The page's side of the worker protocol: one queue of tasks for a pool of compute workers, each
// worker running one task at a time. Every task has a named slot (one per panel computation);
// scheduling into a slot replaces whatever was queued or running there, so a change of settings
// never leaves stale work behind. A slot `name/part` belongs to the group `name`: cancelling or
// asking about `name` covers all its parts (the sweep's points, the MLP probes).
import { parseNoise } from './state.js';

/** Resolves after the browser's next rendering step (or 100 ms, in a hidden tab; at once without one). */
function nextFrame() {
  return new Promise((resolve) => {
    if (!globalThis.requestAnimationFrame) { setTimeout(resolve, 0); return; }
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}

export class Cancelled extends Error {
  constructor() { super('cancelled'); this.name = 'Cancelled'; }
}

/** Whether `slot` is `group` or one of its parts. */
const inGroup = (slot, group) => slot === group || slot.startsWith(`${group}/`);

/**
 * What a task's worker should preferably already hold: the eigensolve of its noise, the mask
 * family of its patch side (every mask curve with p > 0 of one side shares it: the sweep), or the
 * PCA of its seeded split (the subspace study that the linear and MLP probes share).
 */
export function affinityOf(task, params = {}) {
  const noise = parseNoise(params.noise ?? '');
  if (['curve', 'alignment', 'impact'].includes(task) && noise.kind === 'mask' && noise.p > 0) return `mask family ${noise.patch}`;
  if (['curve', 'alignment', 'never', 'impact'].includes(task)) return `noise ${params.noise}`;
  if (['subspace', 'mlp'].includes(task)) return `study ${params.seed}`;
  return null;
}

export class Compute {
  /** `size` workers; each is attached (and reattached after a restart) with `attach`. */
  constructor(size = 1) {
    this.nextId = 1;
    this.queue = [];
    // Per worker: the Worker (null while none), whether it holds the page's current dataset, the
    // job it runs, and the affinity keys of its latest jobs (what its caches hold).
    this.workers = Array.from({ length: size }, () => ({ worker: null, ready: false, running: null, keys: [] }));
    // The cache of results (www/results.js's ResultCache), or null: a job it covers is looked up
    // there first, and its worker's result is stored there.
    this.memo = null;
    this.lookups = new Set(); // the cache lookups in flight
    // Lookups run one after another, in the order the jobs were scheduled (the page schedules its
    // first figure first), so that the first figure's results are not held up by the others'.
    this.lookupChain = Promise.resolve();
  }

  /** Resolves once no cache lookup is in flight (those that a finished one started included). */
  async lookupsSettled() {
    while (this.lookups.size > 0) {
      await Promise.allSettled([...this.lookups]);
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  /**
   * Runs `task` with `params` in `slot`. `on.progress({done,total,label})`, `on.epoch(report)` and
   * `on.start()` are called as messages arrive. Resolves with the result's data; rejects with
   * Cancelled when replaced or cancelled, or with an Error from the worker. Long jobs that nobody
   * waits for (the sweep) take a negative priority so they run after the rest. A free worker
   * leaves a job to the busy worker whose caches hold its `affinityOf` while other jobs wait.
   * A job the cache of results covers is stored there once computed; while the cache may hold it
   * (`worthLooking`), it waits in the queue, not given to any worker, until the cache has
   * answered: a cached result resolves it (`on.cached()` is called, `on.start` is not).
   */
  schedule(slot, task, params, on = {}, priority = 0) {
    const affinity = affinityOf(task, params);
    this.cancelExactly(slot);
    const memo = this.memo?.covers(task) ? this.memo : null;
    let job;
    const promise = new Promise((resolve, reject) => {
      job = {
        slot, task, params, on, resolve, reject, priority, affinity, id: this.nextId++, attempts: 0,
        memoKey: memo?.key ?? null, looking: Boolean(memo?.worthLooking()),
      };
      // Higher priority first; equal priorities keep their order.
      const at = this.queue.findIndex((j) => j.priority < priority);
      this.queue.splice(at < 0 ? this.queue.length : at, 0, job);
    });
    // The job itself, for `withdraw`.
    promise.job = job;
    if (job.looking) {
      const lookup = this.lookupChain
        .then(() => (this.queue.includes(job) ? memo.lookup(task, params, job.memoKey) : null))
        .catch(() => null)
        .then((found) => {
          // Cancelled or replaced meanwhile: nothing to do.
          if (!this.queue.includes(job)) return;
          job.looking = false;
          if (!found) {
            this.pump();
            return null;
          }
          this.queue.splice(this.queue.indexOf(job), 1);
          job.on.cached?.();
          job.resolve(found.data);
          this.pump();
          // The figure it completes is painted before the next cached result arrives.
          return nextFrame();
        })
        .finally(() => this.lookups.delete(lookup));
      this.lookups.add(lookup);
      this.lookupChain = lookup.catch(() => {});
    }
    this.pump();
    return promise;
  }

  /** Cancels `job` (from `schedule(…).job`) if it is still queued or running. */
  withdraw(job) {
    if (this.queue.includes(job)) this.drop(job);
    const w = this.workers.find((x) => x.running === job);
    if (w) this.stop(w);
  }

  /** Drops queued jobs of `group` (a slot or a slot's parts) and asks workers to stop running ones. */
  cancel(group) {
    for (const j of this.queue.filter((q) => inGroup(q.slot, group))) this.drop(j);
    this.workers.forEach((w) => { if (w.running && inGroup(w.running.slot, group)) this.stop(w); });
  }

  cancelExactly(slot) {
    const j = this.queue.find((q) => q.slot === slot);
    if (j) this.drop(j);
    const w = this.workers.find((x) => x.running?.slot === slot);
    if (w) this.stop(w);
  }

  drop(job) {
    this.queue.splice(this.queue.indexOf(job), 1);
    job.reject(new Cancelled());
  }

  stop(w) {
    const r = w.running;
    if (r.cancelling) return;
    r.cancelling = true;
    w.worker?.postMessage({ type: 'cancel', id: r.id });
    r.reject(new Cancelled());
  }

  cancelAll() {
    for (const j of [...this.queue]) this.drop(j);
    this.workers.forEach((w) => { if (w.running) this.stop(w); });
  }

  isBusy(group) {
    return this.workers.some((w) => w.running && inGroup(w.running.slot, group) && !w.running.cancelling)
      || this.queue.some((j) => inGroup(j.slot, group));
  }

  /** The worker whose caches hold `key`, if any. */
  holder(key) {
    return key == null ? -1 : this.workers.findIndex((w) => w.keys.includes(key));
  }

  /**
   * The next job for free worker `i`: the first that no busy worker is better placed to run (jobs
   * still looked up in the cache of results are not ready to run).
   */
  pick(i) {
    const waits = (job) => {
      const h = this.holder(job.affinity);
      return h >= 0 && h !== i && this.workers[h].running !== null && this.workers[h].ready;
    };
    const at = this.queue.findIndex((j) => !j.looking && !waits(j));
    // A job left for another worker is still better started here than not at all.
    const job = at >= 0 ? this.queue[at] : this.queue.find((j) => !j.looking);
    this.queue.splice(this.queue.indexOf(job), 1);
    return job;
  }

  pump() {
    for (;;) {
      const first = this.queue.find((j) => !j.looking);
      if (!first) return;
      // Free workers that hold the current data; the one holding the first job's key first.
      const free = this.workers.map((w, i) => i).filter((i) => this.workers[i].worker && this.workers[i].ready && !this.workers[i].running);
      if (free.length === 0) return;
      const h = this.holder(first.affinity);
      const i = free.includes(h) ? h : free[0];
      const w = this.workers[i];
      const job = this.pick(i);
      w.running = job;
      if (job.affinity != null) w.keys = [job.affinity, ...w.keys.filter((k) => k !== job.affinity)].slice(0, 4);
      job.attempts += 1;
      job.on.start?.();
      w.worker.postMessage({ type: 'run', id: job.id, task: job.task, params: job.params });
    }
  }

  /** Says whether worker `i` holds the page's current dataset (only then does it get jobs). */
  setReady(i, ready) {
    this.workers[i].ready = ready;
    if (!ready) this.workers[i].keys = [];
    this.pump();
  }

  /**
   * Attaches worker `i` (a new one after the old one died, `why` saying what happened; null when
   * it is given up). Its job is tried once more, under a new id; if that was already its second
   * try, or no worker is left at all, it fails with `why`. Queued jobs keep their order.
   */
  attach(i, worker, why) {
    const w = this.workers[i];
    w.worker = worker;
    w.ready = false;
    w.keys = [];
    const job = w.running;
    w.running = null;
    if (job && !job.cancelling) {
      if (job.attempts >= 2) {
        job.reject(new Error(why));
      } else {
        job.id = this.nextId++;
        this.queue.unshift(job);
      }
    }
    if (this.workers.every((x) => !x.worker)) {
      for (const j of this.queue.splice(0)) j.reject(new Error(why));
    }
    this.pump();
  }

  finish(i, id) {
    const w = this.workers[i];
    if (w.running?.id === id) {
      w.running = null;
      this.pump();
    }
  }

  /** Handles a message of worker `i` about a task; returns false for messages that are not ours. */
  handle(msg, i = 0) {
    if (!('id' in msg) || msg.id == null) return false;
    const r = this.workers[i].running;
    const job = r?.id === msg.id ? r : null;
    switch (msg.type) {
      case 'progress':
        if (job && !job.cancelling) job.on.progress?.(msg);
        return true;
      case 'epoch':
        if (job && !job.cancelling) job.on.epoch?.(msg.data);
        return true;
      case 'result':
        if (job && !job.cancelling) {
          if (job.memoKey) this.memo?.store(job.memoKey, job.task, job.params, msg.data);
          job.resolve(msg.data);
        }
        this.finish(i, msg.id);
        return true;
      case 'cancelled':
        this.finish(i, msg.id);
        return true;
      case 'error':
        if (job && !job.cancelling) job.reject(new Error(`${msg.where ?? job.task}: ${msg.message}`));
        this.finish(i, msg.id);
        return true;
      default:
        return false;
    }
  }
}
