/** Stall evidence: the window, the union of pauses, and when a suspect second counts as explained. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StallRecord } from '../pop/contract.js';
import type { TimeseriesPoint } from '../results/model.js';
import { stallEvidence, unionMs } from './stalls.js';

const T0 = 1_700_000_000_000;
const point = (second: number, p50Ms: number, p99Ms: number, completed = 30): TimeseriesPoint => ({ second, sent: completed, completed, errors: 0, cold: 0, p50Ms, p99Ms });
const rec = (atS: number, ms: number, cause: StallRecord['cause'], thread = 'worker-0'): StallRecord => ({ atEpochMs: T0 + atS * 1000, ms, thread, cause });
const window = (timeseries: TimeseriesPoint[]) => ({ startEpochMs: T0, measureStartEpochMs: T0 + 10_000, endEpochMs: T0 + 20_000, timeseries });

test('union of overlapping intervals counts overlap once, clipped to the window', () => {
  assert.equal(unionMs([[0, 10], [5, 15], [20, 30]], 0, 100), 25);
  assert.equal(unionMs([[0, 10], [5, 15]], 8, 12), 4);
  assert.equal(unionMs([], 0, 10), 0);
});

test('a suspect second is explained by a pause on one thread covering half its excess', () => {
  const ts = [point(11, 5, 200), point(12, 5, 200), point(13, 5, 8)];
  // Second 11: a 150 ms GC on worker-0 in flight (>= (200-5)/2). Second 12: two 40 ms pauses on different threads (neither covers half).
  const records = [rec(11.2, 150, 'gc'), rec(12.2, 40, 'instantiate', 'worker-0'), rec(12.5, 40, 'guest-call', 'worker-1')];
  const e = stallEvidence(records, 2, window(ts));
  assert.deepEqual(e.suspectSeconds.map((s) => [s.second, s.explained]), [[11, true], [12, false]]);
  assert.equal(e.suspectSeconds[0]!.pauses[0]!.cause, 'gc');
  assert.equal(e.suspectSeconds[0]!.pauses[0]!.ms, 150);
});

test('warm-up seconds, thin seconds and seconds within the ratio are not suspects', () => {
  const ts = [point(5, 5, 500), point(11, 5, 500, 3), point(12, 5, 49)];
  assert.deepEqual(stallEvidence([], 2, window(ts)).suspectSeconds, []);
});

test('only pauses overlapping the measured window count; bookkeeping is totalled apart', () => {
  const records = [rec(5, 300, 'lab-memory-probe'), rec(12, 0.4, 'lab-stats', 'main'), rec(13, 0.6, 'lab-stats', 'main'), rec(14, 30, 'gc'), rec(9.99, 50, 'gc')];
  const e = stallEvidence(records, 2, window([]));
  assert.deepEqual(e.bookkeeping, { count: 2, ms: 1, maxMs: 0.6 });
  assert.equal(e.byCause['lab-memory-probe'], undefined);
  assert.deepEqual(e.byCause.gc, { count: 2, ms: 80, maxMs: 50 });
  // Longest first, times from the start of the window.
  assert.deepEqual(e.entries.map((x) => [x.cause, x.atMs, x.bookkeeping]), [['gc', -10, false], ['gc', 4000, false], ['lab-stats', 3000, true], ['lab-stats', 2000, true]]);
});

test('a second whose slow request waited for its cold start is explained by it, named by tenant', () => {
  const e = stallEvidence([], 2, window([point(11, 2, 150)]), [{ tenant: 't7', atEpochMs: T0 + 11_300, ms: 140 }]);
  assert.deepEqual(e.suspectSeconds.map((s) => [s.explained, s.pauses[0]?.thread, s.pauses[0]?.cause]), [[true, 'tenant t7', 'cold-start']]);
  // Cold starts are explanations, not host pauses: they do not enter the totals.
  assert.deepEqual(e.byCause, {});
});
