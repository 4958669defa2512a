// The page's side of the worker protocol: a queue of tasks, one running at a time, each in a named
// slot (one per panel computation). Scheduling into a slot replaces whatever was queued or running
// there, so a change of settings never leaves stale work behind.

export class Cancelled extends Error {
  constructor() { super('cancelled'); this.name = 'Cancelled'; }
}

export class Compute {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.queue = [];
    this.running = null;
  }

  /**
   * Runs `task` with `params` in `slot`. `on.progress({done,total,label})`, `on.epoch(report)` and
   * `on.start()` are called as messages arrive. Resolves with the result's data; rejects with
   * Cancelled when replaced or cancelled, or with an Error from the worker. Long jobs that nobody
   * waits for (the sweep) take a negative priority so they run after the rest.
   */
  schedule(slot, task, params, on = {}, priority = 0) {
    this.cancel(slot);
    return new Promise((resolve, reject) => {
      const job = { slot, task, params, on, resolve, reject, priority, id: this.nextId++, attempts: 0 };
      // Higher priority first; equal priorities keep their order.
      const at = this.queue.findIndex((j) => j.priority < priority);
      this.queue.splice(at < 0 ? this.queue.length : at, 0, job);
      this.pump();
    });
  }

  /** Drops a queued job or asks the worker to stop the running one. */
  cancel(slot) {
    const i = this.queue.findIndex((j) => j.slot === slot);
    if (i >= 0) this.queue.splice(i, 1)[0].reject(new Cancelled());
    const r = this.running;
    if (r && r.slot === slot && !r.cancelling) {
      r.cancelling = true;
      this.worker.postMessage({ type: 'cancel', id: r.id });
      r.reject(new Cancelled());
    }
  }

  cancelAll() {
    for (const j of [...this.queue]) this.cancel(j.slot);
    if (this.running) this.cancel(this.running.slot);
  }

  isBusy(slot) {
    return (this.running?.slot === slot && !this.running.cancelling) || this.queue.some((j) => j.slot === slot);
  }

  pump() {
    if (this.running || this.queue.length === 0 || !this.worker) return;
    const job = this.queue.shift();
    this.running = job;
    job.attempts += 1;
    job.on.start?.();
    this.worker.postMessage({ type: 'run', id: job.id, task: job.task, params: job.params });
  }

  /**
   * Moves every job to a new worker after the old one died (`why`: what happened). The job that
   * was running is tried once more, under a new id; if it was already its second try, it fails
   * with `why`. Queued jobs keep their order.
   */
  restart(worker, why) {
    this.worker = worker;
    const job = this.running;
    this.running = null;
    if (job && !job.cancelling) {
      if (job.attempts >= 2) {
        job.reject(new Error(why));
      } else {
        job.id = this.nextId++;
        this.queue.unshift(job);
      }
    }
    this.pump();
  }

  finish(id) {
    if (this.running?.id === id) {
      this.running = null;
      this.pump();
    }
  }

  /** Handles a worker message about a task; returns false for messages that are not ours. */
  handle(msg) {
    if (!('id' in msg) || msg.id == null) return false;
    const job = this.running?.id === msg.id ? this.running : null;
    switch (msg.type) {
      case 'progress':
        if (job && !job.cancelling) job.on.progress?.(msg);
        return true;
      case 'epoch':
        if (job && !job.cancelling) job.on.epoch?.(msg.data);
        return true;
      case 'result':
        if (job && !job.cancelling) job.resolve(msg.data);
        this.finish(msg.id);
        return true;
      case 'cancelled':
        this.finish(msg.id);
        return true;
      case 'error':
        if (job && !job.cancelling) job.reject(new Error(`${msg.where ?? job.task}: ${msg.message}`));
        this.finish(msg.id);
        return true;
      default:
        return false;
    }
  }
}
