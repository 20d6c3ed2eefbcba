import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { planLiveTenants, tenantId } from './live-tenants.js';
import { seededRng } from './rng.js';
import { testScenario } from './test-support.js';

test('tenant ids follow the rank: t0001, t0002, ...', () => {
  assert.deepEqual([1, 2, 42, 9999, 10000].map(tenantId), ['t0001', 't0002', 't0042', 't9999', 't10000']);
});

test('uniform popularity gives every live tenant the same share', () => {
  const { tenants, replay } = planLiveTenants(testScenario({ live: { tenants: 4 }, tenants: { ...testScenario().tenants, popularity: { type: 'uniform' } } }), seededRng(1), 10_000);
  assert.equal(replay, undefined);
  assert.deepEqual(
    tenants.map((t) => t.share),
    [0.25, 0.25, 0.25, 0.25],
  );
});

test('trace popularity needs the trace rows', () => {
  const scenario = testScenario({ tenants: { ...testScenario().tenants, popularity: { type: 'trace', file: 'x.csv', secondsPerMinute: 1, startMinute: 1 } } });
  assert.throws(() => planLiveTenants(scenario, seededRng(1), 10_000), LabError);
});
