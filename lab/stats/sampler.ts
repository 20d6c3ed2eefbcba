/**
 * Samplers: one statistic of one observed sample, able to produce bootstrap replicates of
 * itself. The bootstrap (bootstrap.ts) combines them across repetitions and into ratios
 * without knowing what they measure.
 */
import type { Empirical } from './empirical.js';
import type { Rng } from './random.js';
import { wilsonInterval } from './wilson.js';

/** One statistic of one sample, with a way to draw bootstrap replicates of it. */
export interface Sampler {
  /** The statistic on the observed sample. */
  readonly estimate: number;
  /** Observations behind it. */
  readonly n: number;
  /** One bootstrap replicate: the statistic of a resample of n observations drawn with replacement. */
  draw(rng: Rng): number;
  /** How the interval is obtained, for the report. */
  readonly method: string;
  /** A closed-form interval preferred over the percentile bootstrap for a single sample (rates near 0 or 1). */
  closedForm?(confidence: number): [number, number];
  /** Widens interval ends to the resolution of the data (neighbouring order statistics, HDR buckets). */
  widen?(lo: number, hi: number): [number, number];
  /** Why the interval may be too narrow, when the sample is too small for the statistic. */
  readonly caveat?: string;
}

/** Rank of the q-quantile in a sample of n (nearest rank, as HDR and assemble.ts use). */
export function quantileRank(n: number, q: number): number {
  return Math.min(n, Math.max(1, Math.ceil(q * n)));
}

/** The first rank whose value is >= x (n + 1 when none): ranks are ordered, so a binary search finds it. */
function firstRankAtLeast(e: Empirical, x: number): number {
  let lo = 1;
  let hi = e.n + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (e.valueAtRank(mid) >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The last rank whose value is <= x (0 when none). */
function lastRankAtMost(e: Empirical, x: number): number {
  let lo = 0;
  let hi = e.n;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (e.valueAtRank(mid) <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The q-quantile of an empirical sample. A replicate is drawn exactly as resampling n values
 * would give it, without drawing them: the k-th smallest of n resampled values is the sample's
 * value at rank ceil(n * U), where U is the k-th smallest of n uniforms, U ~ Beta(k, n - k + 1).
 */
export function quantileSampler(e: Empirical, q: number): Sampler {
  const k = quantileRank(e.n, q);
  const above = e.n - k;
  // A percentile bootstrap cannot see beyond the largest observation: with few observations
  // above the quantile its upper end is the sample maximum and the interval is too narrow.
  const caveat = e.n > 0 && above < 5 ? `only ${above} observation${above === 1 ? '' : 's'} above this percentile (n = ${e.n}): the interval understates the uncertainty` : undefined;
  return {
    estimate: e.n === 0 ? NaN : e.valueAtRank(k),
    n: e.n,
    method: 'percentile bootstrap (exact order-statistic resampling of the recorded distribution)',
    draw(rng) {
      const u = rng.beta(k, e.n - k + 1);
      return e.valueAtRank(Math.max(1, Math.ceil(u * e.n)));
    },
    // Interval ends are order statistics; the true quantile lies between an end and its
    // neighbour often enough that, for upper percentiles of moderate samples (p99 of 1000), the
    // plain percentile interval covers only ~92 %. Stepping each end out by one rank restores
    // ~95 % (bootstrap.test.ts measures it); then HDR resolution is added.
    widen(lo, hi) {
      const l = Math.max(1, firstRankAtLeast(e, lo) - 1);
      const h = Math.min(e.n, lastRankAtMost(e, hi) + 1);
      return e.widen(e.valueAtRank(l), e.valueAtRank(h));
    },
    ...(caveat ? { caveat } : {}),
  };
}

/** The mean of a small list (per-instance memory, per-second throughput): resampled literally. */
export function meanSampler(values: readonly number[]): Sampler {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  const mean = n === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / n;
  return {
    estimate: mean,
    n,
    method: 'percentile bootstrap of the mean (resampling observations)',
    draw(rng) {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs[rng.int(n)]!;
      return s / n;
    },
    ...(n > 0 && n < 5 ? { caveat: `only ${n} observation${n === 1 ? '' : 's'}: the interval understates the uncertainty` } : {}),
  };
}

/**
 * A proportion k/n (cold-start rate, error rate). Resampling n Bernoulli outcomes is a Binomial
 * draw; a single sample reports the Wilson score interval, which stays honest at 0 or n events
 * where the percentile bootstrap collapses to a point.
 */
export function proportionSampler(k: number, n: number): Sampler {
  const p = n === 0 ? NaN : k / n;
  return {
    estimate: p,
    n,
    method: 'Wilson score interval (single sample); binomial bootstrap for comparisons',
    draw: (rng) => rng.binomial(n, p) / n,
    closedForm: (confidence) => wilsonInterval(k, n, confidence),
  };
}

/** A figure with no sampling variation (artifact size): its interval is the value itself. */
export function exactSampler(value: number, n: number): Sampler {
  return { estimate: value, n, method: 'exact (no sampling: measured once, deterministic)', draw: () => value };
}

/**
 * The ratio a / b of two statistics measured side by side in one repetition (a twin run over
 * its clean pair): each replicate draws both, so the interval carries both uncertainties.
 */
export function ratioSampler(a: Sampler, b: Sampler, method: string): Sampler {
  const caveat = [a.caveat, b.caveat].filter(Boolean).join('; ');
  return {
    estimate: a.estimate / b.estimate,
    n: Math.min(a.n, b.n),
    method: `${method}; ${a.method}`,
    draw: (rng) => a.draw(rng) / b.draw(rng),
    ...(caveat ? { caveat } : {}),
  };
}

/** A sampler transformed by a monotone function (memory -> instances that fit a host). */
export function mapSampler(s: Sampler, f: (x: number) => number, method: string): Sampler {
  const increasing = f(1) <= f(2);
  return {
    estimate: f(s.estimate),
    n: s.n,
    method: `${method}; ${s.method}`,
    draw: (rng) => f(s.draw(rng)),
    ...(s.closedForm
      ? {
          closedForm: (c: number) => {
            const [lo, hi] = s.closedForm!(c);
            return increasing ? [f(lo), f(hi)] : [f(hi), f(lo)];
          },
        }
      : {}),
    ...(s.caveat ? { caveat: s.caveat } : {}),
  };
}
