// A pool of compute workers, one per core (at most MAX_WORKERS): each holds its own copy of the
// dataset and its own wasm module, so panels, sweep points and probes run side by side without
// SharedArrayBuffer (static hosts cannot send the COOP/COEP headers it needs). Every load goes to
// every worker; the page hears about each load once, and a worker gets jobs only while it holds
// the dataset the page shows. A bundled dataset is downloaded once, by the page, and its bytes are
// sent to every worker.
import { WorkerSupervisor, LOADS } from './recovery.js';
import { fetchBundled } from './bundled.js';

/**
 * The most workers the page starts: each holds the dataset (up to a few hundred MB for the largest
 * files the page accepts) and its own eigendecompositions.
 */
export const MAX_WORKERS = 4;

/** How many workers to start on this machine. */
export function poolSize() {
  const cores = Number(globalThis.navigator?.hardwareConcurrency) || 2;
  return Math.max(1, Math.min(MAX_WORKERS, cores));
}

export class WorkerPool {
  /**
   * Starts one supervised worker per slot of `compute` (`spawn(dataName)` starts one) and loads
   * the bundled dataset `firstData` into all of them. `on` is as for WorkerSupervisor, except that
   * `on.message` hears each dataset and each refused load once. `fetchBytes(name)` downloads a
   * bundled dataset.
   */
  constructor(spawn, compute, firstData, on, fetchBytes = fetchBundled) {
    this.compute = compute;
    this.fetchBytes = fetchBytes;
    this.on = on;
    this.generation = 0;
    // The newest generation a worker accepted (what the page shows), per worker the generation it
    // holds, and the generations the page has already been told about.
    this.accepted = -1;
    this.held = compute.workers.map(() => -1);
    this.answered = new Set();
    this.saidOnce = new Set();
    // Loads leave in the order they were asked for, each once its bytes are here.
    this.sending = Promise.resolve();
    const restarts = [];
    this.supervisors = compute.workers.map((_, i) => new WorkerSupervisor(spawn, compute, i, restarts, {
      message: (msg) => this.receive(msg, i),
      restart: (why) => { this.held[i] = -1; on.restart(why); },
      loadFailed: (why, g) => { if (this.answer(g)) on.loadFailed(why); },
      gaveUp: (why) => { if (this.once(`gave up ${why}`)) on.gaveUp(why); },
    }));
    this.send({ type: 'load-bundled', name: firstData }, 0);
  }

  /** Sends a dataset load to every worker. */
  load(msg) {
    this.generation += 1;
    this.send(msg, this.generation);
  }

  send(msg, generation) {
    this.sending = this.sending.then(async () => {
      const m = { ...msg, generation };
      if (m.type === 'load-bundled') {
        try {
          m.bytes = (await this.fetchBytes(m.name)).buffer;
        } catch (e) {
          this.receive({ type: 'error', where: generation === 0 ? 'data' : 'load-bundled', message: String(e?.message ?? e), generation });
          return;
        }
      }
      for (const s of this.supervisors) if (!s.gaveUp) s.load(m);
    });
  }

  cancelLoad() {
    for (const s of this.supervisors) if (!s.gaveUp) s.cancelLoad();
  }

  /** True the first time generation `g` is answered (a dataset or a refusal). */
  answer(g) {
    if (this.answered.has(g)) return false;
    this.answered.add(g);
    return true;
  }

  once(key) {
    if (this.saidOnce.has(key)) return false;
    this.saidOnce.add(key);
    return true;
  }

  receive(msg, i) {
    if (msg.type === 'dataset') {
      const g = msg.generation ?? 0;
      this.held[i] = g;
      if (g > this.accepted) {
        this.accepted = g;
        this.answer(g);
        this.on.message(msg);
      }
      this.held.forEach((h, j) => this.compute.setReady(j, h === this.accepted));
      return;
    }
    if (msg.type === 'error' && LOADS.includes(msg.where)) {
      if (this.answer(msg.generation ?? 0)) this.on.message(msg);
      return;
    }
    // The adapter probe and a module that fails to load: every worker says the same.
    if (msg.type === 'backend' || (msg.type === 'error' && msg.where === 'wasm')) {
      if (this.once(`${msg.type} ${msg.where ?? ''}`)) this.on.message(msg);
      return;
    }
    this.on.message(msg);
  }
}
