/**
 * The host's cores as processor sharing: every running job progresses at once, each at
 * min(1, cores / jobs) of a core. This is how an OS time-slices runnable processes, and it is
 * what the live machine did: a cold start's process does not hold a core exclusively while
 * warm requests wait behind it, they share the CPU and all slow down together.
 *
 * Implementation: "virtual time" `v` is the service every running job has received since the
 * start; it advances at the common rate. A job entering with demand d finishes when `v`
 * reaches its tag v + d, so the next completion is the smallest tag (a heap), and only its
 * real time depends on how many jobs run. Jobs also leave at their deadline (the pool kills an
 * instance that overruns). Jobs arrive at the cores nearly in deadline order (the deadline is
 * arrival + a fixed timeout), so deadlines are a list sorted by insertion from the tail: O(1)
 * amortised, cheaper than a second heap on the hot path. Jobs without a deadline (the engine's
 * background work) are never killed and stay out of that list: kept in it, they gathered at
 * its tail, and every insertion walked past all of them. A killed job stays behind in the tag
 * heap and is skipped when it surfaces (an entry is live only if its job is running and its key
 * is the job's current tag).
 */
import { grown } from './typed-arrays.js';
import { EventQueue } from './event-queue.js';

/** What `take` returns for a job cut at its deadline: the job number with this bit set. */
export const KILLED = 1 << 30;

/** Processor-sharing cores; jobs are small integers (the caller's request slots). */
export class SharedCores {
  private v = 0;
  private at = 0;
  private n = 0;
  private readonly byTag = new EventQueue(256);
  private tag = new Float64Array(1024);
  private deadline = new Float64Array(1024);
  private running = new Uint8Array(1024);
  // Running jobs by deadline, earliest at the head (intrusive doubly-linked list).
  private prev = new Int32Array(1024);
  private nxt = new Int32Array(1024);
  private head = -1;
  private tail = -1;
  private next = Infinity;
  // Core-milliseconds of CPU handed out up to `at`.
  private busy = 0;

  /** `cores` > 0 servers' worth of CPU. */
  constructor(private readonly cores: number) {
    if (!(cores > 0)) throw new RangeError(`cores must be > 0, got ${cores}`);
  }

  /** Jobs running now. */
  get size(): number {
    return this.n;
  }

  /** Real time of the next completion or deadline kill, Infinity when idle. */
  nextTime(): number {
    return this.next;
  }

  /** Starts `job` at `now` with `demandMs` of CPU; it is cut at `deadlineMs` if still running then. */
  add(job: number, demandMs: number, deadlineMs: number, now: number): void {
    this.sync(now);
    if (job >= this.tag.length) {
      this.tag = grown(this.tag, job);
      this.deadline = grown(this.deadline, job);
      this.running = grown(this.running, job);
      this.prev = grown(this.prev, job);
      this.nxt = grown(this.nxt, job);
    }
    const t = this.v + demandMs;
    this.tag[job] = t;
    this.deadline[job] = deadlineMs;
    this.running[job] = 1;
    this.n++;
    this.byTag.push(t, job);
    if (deadlineMs !== Infinity) this.insertByDeadline(job, deadlineMs);
    this.plan();
  }

  /**
   * Removes the job due at `now` (which must be `nextTime()`) and returns it; with `KILLED`
   * set when its deadline came first.
   */
  take(now: number): number {
    this.sync(now);
    let job: number;
    let out: number;
    if (this.head >= 0 && (this.deadline[this.head] as number) <= now && this.completionTime() > now) {
      job = this.head;
      out = job | KILLED;
    } else {
      job = this.byTag.pop();
      out = job;
    }
    if (this.deadline[job] !== Infinity) this.unlink(job);
    this.running[job] = 0;
    this.n--;
    if (this.n === 0) {
      // Idle: restart virtual time, so tags stay small and exact over long runs.
      this.v = 0;
    }
    this.plan();
    return out;
  }

  private rate(): number {
    return this.n <= this.cores ? 1 : this.cores / this.n;
  }

  private sync(now: number): void {
    if (this.n > 0) {
      this.v += (now - this.at) * this.rate();
      this.busy += (now - this.at) * Math.min(this.n, this.cores);
    }
    this.at = now;
  }

  /**
   * Core-milliseconds busy up to `t`, which must not precede the last change (no job has entered
   * or left between it and `t`, so the running count held throughout).
   */
  busyAt(t: number): number {
    return this.busy + Math.max(0, t - this.at) * Math.min(this.n, this.cores);
  }

  /** Real time the job with the smallest tag finishes at the current rate. */
  private completionTime(): number {
    if (this.byTag.size === 0) return Infinity;
    return this.at + Math.max(0, this.byTag.peekTime() - this.v) / this.rate();
  }

  private plan(): void {
    skipStale(this.byTag, this.running, this.tag);
    const c = this.completionTime();
    const d = this.head >= 0 ? (this.deadline[this.head] as number) : Infinity;
    this.next = c < d ? c : d;
  }

  private insertByDeadline(job: number, deadlineMs: number): void {
    let after = this.tail;
    while (after >= 0 && (this.deadline[after] as number) > deadlineMs) after = this.prev[after] as number;
    const before = after >= 0 ? (this.nxt[after] as number) : this.head;
    this.prev[job] = after;
    this.nxt[job] = before;
    if (after >= 0) this.nxt[after] = job;
    else this.head = job;
    if (before >= 0) this.prev[before] = job;
    else this.tail = job;
  }

  private unlink(job: number): void {
    const p = this.prev[job] as number;
    const n = this.nxt[job] as number;
    if (p >= 0) this.nxt[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }
}

/** Pops entries whose job left (or was re-added with another tag) until a live one is on top. */
function skipStale(q: EventQueue, running: Uint8Array, key: Float64Array): void {
  while (q.size > 0) {
    const job = q.peekPayload();
    if (running[job] === 1 && key[job] === q.peekTime()) return;
    q.pop();
  }
}
