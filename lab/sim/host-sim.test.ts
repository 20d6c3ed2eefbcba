import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSchedule } from '../traffic/plan.js';
import type { Scenario } from '../scenario/types.js';
import type { RuntimeCalibration } from './calibration.js';
import { hostModel } from './host-model.js';
import { simulateHost, type TracedRequest } from './host-sim.js';
import { constantCalibration, MIB, tinyScenario } from './test-support.js';

function run(s: Scenario, rc: RuntimeCalibration, cores: number, seed = 1) {
  const model = hostModel(rc, { cores, keepAlive: s.keepAlive, timeoutMs: s.traffic.timeoutMs, artifactMissRate: s.cache.artifactMissRate, workloads: ['hello'] });
  const traced: TracedRequest[] = [];
  const outcome = simulateHost(openSchedule(s, { hello: 1 }), model, { seed, trace: (r) => traced.push(r) });
  traced.sort((a, b) => a.arrivalMs - b.arrivalMs);
  return { outcome, traced, latencies: traced.map((r) => r.endMs - r.arrivalMs), colds: traced.map((r) => r.cold) };
}

test('1 core is processor-shared: two overlapping 10 ms jobs each run at half speed', () => {
  // k0 (cold, 10 ms of CPU) runs alone 0-5, then shares the core with k1 (cold: k0 is busy):
  // k0's last 5 ms take 10, so it ends at 15; k1 got 5 ms by then and runs its last 5 alone, to 20.
  const { outcome, latencies, colds } = run(tinyScenario({ gapMs: 5, spanMs: 10 }), constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 10 }), 1);
  assert.deepEqual(latencies, [15, 15]);
  assert.deepEqual(colds, [true, true]);
  assert.equal(outcome.peakInstances, 2);
  // With a core each, nothing is shared.
  assert.deepEqual(run(tinyScenario({ gapMs: 5, spanMs: 10 }), constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 10 }), 2).latencies, [10, 10]);
});

test('only the CPU part of an activation loads the cores; its off-core part is replayed as is', () => {
  // Activation: 30 ms wall of which 10 ms CPU. Arrivals 20 ms apart: k0 off-core 0-20, CPU 20-30;
  // k1 (cold: k0 still activating) off-core 20-40, CPU 40-50. The CPU parts never overlap.
  const rc = constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 30, activationCpuMs: 10 });
  assert.deepEqual(run(tinyScenario({ gapMs: 20, spanMs: 40 }), rc, 1).latencies, [30, 30]);
  // 5 ms apart: k0's CPU part runs alone 20-25, then shares the core with k1's from 25: k0 has 5
  // left at half speed, ends at 35; k1 then has 5 left alone, ends at 40.
  assert.deepEqual(run(tinyScenario({ gapMs: 5, spanMs: 10 }), rc, 1).latencies, [35, 35]);
  // An activation with no measured CPU time is all CPU: 30 ms alone, then shared as above.
  const allCpu = constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 30 });
  // k0 alone 0-5 (25 left), shared from 5: both progress at 1/2; k0 ends at 5 + 50 = 55, k1 has
  // 25 done by then and 5 left, ends at 60.
  assert.deepEqual(run(tinyScenario({ gapMs: 5, spanMs: 10 }), allCpu, 1).latencies, [55, 55]);
});

test("the engine's CPU on an activation's path loads the cores, taken from its off-core part", () => {
  // Activation: 30 ms wall, 10 ms of the instance's CPU and 10 of the engine's: 10 off-core, then
  // 20 of CPU. 20 ms apart nothing overlaps and the wall time is the measured one.
  const rc = constantCalibration('c', ['hello'], { serviceMs: 10, activationMs: 30, activationCpuMs: 10, engine: { activationCpuMs: 10 } });
  assert.deepEqual(run(tinyScenario({ gapMs: 20, spanMs: 40 }), rc, 1).latencies, [30, 30]);
  // 5 ms apart: k0 off 0-10, CPU alone 10-15 (15 left), shared with k1's from 15: ends at 45; k1
  // has 15 done by then, 5 left alone, ends at 50. Without the engine's share both end at 35.
  assert.deepEqual(run(tinyScenario({ gapMs: 5, spanMs: 10 }), rc, 1).latencies, [45, 45]);
});

test("the engine's removals and reserve fills are background CPU that slows what shares the core", () => {
  // Every request forced cold, cap 1: each evicts the tenant's idle instance, and its removal
  // (20 ms of engine CPU) shares the one core with the activation (10 ms): the activation ends
  // at 20 ms, the removal at 30 ms. The first request has nothing to remove.
  const s = tinyScenario({ gapMs: 100, spanMs: 300, cap: 1, missRate: 1 });
  const removal = constantCalibration('c', ['hello'], { serviceMs: 10, activationMs: 10, engine: { disposalCpuMs: 20 } });
  const r = run(s, removal, 1);
  assert.deepEqual(r.latencies, [10, 20, 20]);
  assert.equal(r.outcome.evictionsBy.forced, 2);
  // A reserve fill (10 ms) after every activation: activation and fill share the core, 20 ms each time.
  assert.deepEqual(run(s, constantCalibration('c', ['hello'], { serviceMs: 10, activationMs: 10, engine: { fillCpuMs: 10 } }), 1).latencies, [20, 20, 20]);
  // No engine: nothing else on the core.
  assert.deepEqual(run(s, constantCalibration('c', ['hello'], { serviceMs: 10, activationMs: 10 }), 1).latencies, [10, 10, 10]);
});

test('2 cores, cap of 1 instance: requests queue at the tenant for the one instance', () => {
  // k0 cold 0-20 (activation 20 ms); k1..k3 (5, 10, 15) wait for it, then run warm 20-30, 30-40, 40-50.
  const { outcome, latencies, colds } = run(tinyScenario({ gapMs: 5, spanMs: 20, cap: 1 }), constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 20 }), 2);
  assert.deepEqual(latencies, [20, 25, 30, 35]);
  assert.deepEqual(colds, [true, false, false, false]);
  assert.equal(outcome.peakInstances, 1);
});

test('a memory budget of one instance serialises the tenant even with idle cores', () => {
  // As the cap case, but refused for memory: k0 cold 0-10; k1 waits, warm 10-20; k2 (10) and k3 (15) wait in turn.
  const { outcome, latencies, colds } = run(tinyScenario({ gapMs: 5, spanMs: 20, cap: 4, budgetMiB: 1 }), constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 10, memoryBytes: MIB }), 2);
  assert.deepEqual(latencies, [10, 15, 20, 25]);
  assert.deepEqual(colds, [true, false, false, false]);
  assert.equal(outcome.peakInstances, 1);
  assert.equal(outcome.peakInstanceBytes, MIB);
});

test('forced misses: every forced request is cold; without them one cold start serves a sparse tenant', () => {
  const rc = constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 30 });
  const all = run(tinyScenario({ gapMs: 50, spanMs: 1000, missRate: 1 }), rc, 1);
  assert.equal(all.outcome.cold, 20);
  assert.equal(all.outcome.forcedCold, 20);
  assert.ok(all.latencies.every((l) => l === 30));
  const none = run(tinyScenario({ gapMs: 50, spanMs: 1000, missRate: 0 }), rc, 1);
  assert.equal(none.outcome.cold, 1);
  assert.deepEqual(none.latencies, [30, ...Array(19).fill(10)]);
});

test('keep-alive expiry: a tenant idle longer than the timeout pays a cold start again', () => {
  // Arrivals every 2 s, idle timeout 1 s: each instance expires before the next request.
  const rc = constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 30 });
  const { outcome } = run(tinyScenario({ gapMs: 2000, spanMs: 10_000, idleTimeoutSeconds: 1 }), rc, 1);
  assert.equal(outcome.cold, 5);
  assert.equal(outcome.evictionsBy.idle, 4);
  const kept = run(tinyScenario({ gapMs: 2000, spanMs: 10_000, idleTimeoutSeconds: 3 }), rc, 1).outcome;
  assert.equal(kept.cold, 1);
});

test('a warm request with a CPU share below 1 waits out its off-core part, then shares the core', () => {
  // Warm: 20 ms of which half CPU. k0 (0) cold 0-10, all CPU; k1 (100) off-core 100-110, CPU
  // 110-120; k2 (200) likewise.
  const rc = constantCalibration('p', ['hello'], { serviceMs: 20, activationMs: 10 });
  rc.workloads.hello!.warmCpuShare = 0.5;
  const s = tinyScenario({ gapMs: 100, spanMs: 300, cap: 1 });
  assert.deepEqual(run(s, rc, 1).latencies, [10, 20, 20]);
  // Warm of 40 ms (20 off-core) and a 15 ms deadline: k1 dies in its off-core part at 115, and
  // the pool kills the instance it was sent to, so k2 is cold again.
  const slow = constantCalibration('p', ['hello'], { serviceMs: 40, activationMs: 10 });
  slow.workloads.hello!.warmCpuShare = 0.5;
  s.traffic.timeoutMs = 15;
  const cut = run(s, slow, 1);
  assert.deepEqual(cut.outcome.errors, { timeout: 1 });
  assert.equal(cut.outcome.evictionsBy.timeout, 1);
  assert.deepEqual(cut.latencies, [10, 15, 10]);
  assert.deepEqual(cut.colds, [true, false, true]);
});

test('work overrunning the deadline is cut there and counted as a timeout', () => {
  const s = tinyScenario({ gapMs: 1000, spanMs: 2000 });
  s.traffic.timeoutMs = 25;
  // Cold starts of 40 ms CPU: both die at 25 ms as aborted activations (the pool counts no eviction for them).
  const cold = run(s, constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 40 }), 1);
  assert.deepEqual(cold.outcome.errors, { timeout: 2 });
  assert.equal(cold.outcome.completed, 0);
  assert.ok(cold.traced.every((r) => r.endMs - r.arrivalMs === 25));
  assert.equal(cold.outcome.evictionsBy.timeout, undefined);
  // Cut in the off-core part too (30 ms of its 40 are off the cores).
  const off = run(s, constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 40, activationCpuMs: 10 }), 1);
  assert.deepEqual(off.outcome.errors, { timeout: 2 });
  assert.ok(off.traced.every((r) => r.endMs - r.arrivalMs === 25));
  // A warm request of 40 ms: the pool kills the overrunning instance (an eviction, cause timeout).
  const warm = run(s, constantCalibration('p', ['hello'], { serviceMs: 40, activationMs: 10 }), 1);
  assert.deepEqual(warm.outcome.errors, { timeout: 1 });
  assert.equal(warm.outcome.completed, 1);
  assert.deepEqual(warm.latencies, [10, 25]);
  assert.equal(warm.outcome.evictionsBy.timeout, 1);
});

test('the same seed gives identical output; another seed another one', () => {
  const s: Scenario = { ...tinyScenario({ gapMs: 2, spanMs: 5000, tenants: 50, missRate: 0.1, idleTimeoutSeconds: 1 }) };
  s.traffic.arrival = { type: 'poisson' };
  s.tenants.popularity = { type: 'zipf', exponent: 1.1 };
  const rc = constantCalibration('p', ['hello'], { serviceMs: 1, activationMs: 20 });
  // Variance from the calibration too: a spread service time.
  rc.workloads.hello!.warmServiceMs = { quantilesMs: [0.5, 1, 2, 8], samples: 4 };
  const model = () => hostModel(rc, { cores: 2, keepAlive: s.keepAlive, timeoutMs: 5000, artifactMissRate: 0, workloads: ['hello'] });
  const once = (seed: number, sched: Scenario) => {
    const o = simulateHost(openSchedule(sched, { hello: 1 }), model(), { seed });
    return JSON.stringify({ ...o, latency: o.latency.map((h) => [h.warm.percentileMs(50), h.warm.percentileMs(99), h.warm.total, h.cold.percentileMs(99), h.cold.total]), phases: o.phases.map((h) => h.total) });
  };
  assert.equal(once(3, s), once(3, s));
  assert.notEqual(once(3, s), once(4, s));
  assert.notEqual(once(3, s), once(3, { ...s, seed: s.seed + 1 }));
});
