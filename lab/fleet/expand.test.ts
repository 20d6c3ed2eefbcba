import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { fakeScenarioContext } from '../scenario/fake-context.js';
import { classPopId, parseShard, popAt, popCount, shardPopIndices } from './expand.js';
import { loadFleet } from './load.js';
import { diurnalPhaseSeconds, popScenario } from './pop-scenario.js';
import { fleetRecord } from './record.js';

const tiny = () => loadFleet(join(projectRoot, 'lab', 'fleet', 'testdata', 'tiny-fleet.yaml'), fakeScenarioContext());

test('PoPs: classes in file order, then the written-out PoPs; ids zero-padded to the class count', () => {
  const f = tiny();
  assert.deepEqual(Array.from({ length: popCount(f) }, (_, i) => popAt(f, i).id), ['small-1', 'small-2', 'small-3', 'small-4', 'small-5', 'big1']);
  assert.equal(classPopId({ name: 'metro', count: 400 }, 6), 'metro-007');
  assert.throws(() => popAt(f, 6), LabError);
});

test("a PoP depends on the fleet seed and its id only: the same expanded alone, in any order, and its spread stays in bounds", () => {
  const f = tiny();
  const forward = Array.from({ length: 6 }, (_, i) => popAt(f, i));
  const backward = [5, 4, 3, 2, 1, 0].map((i) => popAt(tiny(), i)).reverse();
  assert.deepEqual(forward, backward);
  for (const p of forward.slice(0, 5)) {
    assert.ok(p.tenants >= 20 && p.tenants <= 60, `${p.id} tenants ${p.tenants}`);
    assert.ok(p.rate >= 10 && p.rate <= 30, `${p.id} rate ${p.rate}`);
    assert.ok([-5, 0, 9].includes(p.utcOffsetHours));
    assert.ok(Math.abs(p.mix.reduce((a, m) => a + m.weight, 0) - 1) < 1e-5);
    assert.equal(p.hostPerHour, 0.5);
  }
  // The spread spreads, and the seeds differ per PoP.
  assert.ok(new Set(forward.map((p) => p.tenants)).size > 2);
  assert.equal(new Set(forward.map((p) => p.seed)).size, 6);
  assert.deepEqual({ tenants: forward[5]!.tenants, rate: forward[5]!.rate, hostPerHour: forward[5]!.hostPerHour }, { tenants: 300, rate: 400, hostPerHour: 1 });
  // Another fleet seed, other PoPs.
  const g = tiny();
  g.fleet.seed = 8;
  assert.notDeepEqual(popAt(g, 0), forward[0]);
});

test('shards interleave: every PoP in exactly one shard, for any shard count; a sample is evenly spaced', () => {
  for (const k of [1, 2, 3, 7]) {
    const all = Array.from({ length: k }, (_, i) => [...shardPopIndices(10, { index: i, count: k })]).flat().sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 10 }, (_, i) => i), `K=${k}`);
  }
  assert.deepEqual([...shardPopIndices(4000, { index: 0, count: 1 }, 4)], [0, 1000, 2000, 3000]);
  assert.deepEqual([...shardPopIndices(4000, { index: 1, count: 2 }, 4)], [1000, 3000]);
});

test('--shard i/K is parsed and checked', () => {
  assert.deepEqual(parseShard('3/8'), { index: 3, count: 8 });
  for (const bad of ['8/8', '1', 'a/b', '-1/3', '0/0']) assert.throws(() => parseShard(bad), LabError, bad);
});

test('time zones shift the diurnal curve: a PoP at the peak hour peaks when the measured window starts', () => {
  const d = { periodSeconds: 24, amplitude: 0.5, peakLocalHour: 20, startUtcHour: 0 };
  // rate ~ sin(2 pi (t + phase) / P): peak where (t + phase) = P/4 (mod P). At t = warm-up = 6 s, the window's start.
  for (const [offset, peakAtWindowSecond] of [[20, 0], [-4, 0], [18, 2], [0, 20]] as const) {
    const phase = diurnalPhaseSeconds(d, offset, 6);
    const t = 6 + peakAtWindowSecond;
    const x = (((t + phase) % 24) + 24) % 24;
    assert.ok(Math.abs(x - 6) < 1e-6, `offset ${offset}: sine argument ${x}, want P/4`);
  }
});

test("a PoP's scenario: the base's runtimes and SLO, the PoP's tenants, mix, host, rate and seed, its host's memory as the budget", () => {
  const f = tiny();
  const p = popAt(f, 5);
  const s = popScenario(f, p);
  assert.equal(s.tenants.count, 300);
  assert.equal(s.simulate?.rate, 400);
  assert.deepEqual(s.host, { memoryGiB: 2, cores: 2 });
  assert.equal(s.seed, p.seed);
  assert.equal(s.keepAlive.memoryBudgetMiB, 0);
  assert.deepEqual(s.runtimes.map((r) => r.label), ['process', 'wasmtime']);
  assert.deepEqual(s.slo, f.base.scenario.slo);
  assert.equal(s.traffic.arrival.type, 'diurnal');
  assert.equal(s.simulate?.warmupSeconds, 2);
  assert.equal(s.simulate?.durationSeconds, 4);
});

test("prices: a PoP's own, else its class's, else the fleet's, else the base scenario's (said in the record)", () => {
  const f = tiny();
  assert.equal(popAt(f, 5).hostPerHour, 1);
  assert.equal(popAt(f, 0).hostPerHour, 0.5);
  assert.deepEqual(fleetRecord(f).defaultHostPerHour, { value: 0.5, from: 'fleet' });
  f.fleet.cost = undefined;
  f.base.scenario.cost = { hostPerHour: 0.9, currency: 'EUR', pops: 1 };
  assert.equal(popAt(f, 0).hostPerHour, 0.9);
  assert.equal(popAt(f, 5).hostPerHour, 1);
  const r = fleetRecord(f);
  assert.deepEqual(r.defaultHostPerHour, { value: 0.9, from: 'base scenario', host: { memoryGiB: 4, cores: 2 } });
  assert.equal(r.currency, 'EUR');
  f.base.scenario.cost = undefined;
  assert.equal(popAt(f, 0).hostPerHour, undefined);
});
