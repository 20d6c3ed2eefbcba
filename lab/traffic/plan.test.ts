import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { forcedMissSelector } from './forced-miss.js';
import { PLAN_STREAMS, forEachPlannedRequest, openSchedule, planTraffic, plannedRequests, summarisePlan, summariseSchedule } from './plan.js';
import { liveShares } from './popularity.js';
import { seededRng } from './rng.js';
import { Z, Z_ONE_SIDED_999, binomialInterval, chiSquare, chiSquareUpper, poissonInterval, testScenario, within } from './test-support.js';
import type { PlannedRequest, TrafficPlan } from './types.js';

const fixtures = { hello: 3, 'jwt-verify': 5, 'image-resize': 2 };
const scenario = testScenario();
const plan = planTraffic(scenario, fixtures);
const spanSeconds = scenario.traffic.warmupSeconds + scenario.traffic.durationSeconds;

function project(p: TrafficPlan, key: keyof PlannedRequest): unknown[] {
  return p.requests.map((r) => r[key]);
}

test('same seed, same plan; different seed, different plan', () => {
  assert.deepEqual(planTraffic(scenario, fixtures), plan);
  const other = planTraffic({ ...scenario, seed: scenario.seed + 1 }, fixtures);
  assert.notDeepEqual(project(other, 'atMs'), project(plan, 'atMs'));
  assert.notDeepEqual(project(other, 'forceCold'), project(plan, 'forceCold'));
});

test('the live tenants are ranks 1..live with renormalised Zipf shares and the whole mix', () => {
  assert.deepEqual(
    plan.tenants.map((t) => t.id),
    Array.from({ length: scenario.live.tenants }, (_, i) => `t${String(i + 1).padStart(4, '0')}`),
  );
  assert.deepEqual(
    plan.tenants.map((t) => t.rank),
    plan.tenants.map((_, i) => i + 1),
  );
  const expected = liveShares(scenario.tenants.popularity as { type: 'zipf'; exponent: number }, scenario.tenants.count, scenario.live.tenants);
  plan.tenants.forEach((t, i) => assert.ok(Math.abs(t.share - (expected[i] as number)) < 1e-12));
  // Weights 2:1:1 over 12 tenants: 6, 3, 3.
  const perWorkload: Record<string, number> = {};
  for (const t of plan.tenants) perWorkload[t.workload] = (perWorkload[t.workload] ?? 0) + 1;
  assert.deepEqual(perWorkload, { hello: 6, 'jwt-verify': 3, 'image-resize': 3 });
});

test('send times: ascending, inside the span, warm-up flagged, Poisson count', () => {
  assert.equal(plan.spanMs, spanSeconds * 1000);
  assert.equal(plan.warmupMs, scenario.traffic.warmupSeconds * 1000);
  within(plan.requests.length, poissonInterval(scenario.traffic.rate * spanSeconds, Z.p999), 'requests');
  plan.requests.forEach((r, i) => {
    assert.ok(r.atMs >= 0 && r.atMs < plan.spanMs);
    if (i > 0) assert.ok(r.atMs >= (plan.requests[i - 1] as PlannedRequest).atMs);
    assert.equal(r.warmup, r.atMs < plan.warmupMs);
  });
});

test('tenant choice follows the shares (chi-square, 99.9%)', () => {
  const counts = new Array<number>(plan.tenants.length).fill(0);
  for (const r of plan.requests) counts[r.tenant] = (counts[r.tenant] as number) + 1;
  const x2 = chiSquare(counts, plan.tenants.map((t) => t.share));
  assert.ok(x2 < chiSquareUpper(plan.tenants.length - 1, Z_ONE_SIDED_999), `chi-square ${x2}`);
});

test('fixtures are uniform over each workload\'s traffic fixtures (chi-square, 99.9%)', () => {
  for (const [workload, n] of Object.entries(fixtures)) {
    const counts = new Array<number>(n).fill(0);
    for (const r of plan.requests) {
      if (plan.tenants[r.tenant]?.workload !== workload) continue;
      assert.ok(Number.isInteger(r.fixture) && r.fixture >= 0 && r.fixture < n);
      counts[r.fixture] = (counts[r.fixture] as number) + 1;
    }
    if (n > 1) assert.ok(chiSquare(counts, new Array<number>(n).fill(1 / n)) < chiSquareUpper(n - 1, Z_ONE_SIDED_999), workload);
  }
});

test('forced misses: share within the binomial 99% interval, chosen by forcedMissSelector on its own stream', () => {
  const forced = plan.requests.filter((r) => r.forceCold).length;
  within(forced, binomialInterval(plan.requests.length, scenario.cache.instanceMissRate, Z.p99), 'forced misses');
  // The simulator reproduces the selection from the seed alone.
  const select = forcedMissSelector(scenario.cache.instanceMissRate, seededRng(scenario.seed).fork(PLAN_STREAMS.forcedMiss));
  assert.deepEqual(project(plan, 'forceCold'), plan.requests.map(() => select()));
});

test('each concern has its own stream: changing one leaves the others untouched', () => {
  const moreMisses = planTraffic({ ...scenario, cache: { ...scenario.cache, instanceMissRate: 0.5 } }, fixtures);
  const moreFixtures = planTraffic(scenario, { hello: 7, 'jwt-verify': 1, 'image-resize': 9 });
  for (const key of ['atMs', 'tenant', 'warmup'] as const) {
    assert.deepEqual(project(moreMisses, key), project(plan, key), key);
    assert.deepEqual(project(moreFixtures, key), project(plan, key), key);
  }
  assert.deepEqual(project(moreMisses, 'fixture'), project(plan, 'fixture'));
  assert.deepEqual(project(moreFixtures, 'forceCold'), project(plan, 'forceCold'));
  assert.notDeepEqual(project(moreMisses, 'forceCold'), project(plan, 'forceCold'));
  // A different popularity law moves tenants, not send times.
  const uniform = planTraffic({ ...scenario, tenants: { ...scenario.tenants, popularity: { type: 'uniform' } } }, fixtures);
  assert.deepEqual(project(uniform, 'atMs'), project(plan, 'atMs'));
});

test('cursor, iterator and array forms give the same schedule', () => {
  assert.deepEqual([...plannedRequests(openSchedule(scenario, fixtures))], plan.requests);
  const copied: PlannedRequest[] = [];
  const n = forEachPlannedRequest(openSchedule(scenario, fixtures), (r) => copied.push({ ...r }));
  assert.equal(n, plan.requests.length);
  assert.deepEqual(copied, plan.requests);
});

test('summary: counts per tenant, workload, second and forced misses add up', () => {
  const summary = summarisePlan(plan);
  assert.deepEqual(summariseSchedule(openSchedule(scenario, fixtures)), summary);
  assert.equal(summary.requests, plan.requests.length);
  assert.equal(summary.tenants.reduce((a, t) => a + t.requests, 0), summary.requests);
  assert.equal(Object.values(summary.workloads).reduce((a, w) => a + w.requests, 0), summary.requests);
  assert.equal(summary.perSecond.length, spanSeconds);
  assert.equal(summary.perSecond.reduce((a, b) => a + b, 0), summary.requests);
  assert.equal(summary.forcedCold, plan.requests.filter((r) => r.forceCold).length);
  assert.equal(summary.warmupRequests + summary.measuredRequests, summary.requests);
  assert.equal(summary.warmupRequests, plan.requests.filter((r) => r.warmup).length);
  assert.equal(summary.tenants[0]?.requests, plan.requests.filter((r) => r.tenant === 0).length);
});

test('trace popularity reads the scenario\'s trace file (the shipped sample)', () => {
  const traced = planTraffic(
    testScenario({
      live: { tenants: 8 },
      tenants: { ...scenario.tenants, popularity: { type: 'trace', file: 'traces/azure-sample.csv', secondsPerMinute: 2, startMinute: 480 } },
      traffic: { ...scenario.traffic, warmupSeconds: 0, durationSeconds: 20 },
    }),
    fixtures,
  );
  assert.equal(traced.tenants.length, 8);
  assert.ok(traced.tenants.every((t) => t.trace && t.trace.function.length === 64));
  assert.ok(Math.abs(traced.tenants.reduce((a, t) => a + t.share, 0) - 1) < 1e-9);
  assert.ok(traced.requests.length > 0);
});

test('plans that cannot be made are refused with a reason', () => {
  assert.throws(() => planTraffic(scenario, { hello: 3, 'jwt-verify': 5 }), /workload image-resize has no traffic fixtures/);
  assert.throws(() => planTraffic(scenario, { ...fixtures, hello: 0 }), LabError);
  assert.throws(() => planTraffic({ ...scenario, live: { tenants: 2000 } }, fixtures), /exceeds tenants.count/);
  assert.throws(() => planTraffic({ ...scenario, traffic: { ...scenario.traffic, durationSeconds: 0 } }, fixtures), LabError);
  assert.throws(() => planTraffic({ ...scenario, cache: { ...scenario.cache, instanceMissRate: 2 } }, fixtures), LabError);
});
