import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { AliasSampler } from './alias.js';
import { liveShares, rankShares, uniformShares, zipfShares } from './popularity.js';
import { seededRng } from './rng.js';
import { Z_ONE_SIDED_999, binomialInterval, chiSquare, chiSquareUpper, within } from './test-support.js';

test('Zipf shares: share(1)/share(k) = k^s and they sum to 1', () => {
  for (const s of [0.6, 1, 1.5]) {
    const shares = zipfShares(200, s);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (const k of [2, 10, 200]) assert.ok(Math.abs((shares[0] as number) / (shares[k - 1] as number) - k ** s) < 1e-9 * k ** s);
  }
  // Exponent 0 is the uniform law.
  assert.deepEqual(zipfShares(5, 0), uniformShares(5));
  assert.deepEqual(rankShares({ type: 'uniform' }, 4), new Float64Array([0.25, 0.25, 0.25, 0.25]));
});

test('live shares are the top ranks of the modelled population, renormalised', () => {
  const population = zipfShares(1000, 1);
  const live = liveShares({ type: 'zipf', exponent: 1 }, 1000, 10);
  const top = population.slice(0, 10).reduce((a, b) => a + b, 0);
  live.forEach((share, i) => assert.ok(Math.abs(share - (population[i] as number) / top) < 1e-12));
  assert.throws(() => liveShares({ type: 'uniform' }, 5, 6), LabError);
  assert.throws(() => zipfShares(0, 1), LabError);
  assert.throws(() => zipfShares(3, -1), LabError);
});

test('Zipf rank frequencies match theory (chi-square and per-rank binomial bounds)', () => {
  const ranks = 50;
  const shares = zipfShares(ranks, 1.1);
  const sampler = new AliasSampler(shares);
  const rng = seededRng(21);
  const n = 200_000;
  const counts = new Array<number>(ranks).fill(0);
  for (let i = 0; i < n; i++) {
    const k = sampler.sample(rng);
    counts[k] = (counts[k] as number) + 1;
  }
  assert.ok(chiSquare(counts, shares) < chiSquareUpper(ranks - 1, Z_ONE_SIDED_999));
  // Per rank at z = 4: with 50 ranks the chance any bound fails by luck is below 0.4%.
  counts.forEach((c, k) => within(c, binomialInterval(n, shares[k] as number, 4), `rank ${k + 1}`));
});
