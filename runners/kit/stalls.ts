/**
 * Host-side stall evidence: what held up each thread of a Node PoP host, placed on the wall
 * clock so a report can lay it against the per-second latencies. A `StallRecorder` runs in one
 * thread (the main thread, or an engine worker that forwards its records): it observes that
 * isolate's GC pauses, samples its event-loop lag, and times the synchronous segments its owner
 * hands it. A `StallLog` (main thread) keeps them for `/_lab/stats` until drained.
 *
 * Substrate pauses are kept from `thresholdMs` up, so a run of hours stays small; bookkeeping
 * segments of the lab's own (stats drains, memory probes) are always kept, however short, so a
 * report can show that none fell in the measured window, or how much did. The recorder itself
 * costs one timer wake per `LAG_INTERVAL_MS` and one observer callback per GC.
 */
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { BOOKKEEPING_CAUSES, type HostTimeline, type StallCause, type StallRecord } from '../../lab/pop/contract.js';

/** Substrate pauses shorter than this are not recorded (a warm guest call takes ~0.1-2 ms). */
export const STALL_THRESHOLD_MS = 2;
/** Event-loop lag sampling period. */
const LAG_INTERVAL_MS = 20;

/** Node's GC kinds. */
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

/** Wall-clock ms of a `performance.now()` reading in this thread. */
export const epochOf = (perfMs: number): number => performance.timeOrigin + perfMs;

/** Records one thread's pauses into `sink`. */
export class StallRecorder {
  private observer: PerformanceObserver | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  // Segments this thread timed itself (guest calls, instantiations...), to tell event-loop lag they explain from lag nothing explains.
  private lastSegmentEnd = 0;

  constructor(
    readonly thread: string,
    private readonly sink: (r: StallRecord) => void,
    readonly thresholdMs: number = STALL_THRESHOLD_MS,
  ) {}

  /** Starts observing GC and sampling event-loop lag. */
  start(): this {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        this.record('gc', e.startTime, e.duration, kind !== undefined ? GC_KINDS[kind] ?? `kind ${kind}` : undefined);
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
    let expected = performance.now() + LAG_INTERVAL_MS;
    this.lagTimer = setInterval(() => {
      const now = performance.now();
      const lag = now - expected;
      // A segment this thread timed already explains lag that ended with it.
      if (lag >= this.thresholdMs && this.lastSegmentEnd < expected) this.record('event-loop', expected, lag);
      expected = now + LAG_INTERVAL_MS;
    }, LAG_INTERVAL_MS);
    // The recorder never keeps a thread alive.
    this.lagTimer.unref();
    return this;
  }

  /** Times a synchronous segment of this thread and records it if it is long enough (bookkeeping always). */
  time<T>(cause: StallCause, detail: string | undefined, fn: () => T): T {
    const t = performance.now();
    try {
      return fn();
    } finally {
      const end = performance.now();
      this.lastSegmentEnd = end;
      this.record(cause, t, end - t, detail);
    }
  }

  /** Records a pause that started at `startPerfMs` (this thread's performance.now()). */
  record(cause: StallCause, startPerfMs: number, ms: number, detail?: string): void {
    if (ms < this.thresholdMs && !BOOKKEEPING_CAUSES.includes(cause)) return;
    this.sink({ atEpochMs: epochOf(startPerfMs), ms, thread: this.thread, cause, ...(detail !== undefined ? { detail } : {}) });
  }

  stop(): void {
    this.observer?.disconnect();
    if (this.lagTimer) clearInterval(this.lagTimer);
  }
}

/** The host's stall records until drained, and their cumulative totals. */
export class StallLog {
  private stalls: StallRecord[] = [];
  private readonly totals: HostTimeline['totals'] = {};
  /** The main thread's recorder. */
  readonly main: StallRecorder;

  constructor(readonly thresholdMs: number = STALL_THRESHOLD_MS) {
    this.main = new StallRecorder('main', (r) => this.add(r), thresholdMs);
  }

  /** Adds a record (from this thread's recorder, or forwarded by a worker's). */
  add(r: StallRecord): void {
    this.stalls.push(r);
    const key = `${r.thread}/${r.cause}`;
    const t = (this.totals[key] ??= { count: 0, ms: 0, maxMs: 0 });
    t.count++;
    t.ms += r.ms;
    t.maxMs = Math.max(t.maxMs, r.ms);
  }

  /** The timeline for `/_lab/stats`; `drain` empties the records (totals stay). */
  timeline(drain: boolean): HostTimeline {
    const stalls = drain ? this.stalls.splice(0) : this.stalls.slice();
    return { thresholdMs: this.thresholdMs, stalls, totals: structuredClone(this.totals) };
  }
}
