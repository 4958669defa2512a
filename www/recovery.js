// Keeps one compute worker of the pool alive: when the WebAssembly module traps, panics or runs
// out of memory (the worker says `crashed`), when the worker dies (`error` event), or when it stops
// answering pings (a stalled computation), the supervisor terminates it, starts a fresh one, loads
// the last dataset that loaded well into it, and hands its pending figure back to the queue.
// Settings live in the page and are untouched. The page sees one call, `onRestart(message)`.
//
// Every dataset load carries a `generation` (0: the dataset the worker loads when it starts), and
// the worker's answer (`dataset`, or an `error` about the load) repeats it.
import { WATCHDOG_MS } from './limits.js';

export const LOADS = ['load-bundled', 'load-idx', 'load-file', 'load-url', 'data'];
const PING_EVERY_MS = 5_000;
/** More restarts than this within RESTART_WINDOW_MS and the supervisor gives up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

export class WorkerSupervisor {
  /**
   * `spawn(dataName)` starts a worker (`worker.js?data=NAME`; here always `none`: the pool sends
   * every dataset, the first one included) that `compute` knows as worker `index`. `restarts` (the
   * times of recent restarts) is shared by the pool's supervisors. `on.message(msg)` gets every message that
   * is neither a task's nor the supervisor's; `on.restart(message)`, `on.loadFailed(message,
   * generation)` and `on.gaveUp(message)` report.
   */
  constructor(spawn, compute, index, restarts, on) {
    this.spawn = spawn;
    this.compute = compute;
    this.index = index;
    this.on = on;
    // The dataset to restore after a restart (a message that loads it again), once there is one.
    this.lastGood = null;
    // Loads sent and not yet answered, oldest first.
    this.loads = [];
    this.restarts = restarts;
    this.ping = { seq: 0, sentAt: 0, waiting: false };
    this.gaveUp = false;
    this.start('none');
    this.compute.attach(index, this.worker, '');
    this.timer = setInterval(() => this.watch(), PING_EVERY_MS);
  }

  start(dataName) {
    this.worker = this.spawn(dataName);
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.restart(`the compute worker failed: ${e.message || 'unknown error'}`);
    };
    this.ping.waiting = false;
  }

  /** Sends a dataset load, keeping what is needed to send it again after a restart. */
  load(msg) {
    this.loads.push(msg);
    // Structured clone, no transfer: the page keeps its copy of the bytes for a restart.
    this.worker.postMessage(msg);
  }

  cancelLoad() {
    this.worker.postMessage({ type: 'cancel-load' });
  }

  receive(msg) {
    if (msg.type === 'pong') {
      if (msg.seq === this.ping.seq) this.ping.waiting = false;
      this.lastPong = msg;
      return;
    }
    if (msg.type === 'crashed') {
      this.restart(msg.message);
      return;
    }
    if (this.compute.handle(msg, this.index)) return;
    const g = msg.generation ?? 0;
    if (msg.type === 'dataset') {
      this.lastGood = this.loads.find((m) => m.generation === g) ?? this.lastGood;
      this.loads = this.loads.filter((m) => m.generation > g);
    } else if (msg.type === 'error' && LOADS.includes(msg.where)) {
      this.loads = this.loads.filter((m) => m.generation !== g);
    }
    this.on.message(msg);
  }

  watch() {
    if (this.gaveUp) return;
    const limit = globalThis.reconAlignWatchdogMs ?? WATCHDOG_MS;
    const now = performance.now();
    if (this.ping.waiting) {
      if (now - this.ping.sentAt > limit) {
        this.restart(`the compute worker did not answer for ${Math.round(limit / 1000)} s (a stalled computation)`);
      }
      return;
    }
    this.ping = { seq: this.ping.seq + 1, sentAt: now, waiting: true };
    this.worker.postMessage({ type: 'ping', seq: this.ping.seq });
  }

  restart(why) {
    if (this.gaveUp) return;
    const now = performance.now();
    const recent = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    this.restarts.splice(0, this.restarts.length, ...recent, now);
    this.worker.terminate();
    // A load that was in progress failed with the worker; the last good dataset comes back.
    const inFlight = this.loads.filter((m) => m !== this.lastGood);
    if (inFlight.length) this.on.loadFailed(why, inFlight.at(-1).generation);
    if (this.restarts.length > MAX_RESTARTS) {
      this.gaveUp = true;
      clearInterval(this.timer);
      this.compute.attach(this.index, null, why);
      this.on.gaveUp(`${why}. The compute workers failed ${this.restarts.length} times within a minute, so they are not restarted again; reload the page to try again.`);
      return;
    }
    this.loads = this.lastGood ? [this.lastGood] : [];
    this.start('none');
    // The dataset first: the worker runs messages in order, so the figures find it loaded.
    if (this.lastGood) this.worker.postMessage(this.lastGood);
    this.compute.attach(this.index, this.worker, why);
    this.on.restart(why);
  }
}
