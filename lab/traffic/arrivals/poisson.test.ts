import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrivalProcess } from '../arrivals.js';
import { seededRng } from '../rng.js';
import { Z, cv, gaps, mean, poissonInterval, sampleSd, within } from '../test-support.js';

const rate = 50;
const spanMs = 2_000_000;
const times = arrivalProcess({ type: 'poisson' }).times(rate, spanMs, seededRng(101));

test('poisson: the count is Poisson(rate x span)', () => {
  within(times.length, poissonInterval((rate * spanMs) / 1000, Z.p999), 'arrivals');
  assert.ok(times.every((t, i) => t >= 0 && t < spanMs && (i === 0 || t >= (times[i - 1] as number))));
});

test('poisson: gaps have mean 1000/rate ms and CV 1', () => {
  const g = gaps(times);
  const n = g.length;
  // Exponential gaps: the mean has relative sd 1/sqrt(n); by the delta method the sample CV
  // has sd 1/sqrt(n) too (Var m = 1/n, Var s^2 = 8/n, Cov(m, s^2) = 2/n for Exp(1)).
  within(mean(g), [(1000 / rate) * (1 - Z.p999 / Math.sqrt(n)), (1000 / rate) * (1 + Z.p999 / Math.sqrt(n))], 'mean gap');
  within(cv(g), [1 - Z.p999 / Math.sqrt(n), 1 + Z.p999 / Math.sqrt(n)], 'CV of gaps');
});

test('poisson: counts per second have variance equal to their mean', () => {
  const perSecond = new Array<number>(spanMs / 1000).fill(0);
  for (const t of times) perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] as number) + 1;
  // Index of dispersion of k Poisson counts: 1 with sd about sqrt(2/(k-1)).
  const k = perSecond.length;
  const dispersion = sampleSd(perSecond) ** 2 / mean(perSecond);
  within(dispersion, [1 - Z.p999 * Math.sqrt(2 / (k - 1)), 1 + Z.p999 * Math.sqrt(2 / (k - 1))], 'index of dispersion');
});
