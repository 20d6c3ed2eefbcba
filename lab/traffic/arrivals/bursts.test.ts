import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../../errors.js';
import { arrivalProcess } from '../arrivals.js';
import { seededRng } from '../rng.js';
import { Z, cv, gaps, mean, poissonInterval, sampleSd, within } from '../test-support.js';

const rate = 10;
const on = 2;
const off = 3;
const spanMs = 1_000_000;
const times = arrivalProcess({ type: 'bursts', onSeconds: on, offSeconds: off }).times(rate, spanMs, seededRng(202));

test('bursts: no arrival in an off window, and the mean rate is kept', () => {
  const cycleMs = (on + off) * 1000;
  assert.equal(times.filter((t) => t % cycleMs >= on * 1000).length, 0);
  // The span holds whole cycles, so the count is Poisson(rate x span).
  within(times.length, poissonInterval((rate * spanMs) / 1000, Z.p999), 'arrivals');
});

test('bursts: Poisson at rate*(on+off)/on within on windows', () => {
  const peak = (rate * (on + off)) / on;
  const onSeconds: number[] = [];
  const perSecond = new Array<number>(spanMs / 1000).fill(0);
  for (const t of times) perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] as number) + 1;
  perSecond.forEach((c, s) => {
    if (s % (on + off) < on) onSeconds.push(c);
  });
  const k = onSeconds.length;
  within(mean(onSeconds), [peak - Z.p999 * Math.sqrt(peak / k), peak + Z.p999 * Math.sqrt(peak / k)], 'rate in on windows');
  const dispersion = sampleSd(onSeconds) ** 2 / mean(onSeconds);
  within(dispersion, [1 - Z.p999 * Math.sqrt(2 / (k - 1)), 1 + Z.p999 * Math.sqrt(2 / (k - 1))], 'dispersion within on windows');
});

test('bursts: overdispersed, by exactly what the on/off structure predicts', () => {
  // Per-second counts X: Poisson(peak) in a fraction q = on/(on+off) of the seconds, 0 in the
  // rest. Mean = rate, Var = rate + q(1-q)·peak², so the index of dispersion is 1 + (1-q)·peak
  // (16 here, against 1 for Poisson). Its sampling sd comes from the mixture's fourth central
  // moment, Var(s²) ≈ (μ4 - σ⁴)/k; treating the on/off pattern as random makes it conservative.
  const peak = (rate * (on + off)) / on;
  const q = on / (on + off);
  const perSecond = new Array<number>(spanMs / 1000).fill(0);
  for (const t of times) perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] as number) + 1;
  const k = perSecond.length;
  const raw = [peak, peak + peak ** 2, peak ** 3 + 3 * peak ** 2 + peak, peak ** 4 + 6 * peak ** 3 + 7 * peak ** 2 + peak].map((m) => q * m);
  const [m1, m2, m3, m4] = raw as [number, number, number, number];
  const variance = m2 - m1 ** 2;
  const mu4 = m4 - 4 * m1 * m3 + 6 * m1 ** 2 * m2 - 3 * m1 ** 4;
  const theory = 1 + (1 - q) * peak;
  const sd = Math.sqrt((mu4 - variance ** 2) / k) / m1;
  const dispersion = sampleSd(perSecond) ** 2 / mean(perSecond);
  within(dispersion, [theory - Z.p999 * sd, theory + Z.p999 * sd], 'index of dispersion of per-second counts');

  // And the gaps: a Poisson process would give CV 1 with sd 1/sqrt(n).
  const g = gaps(times);
  assert.ok(cv(g) > 1 + Z.p999 / Math.sqrt(g.length), `CV of gaps ${cv(g)} should exceed the Poisson value 1`);
});

test('bursts: rejects on <= 0 and off < 0', () => {
  assert.throws(() => arrivalProcess({ type: 'bursts', onSeconds: 0, offSeconds: 1 }), LabError);
  assert.throws(() => arrivalProcess({ type: 'bursts', onSeconds: 1, offSeconds: -1 }), LabError);
});
