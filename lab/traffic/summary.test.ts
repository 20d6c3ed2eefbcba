import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarisePlan } from './summary.js';
import type { TrafficPlan } from './types.js';

test('a hand-made plan is counted per tenant, workload, second, warm-up and forced miss', () => {
  const plan: TrafficPlan = {
    seed: 1,
    spanMs: 3000,
    warmupMs: 1000,
    tenants: [
      { id: 't0001', workload: 'hello', rank: 1, share: 0.75 },
      { id: 't0002', workload: 'jwt', rank: 2, share: 0.25 },
    ],
    requests: [
      { atMs: 10, tenant: 0, forceCold: true, fixture: 0, warmup: true },
      { atMs: 1500, tenant: 0, forceCold: false, fixture: 1, warmup: false },
      { atMs: 1600, tenant: 1, forceCold: true, fixture: 0, warmup: false },
      { atMs: 2999, tenant: 0, forceCold: false, fixture: 0, warmup: false },
    ],
  };
  const s = summarisePlan(plan);
  assert.equal(s.requests, 4);
  assert.equal(s.warmupRequests, 1);
  assert.equal(s.measuredRequests, 3);
  assert.equal(s.forcedCold, 2);
  assert.deepEqual(s.perSecond, [1, 2, 1]);
  assert.deepEqual(
    s.tenants.map((t) => [t.id, t.requests, t.forcedCold]),
    [
      ['t0001', 3, 1],
      ['t0002', 1, 1],
    ],
  );
  assert.deepEqual(s.workloads, { hello: { tenants: 1, requests: 3, share: 0.75 }, jwt: { tenants: 1, requests: 1, share: 0.25 } });
  assert.equal(s.meanRatePerSecond, 4 / 3);
});
