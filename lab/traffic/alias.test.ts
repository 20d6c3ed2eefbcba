import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import { AliasSampler } from './alias.js';
import { zipfShares } from './popularity.js';
import { seededRng } from './rng.js';
import { Z_ONE_SIDED_999, chiSquare, chiSquareUpper, countingRng } from './test-support.js';

test('the alias table reproduces the weights exactly', () => {
  const cases: number[][] = [[1], [1, 1], [5, 0, 3, 2, 0, 10], [1e-9, 1, 1e9], Array.from(zipfShares(1000, 1.2))];
  for (const weights of cases) {
    const total = weights.reduce((a, b) => a + b, 0);
    const p = new AliasSampler(weights).probabilities();
    weights.forEach((w, i) => assert.ok(Math.abs((p[i] as number) - w / total) < 1e-12, `outcome ${i} of ${weights.length}: ${p[i]} vs ${w / total}`));
  }
});

test('samples follow the weights (chi-square, 99.9%) and never hit a zero weight', () => {
  const weights = [8, 0, 1, 4, 2, 0, 16, 1];
  const total = weights.reduce((a, b) => a + b, 0);
  const sampler = new AliasSampler(weights);
  const rng = seededRng(11);
  const counts = new Array<number>(weights.length).fill(0);
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const k = sampler.sample(rng);
    counts[k] = (counts[k] as number) + 1;
  }
  assert.equal(counts[1], 0);
  assert.equal(counts[5], 0);
  const live = weights.map((w, i) => ({ w, c: counts[i] as number })).filter((x) => x.w > 0);
  const x2 = chiSquare(live.map((x) => x.c), live.map((x) => x.w / total));
  assert.ok(x2 < chiSquareUpper(live.length - 1, Z_ONE_SIDED_999), `chi-square ${x2}`);
});

test('one draw per sample, so stream positions stay predictable', () => {
  const rng = countingRng(seededRng(1));
  const sampler = new AliasSampler([3, 1, 0, 7]);
  for (let i = 0; i < 1000; i++) sampler.sample(rng);
  assert.equal(rng.draws, 1000);
});

test('invalid weights are rejected', () => {
  assert.throws(() => new AliasSampler([]), LabError);
  assert.throws(() => new AliasSampler([0, 0]), LabError);
  assert.throws(() => new AliasSampler([1, -1]), LabError);
  assert.throws(() => new AliasSampler([1, Number.NaN]), LabError);
  assert.throws(() => new AliasSampler([1, Infinity]), LabError);
});
