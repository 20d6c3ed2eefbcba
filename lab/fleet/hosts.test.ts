import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario/types.js';
import { constantCalibration, tinyScenario } from '../sim/test-support.js';
import { cpuPerRequestMs, hostsFor, MIN_MEASURED_REQUESTS } from './hosts.js';

/** A PoP of `tenants` tenants at `rate` req/s on a host of `cores` cores, held to a warm p99 (default 40 ms). */
function pop(tenants: number, rate: number, cores: number, warmP99Ms = 40): Scenario {
  const s = tinyScenario({ gapMs: 10, spanMs: 20_000, tenants });
  return {
    ...s,
    host: { memoryGiB: 64, cores },
    tenants: { ...s.tenants, count: tenants, popularity: { type: 'uniform' } },
    traffic: { ...s.traffic, arrival: { type: 'poisson' } },
    slo: { p99Ms: 1000, objectives: [{ metric: 'warm.p99', max: warmP99Ms }] },
    simulate: { rate, warmupSeconds: 2, durationSeconds: 20 },
  };
}

test('one host when it carries the whole PoP: the smallest host is probed first, then the whole PoP', () => {
  const rc = constantCalibration('process', ['hello'], { serviceMs: 5, activationMs: 50 });
  const out = hostsFor(pop(40, 20, 4), { runtime: 'process', label: 'process', options: {} }, rc, 2);
  assert.equal(out.answer.hosts, 1);
  assert.equal(out.answer.tenantsPerHost, 40);
  assert.equal(out.answer.binding.resource, 'search bound');
  assert.deepEqual(out.answer.probes.map((p) => [p.hosts, p.sloMet]), [[1, true], [40, true]]);
  assert.deepEqual([out.answer.costPerHour, out.answer.perTenantMonth], [2, (2 * 730) / 40]);
  assert.ok(out.latency && out.latency.all.total > 0.9 * MIN_MEASURED_REQUESTS, String(out.latency?.all.total));
});

test('the fewest hosts whose share meets the SLO, exact in hosts, starting at the CPU bound: a CPU-bound PoP', () => {
  // 10 ms of CPU per request on 1 core: one host carries at most 100 req/s, so 400 req/s need 4 hosts at
  // least; at 4 the core is full and a 200 ms warm p99 breaks, so the answer is above the bound.
  const rc = constantCalibration('process', ['hello'], { serviceMs: 10, activationMs: 10 });
  const s = pop(400, 400, 1, 200);
  assert.equal(cpuPerRequestMs(s, rc), 10);
  const out = hostsFor(s, { runtime: 'process', label: 'process', options: {} }, rc, undefined);
  const h = out.answer.hosts!;
  assert.equal(h, 5, JSON.stringify(out.answer.probes));
  const below = out.answer.probes.find((p) => p.hosts === h - 1);
  assert.ok(below && !below.sloMet, JSON.stringify(out.answer.probes));
  assert.equal(out.answer.probes.find((p) => p.hosts === h)!.sloMet, true);
  assert.equal(out.answer.binding.resource, 'cpu');
  assert.match(out.answer.binding.detail, /^at 100 tenants the SLO breaks \(warm p99 ≤ 200 ms\): CPU 9\d\.\d % busy/);
  assert.equal(out.answer.costPerHour, null);
  // The search never probed below the CPU bound (4 hosts).
  assert.ok(out.answer.probes.every((p) => p.hosts >= 4));
});

test('unservable: when even a host of one tenant per workload breaks the SLO, one probe says so', () => {
  const rc = constantCalibration('process', ['hello'], { serviceMs: 80, activationMs: 80 });
  const out = hostsFor(pop(50, 10, 4), { runtime: 'process', label: 'process', options: {} }, rc, 1);
  assert.equal(out.answer.hosts, null);
  assert.equal(out.latency, null);
  assert.equal(out.answer.probes.length, 1);
  assert.match(out.answer.binding.detail, /^no host count serves the PoP: even 1 tenants per host/);
});
