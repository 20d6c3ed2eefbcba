import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { exponential, seededRng, uniformInt } from './rng.js';
import { Z, Z_ONE_SIDED_999, chiSquare, chiSquareUpper, mean, sampleSd, within } from './test-support.js';
import type { Rng } from './types.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

test('the same seed gives the same stream, a different seed a different one', () => {
  assert.deepEqual(draws(seededRng(42), 1000), draws(seededRng(42), 1000));
  assert.notDeepEqual(draws(seededRng(42), 10), draws(seededRng(43), 10));
  // Both 32-bit halves of the seed count: seeds 2^32 apart and sign-flipped seeds differ.
  assert.notDeepEqual(draws(seededRng(7), 10), draws(seededRng(7 + 2 ** 32), 10));
  assert.notDeepEqual(draws(seededRng(-1), 10), draws(seededRng(2 ** 32 - 1), 10));
});

test('seeds must be safe integers', () => {
  assert.throws(() => seededRng(1.5), LabError);
  assert.throws(() => seededRng(Number.NaN), LabError);
  assert.throws(() => seededRng(2 ** 53), LabError);
});

test('a fork depends on its label and lineage only, never on draws made elsewhere', () => {
  const fresh = draws(seededRng(9).fork('arrivals'), 100);

  const busy = seededRng(9);
  draws(busy, 500);
  const sibling = busy.fork('tenant');
  draws(sibling, 500);
  assert.deepEqual(draws(busy.fork('arrivals'), 100), fresh);

  // Forking does not advance the parent.
  const parent = seededRng(9);
  parent.fork('x');
  assert.deepEqual(draws(parent, 100), draws(seededRng(9), 100));

  assert.notDeepEqual(draws(seededRng(9).fork('tenant'), 10), fresh.slice(0, 10));
  assert.notDeepEqual(draws(seededRng(9).fork('tenant').fork('arrivals'), 10), fresh.slice(0, 10));
  assert.notDeepEqual(draws(seededRng(10).fork('arrivals'), 10), fresh.slice(0, 10));
});

test('next() is uniform on [0, 1): mean, variance and serial correlation match theory', () => {
  const n = 200_000;
  const xs = draws(seededRng(1), n);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  // U(0,1): mean 1/2 with sd sqrt(1/12)/sqrt(n); variance 1/12 with sd sqrt(1/180)/sqrt(n) (mu4 - sigma^4 = 1/80 - 1/144).
  within(mean(xs), [0.5 - Z.p999 * Math.sqrt(1 / 12 / n), 0.5 + Z.p999 * Math.sqrt(1 / 12 / n)], 'mean');
  const variance = sampleSd(xs) ** 2;
  const sdVar = Math.sqrt((1 / 80 - 1 / 144) / n);
  within(variance, [1 / 12 - Z.p999 * sdVar, 1 / 12 + Z.p999 * sdVar], 'variance');
  // Lag-1 correlation of independent draws: 0 with sd 1/sqrt(n).
  let cov = 0;
  for (let i = 1; i < n; i++) cov += ((xs[i] as number) - 0.5) * ((xs[i - 1] as number) - 0.5);
  within(cov / (n - 1) / (1 / 12), [-Z.p999 / Math.sqrt(n), Z.p999 / Math.sqrt(n)], 'lag-1 correlation');
});

test('sibling forks are uncorrelated', () => {
  const n = 100_000;
  const a = draws(seededRng(5).fork('a'), n);
  const b = draws(seededRng(5).fork('b'), n);
  let cov = 0;
  for (let i = 0; i < n; i++) cov += ((a[i] as number) - 0.5) * ((b[i] as number) - 0.5);
  within(cov / n / (1 / 12), [-Z.p999 / Math.sqrt(n), Z.p999 / Math.sqrt(n)], 'correlation between forks');
});

test('uniformInt(n) hits every value in [0, n) equally often (chi-square, 99.9%)', () => {
  const k = 7;
  const n = 70_000;
  const rng = seededRng(2);
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const v = uniformInt(rng, k);
    assert.ok(Number.isInteger(v) && v >= 0 && v < k);
    counts[v] = (counts[v] as number) + 1;
  }
  assert.ok(chiSquare(counts, new Array<number>(k).fill(1 / k)) < chiSquareUpper(k - 1, Z_ONE_SIDED_999));
  assert.equal(seededRng(3).uniformInt(1), 0);
});

test('exponential(rate) has mean 1/rate and sd 1/rate', () => {
  const rate = 4;
  const n = 100_000;
  const rng = seededRng(3);
  const xs = Array.from({ length: n }, () => exponential(rng, rate));
  assert.ok(xs.every((x) => x >= 0 && Number.isFinite(x)));
  within(mean(xs), [(1 - Z.p999 / Math.sqrt(n)) / rate, (1 + Z.p999 / Math.sqrt(n)) / rate], 'mean');
  // Var(s^2) of Exp(1) is (mu4 - 1)/n = 8/n, so s has sd about sqrt(2/n) (relative).
  within(sampleSd(xs) * rate, [1 - Z.p999 * Math.sqrt(2 / n), 1 + Z.p999 * Math.sqrt(2 / n)], 'sd');
  const method = seededRng(3);
  assert.equal(method.exponential(rate), xs[0]);
});
