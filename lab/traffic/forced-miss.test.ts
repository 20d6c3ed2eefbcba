import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { forcedMissSelector } from './forced-miss.js';
import { seededRng } from './rng.js';
import { Z, binomialInterval, countingRng, within } from './test-support.js';

test('the forced share lies in the binomial 99% interval', () => {
  for (const [rate, seed] of [
    [0.1, 1],
    [0.02, 2],
    [0.5, 3],
  ] as const) {
    const n = 100_000;
    const forced = forcedMissSelector(rate, seededRng(seed));
    let count = 0;
    for (let i = 0; i < n; i++) if (forced()) count++;
    within(count, binomialInterval(n, rate, Z.p99), `rate ${rate}`);
  }
});

test('rate 0 forces nothing, rate 1 everything, and every call draws exactly once', () => {
  for (const rate of [0, 1, 0.3]) {
    const rng = countingRng(seededRng(4));
    const forced = forcedMissSelector(rate, rng);
    const picks = Array.from({ length: 1000 }, () => forced());
    assert.equal(rng.draws, 1000);
    if (rate === 0) assert.ok(picks.every((p) => !p));
    if (rate === 1) assert.ok(picks.every((p) => p));
  }
});

test('the same stream forces the same requests', () => {
  const a = forcedMissSelector(0.2, seededRng(8).fork('forced-miss'));
  const b = forcedMissSelector(0.2, seededRng(8).fork('forced-miss'));
  assert.deepEqual(Array.from({ length: 500 }, () => a()), Array.from({ length: 500 }, () => b()));
});

test('rates outside [0, 1] are rejected', () => {
  assert.throws(() => forcedMissSelector(-0.1, seededRng(1)), LabError);
  assert.throws(() => forcedMissSelector(1.1, seededRng(1)), LabError);
  assert.throws(() => forcedMissSelector(Number.NaN, seededRng(1)), LabError);
});
