import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrivalProcess } from '../arrivals.js';
import { cv, gaps, mean } from '../test-support.js';
import type { Rng } from '../types.js';

const noDraws: Rng = {
  next(): number {
    throw new Error('constant arrivals must not draw random numbers');
  },
};

test('constant: evenly spaced at 1000/rate ms from 0, CV 0, no random draws', () => {
  for (const [rate, spanMs] of [
    [7, 10_000],
    [3.3, 1000],
    [250, 60_000],
  ] as const) {
    const times = arrivalProcess({ type: 'constant' }).times(rate, spanMs, noDraws);
    // Arrivals at k·gap for every k with k·gap < span: ceil(rate·span) of them.
    assert.equal(times.length, Math.ceil((rate * spanMs) / 1000), `count at ${rate}/s`);
    assert.equal(times[0], 0);
    const g = gaps(times);
    assert.ok(Math.abs(mean(g) - 1000 / rate) < 1e-9 * (1000 / rate));
    assert.ok(cv(g) < 1e-9, `CV ${cv(g)}`);
  }
});

test('constant: rate 0 sends nothing', () => {
  assert.deepEqual(arrivalProcess({ type: 'constant' }).times(0, 10_000, noDraws), []);
});
