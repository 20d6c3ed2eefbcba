import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulatedPoint } from '../results/model.js';
import { bindingOf, DENSITY_RESOLUTION, densityOf, searchBound, searchDensity } from './density.js';
import { constantCalibration, tinyScenario } from './test-support.js';
import type { Scenario } from '../scenario/types.js';
import { brokenObjectives, sloText } from './slo.js';

const point = (tenants: number, sloMet: boolean): SimulatedPoint => ({ tenants, rate: tenants, p50Ms: 1, p99Ms: sloMet ? 1 : 999, coldStartRate: 0, peakInstances: tenants, peakMemoryBytes: 0, errors: 0, throughputRps: 0, sloMet });

test('the search brackets the boundary of a monotone probe within its resolution, from above and below the start', () => {
  for (const boundary of [1, 7, 137, 999, 5000]) {
    for (const start of [10, 4000]) {
      const r = searchDensity((n) => point(n, n <= boundary), start, 100_000);
      assert.ok(r.tenants <= boundary, `boundary ${boundary} start ${start}: got ${r.tenants}`);
      assert.ok(r.tenants >= Math.floor(boundary * (1 - DENSITY_RESOLUTION)) - 1, `boundary ${boundary} start ${start}: got ${r.tenants}`);
      assert.equal(r.point?.tenants, r.tenants);
      assert.ok(r.failed && !r.failed.sloMet && r.failed.tenants > r.tenants);
    }
  }
  assert.equal(searchDensity((n) => point(n, false), 100, 1000).tenants, 0);
  const bounded = searchDensity((n) => point(n, true), 100, 1000);
  assert.equal(bounded.tenants, 1000);
  assert.equal(bounded.failed, null, 'stopping at the bound is no failing probe');
});

/** A hand-computable host: uniform tenants at 1 req/s each, constant service, 1 core, 1 GiB. */
function tinyHost(o: { serviceMs: number; budgetMiB?: number; idleTimeoutSeconds?: number; objectives: Scenario['slo']['objectives'] }): Scenario {
  // 4 tenants at 4 req/s in all: 1 req/s each, the rate every added tenant brings.
  const s = tinyScenario({ gapMs: 250, spanMs: 30_000, tenants: 4, cap: 4, budgetMiB: o.budgetMiB ?? 0, idleTimeoutSeconds: o.idleTimeoutSeconds ?? 0 });
  s.traffic.arrival = { type: 'poisson' };
  s.traffic.warmupSeconds = 5;
  s.slo = { p99Ms: 1000, ...(o.objectives ? { objectives: o.objectives } : {}) };
  s.simulate = { durationSeconds: 30, warmupSeconds: 10 };
  return s;
}

test('CPU-bound tiny host: 1 core, 1 req/s per tenant, 20 ms of CPU each: the host saturates at 50 tenants, and density is just below, bound by the CPU', () => {
  const s = tinyHost({ serviceMs: 20, objectives: [{ metric: 'warm.p99', max: 400 }] });
  const rc = constantCalibration('process', ['hello'], { serviceMs: 20, activationMs: 1 });
  assert.equal(searchBound(s, rc, 1).tenants, 50, 'capacity: 1000 ms of CPU per second / (1 req/s x 20 ms)');
  const d = densityOf(s, [{ spec: s.runtimes[0]!, calibration: rc }]).runtimes.process!;
  assert.equal(d.binding?.resource, 'cpu', d.binding?.detail);
  assert.ok(d.tenants <= 50 && d.tenants >= 35, `density ${d.tenants} of a 50-tenant capacity`);
  assert.ok(d.point!.cpuUtilisation! > 0.6, `utilisation at the answer ${d.point!.cpuUtilisation}`);
});

test('memory-bound tiny host: a 10 MiB budget for 1 MiB instances that never idle out holds 10 tenants warm; the 11th thrashes, bound by memory', () => {
  const s = tinyHost({ serviceMs: 1, budgetMiB: 10, objectives: [{ metric: 'warm.p99', max: 100 }, { metric: 'coldStart.rate', max: 0.05 }] });
  const rc = constantCalibration('process', ['hello'], { serviceMs: 1, activationMs: 50, memoryBytes: 1024 * 1024 });
  const d = densityOf(s, [{ spec: s.runtimes[0]!, calibration: rc }]).runtimes.process!;
  assert.equal(d.tenants, 10, `density ${d.tenants}; probes ${d.probes.map((p) => `${p.tenants}:${p.coldStartRate.toFixed(3)}`).join(' ')}`);
  assert.equal(d.binding?.resource, 'memory', d.binding?.detail);
  assert.equal(d.binding?.failedAt, 11);
  assert.ok(d.binding!.broken.some((b) => b.startsWith('cold-start rate')), d.binding!.broken.join('; '));
});

test('the binding resource is read from the failing probe: busy cores, evictions, cold-start objectives, or queueing with cores to spare', () => {
  const base: SimulatedPoint = { ...point(10, false), p99Ms: 900, warmP99Ms: 5, coldP99Ms: 900, coldStartRate: 0.2, errorRate: 0, cpuUtilisation: 0.3, memoryEvictions: 0, memoryBudgetBytes: 2 ** 30 };
  const all = [{ metric: 'p99' as const, max: 50 }];
  assert.equal(bindingOf({ ...base, cpuUtilisation: 0.95 }, all).resource, 'cpu');
  assert.equal(bindingOf({ ...base, memoryEvictions: 12 }, all).resource, 'memory');
  assert.equal(bindingOf(base, all).resource, 'cold-start capacity', 'warm requests within the p99, cold ones not');
  assert.equal(bindingOf({ ...base, warmP99Ms: 400 }, [{ metric: 'warm.p99', max: 50 }]).resource, 'queueing');
  assert.match(bindingOf(base, all).detail, /p99 of all requests ≤ 50 ms/);
});

test('SLO objectives: a point with more than 1 % errors never meets one, and the SLO is said in words', () => {
  const p: SimulatedPoint = { ...point(1, true), warmP99Ms: 1, coldP99Ms: 1, errorRate: 0.02 };
  assert.deepEqual(brokenObjectives(p, [{ metric: 'warm.p99', max: 10 }]).map((o) => o.metric), ['errors.rate']);
  assert.equal(sloText([{ metric: 'warm.p99', max: 20 }, { metric: 'cold.p99', max: 400 }, { metric: 'coldStart.rate', max: 0.05 }]), 'warm p99 ≤ 20 ms, cold-start p99 ≤ 400 ms and cold-start rate ≤ 5 %');
});

function densityScenario(p99Ms: number): Scenario {
  const s = tinyScenario({ gapMs: 10, spanMs: 20_000, tenants: 20, cap: 4 });
  s.traffic.arrival = { type: 'poisson' };
  s.tenants.popularity = { type: 'zipf', exponent: 1 };
  s.host = { memoryGiB: 1, cores: 2 };
  s.slo.p99Ms = p99Ms;
  s.simulate = { rate: 100, durationSeconds: 20, warmupSeconds: 2, maxTenants: 400 };
  return s;
}

test('density with the simulator: a looser SLO or more cores never fits fewer tenants, and the answer meets its SLO', () => {
  const rc = constantCalibration('p', ['hello'], { serviceMs: 8, activationMs: 40 });
  const d = (s: Scenario) => densityOf(s, [{ spec: s.runtimes[0]!, calibration: rc }]).runtimes.process!;
  const strict = d(densityScenario(20));
  const loose = d(densityScenario(60));
  const moreCores = d({ ...densityScenario(20), host: { memoryGiB: 1, cores: 4 } });
  assert.ok(strict.tenants > 0, 'the strict SLO fits some tenants');
  assert.ok(loose.tenants >= strict.tenants, `loose ${loose.tenants} < strict ${strict.tenants}`);
  assert.ok(moreCores.tenants >= strict.tenants, `4 cores ${moreCores.tenants} < 2 cores ${strict.tenants}`);
  assert.ok(strict.point!.sloMet && strict.point!.p99Ms <= 20);
  // The first failing probe above the answer really fails.
  const above = strict.probes.find((p) => p.tenants > strict.tenants);
  assert.ok(above && !above.sloMet);
});

test('a keep-alive sweep in the density search keeps every policy and answers with the best', () => {
  const s = tinyHost({ serviceMs: 1, objectives: [{ metric: 'coldStart.rate', max: 0.05 }] });
  s.simulate = { ...s.simulate, densityIdleTimeouts: [0.5, 30] };
  const rc = constantCalibration('process', ['hello'], { serviceMs: 1, activationMs: 5 });
  const d = densityOf(s, [{ spec: s.runtimes[0]!, calibration: rc }]).runtimes.process!;
  assert.equal(d.policies?.length, 2);
  const [short, long] = d.policies!;
  assert.ok(long!.tenants >= short!.tenants, `30 s ${long!.tenants} < 0.5 s ${short!.tenants}`);
  assert.equal(d.tenants, Math.max(short!.tenants, long!.tenants));
  assert.equal(d.idleTimeoutSeconds, d.tenants === short!.tenants && short!.tenants === long!.tenants ? 0.5 : 30);
});
