/**
 * Coverage of the bootstrap intervals on distributions whose true values are known: over many
 * seeded trials, close to 95 % of the intervals must contain the truth. The tolerance comes
 * from the number of trials (binomial standard error of the observed coverage), so the test
 * fails when a method is off by more than sampling noise can explain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probit } from 'simple-statistics';
import { encodeHistogram, newHistogram, recordMs, summarise } from '../measure/histogram.js';
import { bootstrapEstimate, bootstrapRatio } from './bootstrap.js';
import { empiricalFromHdr, empiricalFromValues } from './empirical.js';
import { seededRng, type Rng } from './random.js';
import { meanSampler, proportionSampler, quantileSampler } from './sampler.js';

const TRIALS = 400;
const CONFIDENCE = 0.95;
// Three binomial standard errors of a coverage estimated from TRIALS intervals.
const TOLERANCE = 3 * Math.sqrt((CONFIDENCE * (1 - CONFIDENCE)) / TRIALS);
const opts = (seed: number) => ({ seed, resamples: 1000, confidence: CONFIDENCE });

const exponential = (rng: Rng, mean: number) => -Math.log(1 - rng.next()) * mean;
const lognormal = (rng: Rng, mu: number, sigma: number) => Math.exp(mu + sigma * rng.normal());

function hdrOf(xs: number[]): string {
  const h = newHistogram();
  for (const x of xs) recordMs(h, x);
  return encodeHistogram(h);
}

function assertCoverage(name: string, covered: number): void {
  const coverage = covered / TRIALS;
  assert.ok(Math.abs(coverage - CONFIDENCE) <= TOLERANCE, `${name}: coverage ${coverage.toFixed(3)} outside ${CONFIDENCE} ± ${TOLERANCE.toFixed(3)}`);
}

function coverageOfQuantile(name: string, q: number, n: number, draw: (rng: Rng) => number, truth: number): void {
  let covered = 0;
  for (let t = 0; t < TRIALS; t++) {
    const rng = seededRng(t, `data:${name}`);
    const xs = Array.from({ length: n }, () => draw(rng));
    const e = bootstrapEstimate([quantileSampler(empiricalFromHdr(hdrOf(xs)), q)], opts(t), name);
    if (e.lo! <= truth && truth <= e.hi!) covered++;
  }
  assertCoverage(name, covered);
}

test('p50 of an exponential latency (HDR-recorded): coverage close to 95 %', () => {
  const mean = 12; // ms
  coverageOfQuantile('exp-p50', 0.5, 1000, (r) => exponential(r, mean), -Math.log(0.5) * mean);
});

test('p99 of a lognormal latency (HDR-recorded): coverage close to 95 %', () => {
  const mu = Math.log(5);
  const sigma = 0.8;
  coverageOfQuantile('lognormal-p99', 0.99, 3000, (r) => lognormal(r, mu, sigma), Math.exp(mu + sigma * probit(0.99)));
});

test('p90 of a small list (activation times): coverage close to 95 %', () => {
  const mean = 40;
  let covered = 0;
  const truth = -Math.log(0.1) * mean;
  for (let t = 0; t < TRIALS; t++) {
    const rng = seededRng(t, 'data:act');
    const xs = Array.from({ length: 200 }, () => exponential(rng, mean));
    const e = bootstrapEstimate([quantileSampler(empiricalFromValues(xs), 0.9)], opts(t), 'act');
    if (e.lo! <= truth && truth <= e.hi!) covered++;
  }
  assertCoverage('list-p90', covered);
});

test('mean of per-instance memory (lognormal): coverage close to 95 %', () => {
  const mu = Math.log(30e6);
  const sigma = 0.3;
  const truth = Math.exp(mu + (sigma * sigma) / 2);
  let covered = 0;
  for (let t = 0; t < TRIALS; t++) {
    const rng = seededRng(t, 'data:mem');
    const xs = Array.from({ length: 60 }, () => lognormal(rng, mu, sigma));
    const e = bootstrapEstimate([meanSampler(xs)], opts(t), 'mem');
    if (e.lo! <= truth && truth <= e.hi!) covered++;
  }
  assertCoverage('mean-memory', covered);
});

test('cold-start rate (Wilson): coverage close to 95 %', () => {
  const p = 0.1;
  const n = 400;
  let covered = 0;
  for (let t = 0; t < TRIALS; t++) {
    const rng = seededRng(t, 'data:rate');
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.next() < p) k++;
    const e = bootstrapEstimate([proportionSampler(k, n)], opts(t), 'rate');
    if (e.lo! <= p && p <= e.hi!) covered++;
  }
  assertCoverage('wilson-rate', covered);
});

test('ratio of two runtimes p50 (exponential, means 40 and 4): coverage close to 95 %', () => {
  const truth = 10;
  let covered = 0;
  for (let t = 0; t < TRIALS; t++) {
    const rng = seededRng(t, 'data:ratio');
    const a = Array.from({ length: 800 }, () => exponential(rng, 40));
    const b = Array.from({ length: 800 }, () => exponential(rng, 4));
    const e = bootstrapRatio([quantileSampler(empiricalFromHdr(hdrOf(a)), 0.5)], [quantileSampler(empiricalFromHdr(hdrOf(b)), 0.5)], opts(t), 'ratio');
    if (e.lo! <= truth && truth <= e.hi!) covered++;
  }
  assertCoverage('ratio-p50', covered);
});

test('the point estimate equals the figure the results model stores', () => {
  const rng = seededRng(7, 'data:point');
  const xs = Array.from({ length: 5000 }, () => lognormal(rng, 1, 1));
  const h = newHistogram();
  for (const x of xs) recordMs(h, x);
  const s = summarise(h);
  for (const [q, v] of [[0.5, s.p50], [0.99, s.p99], [0.999, s.p999]] as const) {
    const e = bootstrapEstimate([quantileSampler(empiricalFromHdr(s.hdr), q)], opts(1), `q${q}`);
    assert.ok(Math.abs(e.value - v) < 1e-9, `q${q}: ${e.value} vs ${v}`);
    assert.ok(e.lo! <= e.value && e.value <= e.hi!);
    assert.equal(e.n, 5000);
  }
});

test('same seed, same interval; another seed, another Monte Carlo draw', () => {
  const xs = Array.from({ length: 300 }, (_, i) => (i * 7919) % 101);
  const a = bootstrapEstimate([meanSampler(xs)], opts(1), 'k');
  const b = bootstrapEstimate([meanSampler(xs)], opts(1), 'k');
  const c = bootstrapEstimate([meanSampler(xs)], opts(2), 'k');
  assert.deepEqual(a, b);
  assert.notEqual(a.lo, c.lo);
});

test('repetitions that disagree widen the interval beyond any one repetition', () => {
  const rep = (shift: number, seed: number) => {
    const rng = seededRng(seed, 'data:rep');
    return quantileSampler(empiricalFromValues(Array.from({ length: 2000 }, () => shift + exponential(rng, 5))), 0.5);
  };
  const reps = [rep(0, 1), rep(3, 2), rep(6, 3), rep(9, 4)];
  const combined = bootstrapEstimate(reps, opts(1), 'reps');
  const single = bootstrapEstimate([reps[0]!], opts(1), 'reps');
  assert.equal(combined.repetitions, 4);
  assert.ok(combined.hi! - combined.lo! > 3 * (single.hi! - single.lo!), `${combined.lo}..${combined.hi} vs ${single.lo}..${single.hi}`);
});

test('binomial draws have the right mean and variance at large n', () => {
  const rng = seededRng(3, 'binomial');
  const n = 100_000;
  const p = 0.03;
  const draws = Array.from({ length: 4000 }, () => rng.binomial(n, p));
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1);
  const se = Math.sqrt((n * p * (1 - p)) / draws.length);
  assert.ok(Math.abs(mean - n * p) < 4 * se, `mean ${mean}`);
  assert.ok(Math.abs(variance / (n * p * (1 - p)) - 1) < 0.1, `variance ratio ${variance / (n * p * (1 - p))}`);
});

test('no data gives no interval, never a number', () => {
  const e = bootstrapEstimate([quantileSampler(empiricalFromValues([]), 0.5)], opts(1), 'none');
  assert.equal(e.lo, null);
  assert.equal(e.n, 0);
  assert.ok(Number.isNaN(e.value));
});
