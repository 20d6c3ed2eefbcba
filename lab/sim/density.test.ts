import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulatedPoint } from '../results/model.js';
import { DENSITY_RESOLUTION, densityOf, searchDensity } from './density.js';
import { constantCalibration, tinyScenario } from './test-support.js';
import type { Scenario } from '../scenario/types.js';

const point = (tenants: number, sloMet: boolean): SimulatedPoint => ({ tenants, rate: tenants, p50Ms: 1, p99Ms: sloMet ? 1 : 999, coldStartRate: 0, peakInstances: tenants, peakMemoryBytes: 0, errors: 0, throughputRps: 0, sloMet });

test('the search brackets the boundary of a monotone probe within its resolution, from above and below the start', () => {
  for (const boundary of [1, 7, 137, 999, 5000]) {
    for (const start of [10, 4000]) {
      const r = searchDensity((n) => point(n, n <= boundary), start, 100_000);
      assert.ok(r.tenants <= boundary, `boundary ${boundary} start ${start}: got ${r.tenants}`);
      assert.ok(r.tenants >= Math.floor(boundary * (1 - DENSITY_RESOLUTION)) - 1, `boundary ${boundary} start ${start}: got ${r.tenants}`);
      assert.equal(r.point?.tenants, r.tenants);
      assert.equal(r.atLimit, false);
    }
  }
  assert.equal(searchDensity((n) => point(n, false), 100, 1000).tenants, 0);
  const limited = searchDensity((n) => point(n, true), 100, 1000);
  assert.equal(limited.tenants, 1000);
  assert.equal(limited.atLimit, true);
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
