import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { TimeWarp } from './time-warp.js';

/** Maps an even grid of n operational times through a warp and counts them per segment. */
function perSegment(warp: TimeWarp, n: number): number[] {
  const counts = new Array<number>(Math.ceil(warp.spanMs / warp.segmentMs)).fill(0);
  let last = -1;
  for (let i = 0; i < n; i++) {
    const t = warp.map((i * warp.spanMs) / n);
    assert.ok(t >= last && t < warp.spanMs, `t=${t}`);
    assert.equal(warp.segment, Math.min(Math.floor(t / warp.segmentMs), counts.length - 1));
    last = t;
    counts[warp.segment] = (counts[warp.segment] as number) + 1;
  }
  return counts;
}

test('an even operational grid lands in segments in proportion to weight x covered length', () => {
  // Weights 1, 0, 3, 2 over 10 s segments; the last covers 5 s of a 35 s span.
  const warp = new TimeWarp([1, 0, 3, 2], 10_000, 35_000);
  const n = 70_000;
  const counts = perSegment(warp, n);
  const mass = [1 * 10, 0, 3 * 10, 2 * 5];
  const total = mass.reduce((a, b) => a + b, 0);
  // An even grid is deterministic: each count is its exact share up to one point of rounding.
  counts.forEach((c, i) => assert.ok(Math.abs(c - (n * (mass[i] as number)) / total) <= 1, `segment ${i}: ${c}`));
  assert.ok(Math.abs((warp.multipliers[0] as number) * 10 + (warp.multipliers[2] as number) * 10 + (warp.multipliers[3] as number) * 5 - 35) < 1e-9, 'multipliers average 1');
});

test('idle trailing segments get nothing', () => {
  const counts = perSegment(new TimeWarp([2, 1, 0, 0], 1000, 4000), 3000);
  assert.deepEqual(counts.slice(2), [0, 0]);
});

test('a warp with no weight in the span, or a bad span, is refused', () => {
  assert.throws(() => new TimeWarp([0, 0, 5], 1000, 2000), LabError);
  assert.throws(() => new TimeWarp([1], 1000, 2000), LabError);
  assert.throws(() => new TimeWarp([1], 0, 2000), LabError);
  assert.throws(() => new TimeWarp([1, -1], 1000, 2000), LabError);
});
