import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { seededRng } from './rng.js';
import { apportionTenants, assignWorkloads } from './workload-assignment.js';

function tally(workloads: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of workloads) out[w] = (out[w] ?? 0) + 1;
  return out;
}

test('counts follow the weights by largest remainder', () => {
  // Quotas 3.5, 2.1, 1.4: floors 3, 2, 1 and the spare tenant to the largest remainder (0.5).
  assert.deepEqual(apportionTenants([0.5, 0.3, 0.2], 7, [0, 1, 2]), [4, 2, 1]);
  assert.deepEqual(tally(assignWorkloads([{ workload: 'a', weight: 3 }, { workload: 'b', weight: 1 }], 8, seededRng(1))), { a: 6, b: 2 });
});

test('every workload of the mix gets a tenant when there are enough tenants', () => {
  const mix = [
    { workload: 'a', weight: 100 },
    { workload: 'b', weight: 1 },
    { workload: 'c', weight: 1 },
    { workload: 'd', weight: 0.01 },
  ];
  for (const count of [4, 5, 9]) {
    const got = tally(assignWorkloads(mix, count, seededRng(count)));
    assert.deepEqual(Object.keys(got).sort(), ['a', 'b', 'c', 'd'], `count ${count}`);
    assert.equal(got.a, count - 3);
  }
  // A zero weight gets nothing.
  assert.deepEqual(tally(assignWorkloads([{ workload: 'a', weight: 1 }, { workload: 'z', weight: 0 }], 5, seededRng(1))), { a: 5 });
});

test('workloads are interleaved over the ranks, not grouped', () => {
  const workloads = assignWorkloads([{ workload: 'a', weight: 3 }, { workload: 'b', weight: 1 }], 8, seededRng(1));
  const ranksOfB = workloads.flatMap((w, i) => (w === 'b' ? [i] : []));
  // Smooth round robin puts one b in each half of the ranks.
  assert.equal(ranksOfB.filter((r) => r < 4).length, 1);
  assert.equal(ranksOfB.filter((r) => r >= 4).length, 1);
});

test('deterministic for a seed; ties between equal weights vary with the seed', () => {
  const mix = ['a', 'b', 'c', 'd'].map((workload) => ({ workload, weight: 1 }));
  assert.deepEqual(assignWorkloads(mix, 6, seededRng(3)), assignWorkloads(mix, 6, seededRng(3)));
  const firstRank = new Set(Array.from({ length: 20 }, (_, seed) => assignWorkloads(mix, 2, seededRng(seed))[0]));
  assert.ok(firstRank.size > 1, 'the most popular tenant always got the same workload');
});

test('empty mixes and bad weights are rejected', () => {
  assert.throws(() => assignWorkloads([], 3, seededRng(1)), LabError);
  assert.throws(() => assignWorkloads([{ workload: 'a', weight: -1 }], 3, seededRng(1)), LabError);
  assert.throws(() => assignWorkloads([{ workload: 'a', weight: 0 }], 3, seededRng(1)), LabError);
  assert.throws(() => assignWorkloads([{ workload: 'a', weight: 1 }], 0, seededRng(1)), LabError);
});
