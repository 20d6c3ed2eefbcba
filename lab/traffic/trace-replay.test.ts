import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import type { AzureTraceRow } from './azure-trace.js';
import { planTraffic } from './plan.js';
import { traceReplay } from './trace-replay.js';
import { Z, binomialInterval, poissonInterval, testScenario, within } from './test-support.js';

function row(fn: string, counts: number[]): AzureTraceRow {
  return { owner: 'o', app: 'a', function: fn, trigger: 'http', counts: Uint32Array.from(counts) };
}

// Totals: big 240, mid 120, small 4, idle 0. Live = 2 replays `big` (rank 1) and `mid` (rank 2).
const rows = [row('small', [1, 1, 1, 1]), row('mid', [60, 0, 0, 60]), row('idle', [0, 0, 0, 0]), row('big', [0, 0, 120, 120])];
const secondsPerMinute = 20;
const rate = 100;

function replayPlan(startMinute: number, durationSeconds: number, seed = 7) {
  const scenario = testScenario({
    seed,
    live: { tenants: 2 },
    tenants: { count: 2, mix: [{ workload: 'hello', weight: 1 }], popularity: { type: 'trace', file: 'inline', secondsPerMinute, startMinute } },
    traffic: { arrival: { type: 'poisson' }, rate, warmupSeconds: 0, durationSeconds, timeoutMs: 1000 },
  });
  return planTraffic(scenario, { hello: 1 }, { trace: rows });
}

/** Requests per (segment, tenant). */
function perSegment(plan: ReturnType<typeof replayPlan>): number[][] {
  const segments = Math.ceil(plan.spanMs / (secondsPerMinute * 1000));
  const counts = Array.from({ length: segments }, () => [0, 0]);
  for (const r of plan.requests) {
    const cell = counts[Math.floor(r.atMs / (secondsPerMinute * 1000))] as number[];
    cell[r.tenant] = (cell[r.tenant] as number) + 1;
  }
  return counts;
}

test('the most invoked rows become the tenants, ranked by total invocations', () => {
  const plan = replayPlan(1, 80);
  assert.deepEqual(
    plan.tenants.map((t) => [t.id, t.rank, t.trace?.function]),
    [
      ['t0001', 1, 'big'],
      ['t0002', 2, 'mid'],
    ],
  );
  // Shares over the span: big 240 of 360 live invocations, mid 120.
  assert.ok(Math.abs((plan.tenants[0]?.share ?? 0) - 2 / 3) < 1e-12);
  assert.ok(Math.abs((plan.tenants[1]?.share ?? 0) - 1 / 3) < 1e-12);
});

test('the arrival rate follows the trace minute by minute, scaled to the scenario rate', () => {
  const plan = replayPlan(1, 80);
  const counts = perSegment(plan);
  // Live invocations per minute 60, 0, 120, 180 (mean 90): rate multipliers 2/3, 0, 4/3, 2.
  const multipliers = [2 / 3, 0, 4 / 3, 2];
  counts.forEach((cell, s) => {
    const n = (cell[0] as number) + (cell[1] as number);
    const expected = rate * secondsPerMinute * (multipliers[s] as number);
    if (expected === 0) assert.equal(n, 0, `minute ${s + 1} has no invocations`);
    else within(n, poissonInterval(expected, Z.p999), `minute ${s + 1}`);
  });
  within(plan.requests.length, poissonInterval(rate * 80, Z.p999), 'total');
});

test('within a minute, tenants are chosen by that minute\'s counts', () => {
  const counts = perSegment(replayPlan(1, 80));
  // Minute 1: only mid (t0002) is invoked; minute 3: only big; minute 4: big 120, mid 60.
  assert.equal(counts[0]?.[0], 0);
  assert.equal(counts[2]?.[1], 0);
  const [big, mid] = counts[3] as [number, number];
  within(big, binomialInterval(big + mid, 2 / 3, Z.p999), 'big in minute 4');
});

test('the replay starts at startMinute and wraps past the last minute', () => {
  // From minute 4: minutes 4, 1, 2, 3 -> live invocations 180, 60, 0, 120 (mean 90).
  const counts = perSegment(replayPlan(4, 80));
  assert.equal((counts[2]?.[0] ?? 0) + (counts[2]?.[1] ?? 0), 0);
  assert.equal(counts[1]?.[0], 0);
  within((counts[0]?.[0] ?? 0) + (counts[0]?.[1] ?? 0), poissonInterval(rate * secondsPerMinute * 2, Z.p999), 'first replayed minute (4)');
});

test('a partial last minute is weighted by the time it covers', () => {
  // 50 s: minutes 1 and 2 whole, minute 3 for 10 s. big: 120·10, mid: 60·20, so 1/2 each
  // (counting minute 3 whole would give big 2/3).
  const replay = traceReplay(rows, { secondsPerMinute, startMinute: 1 }, 2, 50_000);
  assert.ok(Math.abs((replay.shares[0] as number) - 0.5) < 1e-12, `share ${replay.shares[0]}`);
});

test('impossible replays are refused with a reason', () => {
  assert.throws(() => traceReplay(rows, { secondsPerMinute, startMinute: 1 }, 5, 10_000), /fewer than live.tenants/);
  assert.throws(() => traceReplay(rows, { secondsPerMinute, startMinute: 5 }, 2, 10_000), /startMinute must be an integer in 1\.\.4/);
  assert.throws(() => traceReplay(rows, { secondsPerMinute: 0, startMinute: 1 }, 2, 10_000), LabError);
  // Minute 2 alone (20 s from startMinute 2) has no invocations of the live rows.
  assert.throws(() => traceReplay(rows, { secondsPerMinute, startMinute: 2 }, 2, 20_000), /no invocations/);
});
