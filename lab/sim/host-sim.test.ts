import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstancePolicy } from '../policy/instance-policy.js';
import { InstancePool } from '../../runners/pool.js';
import { openSchedule } from '../traffic/plan.js';
import type { Scenario } from '../scenario/types.js';
import type { RuntimeCalibration } from './calibration.js';
import { hostModel } from './host-model.js';
import { createSimulation, simulateHost, type TracedRequest } from './host-sim.js';
import { constantCalibration, MIB, tinyScenario } from './test-support.js';

function run(s: Scenario, rc: RuntimeCalibration, cores: number, seed = 1) {
  const model = hostModel(rc, { cores, keepAlive: s.keepAlive, timeoutMs: s.traffic.timeoutMs, artifactMissRate: s.cache.artifactMissRate, workloads: ['hello'] });
  const traced: TracedRequest[] = [];
  const outcome = simulateHost(openSchedule(s, { hello: 1 }), model, { seed, trace: (r) => traced.push(r) });
  traced.sort((a, b) => a.arrivalMs - b.arrivalMs);
  return { outcome, traced, latencies: traced.map((r) => r.endMs - r.arrivalMs), colds: traced.map((r) => r.cold) };
}

test('1 core, 10 ms jobs, an arrival every 5 ms: the core is the bottleneck, waits grow by 5 ms per request', () => {
  // Request k arrives at 5k and, the core being busy back to back, ends at 10(k+1): latency 5k + 10.
  // Instances: k0 and k1 start cold; from then on a request finds the instance freed at its own
  // arrival instant (completion at 10j first) on even k, and a new instance on odd k.
  const { outcome, latencies, colds } = run(tinyScenario({ gapMs: 5, spanMs: 50 }), constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 10 }), 1);
  assert.deepEqual(latencies, [10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
  assert.deepEqual(colds, [true, true, false, true, false, true, false, true, false, true]);
  assert.equal(outcome.cold, 6);
  assert.equal(outcome.warm, 4);
  assert.equal(outcome.peakInstances, 6);
  assert.equal(outcome.completed, 10);
  assert.deepEqual(outcome.errors, {});
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

test('a job overrunning the deadline is cut there and counted as a timeout', () => {
  const s = tinyScenario({ gapMs: 1000, spanMs: 2000 });
  s.traffic.timeoutMs = 25;
  const { outcome, traced } = run(s, constantCalibration('p', ['hello'], { serviceMs: 10, activationMs: 40 }), 1);
  assert.deepEqual(outcome.errors, { timeout: 2 });
  assert.equal(outcome.completed, 0);
  assert.ok(traced.every((r) => r.endMs - r.arrivalMs === 25));
  // The pool kills an instance that overruns: nothing stays warm, so the second request is cold too.
  assert.equal(outcome.evictionsBy.timeout, 2);
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

test('the simulator drives the very policy class the live pool uses (same object, not a copy)', () => {
  const s = tinyScenario({ gapMs: 5, spanMs: 10 });
  const rc = constantCalibration('p', ['hello'], { serviceMs: 1, activationMs: 1 });
  const sim = createSimulation(openSchedule(s, { hello: 1 }), hostModel(rc, { cores: 1, keepAlive: s.keepAlive, timeoutMs: 5000, artifactMissRate: 0, workloads: ['hello'] }), { seed: 1 });
  const pool = new InstancePool({
    runtime: 'test',
    tenants: [{ id: 't0001', workload: 'hello' }],
    keepAlive: s.keepAlive,
    requestTimeoutMs: 1000,
    factory: { activate: () => Promise.reject(new Error('not used')) },
  });
  const poolPolicy = (pool as unknown as { policy: object }).policy;
  assert.equal(sim.policy.constructor, poolPolicy.constructor);
  assert.equal(sim.policy.constructor, InstancePolicy);
  assert.ok(poolPolicy instanceof InstancePolicy);
});
