import { test } from 'node:test';
import assert from 'node:assert/strict';
import { empiricalFromValues } from './empirical.js';
import { quantileInterval } from './quantile-interval.js';

test('the p99 interval of 1..1000 spans the ranks of the binomial spread around 990', () => {
  const s = empiricalFromValues(Array.from({ length: 1000 }, (_, i) => i + 1));
  // sqrt(1000 * 0.99 * 0.01) = 3.15; 1.96 * 3.15 = 6.2: ranks floor(983.8) = 983 .. ceil(996.2) + 1 = 998.
  assert.deepEqual(quantileInterval(s, 0.99, 0.95), [983, 998]);
  const [lo, hi] = quantileInterval(s, 0.5, 0.95);
  assert.ok(lo < 500 && hi > 500 && hi - lo < 80, `${lo}..${hi}`);
});

test('more observations, a narrower interval; degenerate samples stay defined', () => {
  const width = (n: number): number => {
    const [lo, hi] = quantileInterval(empiricalFromValues(Array.from({ length: n }, (_, i) => i / n)), 0.99, 0.95);
    return hi - lo;
  };
  assert.ok(width(10_000) < width(1000) / 2);
  assert.deepEqual(quantileInterval(empiricalFromValues([7]), 0.99, 0.95), [7, 7]);
  assert.deepEqual(quantileInterval(empiricalFromValues([]), 0.99, 0.95), [0, 0]);
});
