/**
 * Stall evidence: the host's pause records laid against the client's per-second latencies. A
 * second whose p99 is more than `SUSPECT_RATIO` times its p50 is a suspect: something made a few
 * requests wait. It is *explained* when one host thread's recorded pauses (GC, an
 * instantiation, a guest call, the lab's own bookkeeping...) cover at least half of the excess
 * p99 - p50 while that second's slow requests were in flight; otherwise it stays unexplained, and
 * the report says so rather than blaming the substrate.
 */
import { BOOKKEEPING_CAUSES, type StallCause, type StallRecord } from '../pop/contract.js';
import type { StallEntry, StallEvidence, StallTotals, SuspectSecond, TimeseriesPoint } from '../results/model.js';

/** A second is a suspect when its p99 exceeds its p50 by this factor. */
export const SUSPECT_RATIO = 10;
/** Entries kept in a result, longest first (the totals count every one). */
export const STALL_ENTRIES_KEPT = 2000;
/** A second needs this many completed requests for its p99 to mean anything. */
const MIN_COMPLETED = 5;

/** The window and the series the records are laid against. */
export interface StallWindow {
  /** Epoch ms of the plan's time 0 (timeseries seconds count from here). */
  startEpochMs: number;
  measureStartEpochMs: number;
  endEpochMs: number;
  timeseries: TimeseriesPoint[];
}

const isBookkeeping = (c: StallCause): boolean => BOOKKEEPING_CAUSES.includes(c);

function add(t: StallTotals, ms: number): void {
  t.count++;
  t.ms += ms;
  t.maxMs = Math.max(t.maxMs, ms);
}

const zero = (): StallTotals => ({ count: 0, ms: 0, maxMs: 0 });

/** Length of the union of intervals, clipped to [from, to]. */
export function unionMs(intervals: [number, number][], from: number, to: number): number {
  const clipped = intervals.map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a);
  clipped.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const iv of clipped) {
    if (cur && iv[0] <= cur[1]) cur[1] = Math.max(cur[1], iv[1]);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [iv[0], iv[1]];
    }
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

/** A cold start on the request path: a tenant's request waited this long for its instance. */
export interface ColdStartSpan {
  tenant: string;
  atEpochMs: number;
  ms: number;
}

type Pause = { thread: string; cause: SuspectSecond['pauses'][number]['cause']; atEpochMs: number; ms: number };

/** The suspect seconds of the window and the pauses in flight during each (host records and cold starts). */
export function suspectSeconds(records: StallRecord[], w: StallWindow, ratio = SUSPECT_RATIO, coldStarts: ColdStartSpan[] = []): SuspectSecond[] {
  const all: Pause[] = [...records, ...coldStarts.map((c): Pause => ({ thread: `tenant ${c.tenant}`, cause: 'cold-start', atEpochMs: c.atEpochMs, ms: c.ms }))];
  const out: SuspectSecond[] = [];
  for (const p of w.timeseries) {
    const from = w.startEpochMs + p.second * 1000;
    if (from < w.measureStartEpochMs || p.completed < MIN_COMPLETED || !(p.p99Ms > ratio * p.p50Ms)) continue;
    // The second's slow requests were sent in it and answered at most p99 later.
    const to = from + 1000 + p.p99Ms;
    const groups = new Map<string, { thread: string; cause: Pause['cause']; iv: [number, number][] }>();
    const byThread = new Map<string, [number, number][]>();
    for (const r of all) {
      if (r.atEpochMs >= to || r.atEpochMs + r.ms <= from) continue;
      const key = `${r.thread}/${r.cause}`;
      const g = groups.get(key) ?? { thread: r.thread, cause: r.cause, iv: [] };
      g.iv.push([r.atEpochMs, r.atEpochMs + r.ms]);
      groups.set(key, g);
      const t = byThread.get(r.thread) ?? [];
      t.push([r.atEpochMs, r.atEpochMs + r.ms]);
      byThread.set(r.thread, t);
    }
    const pauses = [...groups.values()].map((g) => ({ thread: g.thread, cause: g.cause, ms: round3(unionMs(g.iv, from, to)) })).sort((a, b) => b.ms - a.ms);
    const covered = Math.max(0, ...[...byThread.values()].map((iv) => unionMs(iv, from, to)));
    out.push({ second: p.second, p50Ms: p.p50Ms, p99Ms: p.p99Ms, pauses, explained: covered >= 0.5 * (p.p99Ms - p.p50Ms) });
  }
  return out;
}

/** The evidence of one runtime run: the window's pauses, their totals, the suspect seconds (which cold starts may explain too). */
export function stallEvidence(records: StallRecord[], thresholdMs: number, w: StallWindow, coldStarts: ColdStartSpan[] = []): StallEvidence {
  const inWindow = records.filter((r) => r.atEpochMs < w.endEpochMs && r.atEpochMs + r.ms > w.measureStartEpochMs);
  const byCause: Record<string, StallTotals> = {};
  const bookkeeping = zero();
  for (const r of inWindow) {
    add((byCause[r.cause] ??= zero()), r.ms);
    if (isBookkeeping(r.cause)) add(bookkeeping, r.ms);
  }
  for (const t of [...Object.values(byCause), bookkeeping]) {
    t.ms = round3(t.ms);
    t.maxMs = round3(t.maxMs);
  }
  const entries: StallEntry[] = [...inWindow]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, STALL_ENTRIES_KEPT)
    .map((r) => ({ atMs: round3(r.atEpochMs - w.measureStartEpochMs), ms: round3(r.ms), thread: r.thread, cause: r.cause, bookkeeping: isBookkeeping(r.cause), ...(r.detail !== undefined ? { detail: r.detail } : {}) }));
  return { thresholdMs, suspectRatio: SUSPECT_RATIO, entries, entriesDropped: inWindow.length - entries.length, byCause, bookkeeping, suspectSeconds: suspectSeconds(inWindow, w, SUSPECT_RATIO, coldStarts) };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
