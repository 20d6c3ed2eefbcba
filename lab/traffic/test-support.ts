/**
 * Helpers shared by the traffic engine's statistical tests: a complete scenario to vary, and the
 * few estimators and acceptance bounds the tests derive their tolerances from. Bounds are
 * two-sided normal approximations at a stated confidence, so a test fails only when the
 * observed figure is improbable under the theory it checks (the seeds are fixed, so a passing
 * test passes every time).
 */
import assert from 'node:assert/strict';
import { DEFAULT_TENANT_LIMITS, type Scenario } from '../scenario/types.js';
import type { Rng } from './types.js';

/** Two-sided standard normal quantiles: `Z.p999` bounds hold with probability 99.9%. */
export const Z = { p99: 2.5758, p999: 3.2905 } as const;

/** A complete, valid scenario; tests override what they study. */
export function testScenario(overrides: Partial<Scenario> = {}): Scenario {
  return {
    name: 'traffic-test',
    description: 'scenario for traffic engine tests',
    seed: 12345,
    host: { memoryGiB: 16, cores: 8 },
    live: { tenants: 12 },
    tenants: {
      count: 1000,
      mix: [
        { workload: 'hello', weight: 2 },
        { workload: 'jwt-verify', weight: 1 },
        { workload: 'image-resize', weight: 1 },
      ],
      popularity: { type: 'zipf', exponent: 1 },
    },
    traffic: { arrival: { type: 'poisson' }, rate: 200, warmupSeconds: 5, durationSeconds: 45, timeoutMs: 2000 },
    cache: { instanceMissRate: 0.05, artifactMissRate: 0 },
    keepAlive: { idleTimeoutSeconds: 30, maxInstancesPerTenant: 4, memoryBudgetMiB: 0 },
    limits: { ...DEFAULT_TENANT_LIMITS },
    runtimes: [{ runtime: 'process', label: 'process', options: {} }],
    slo: { p99Ms: 100 },
    repetitions: 1,
    gates: [],
    ...overrides,
  };
}

/** An Rng that counts its draws, to check how many numbers a component consumes. */
export function countingRng(inner: Rng): Rng & { draws: number } {
  const counted = {
    draws: 0,
    next(): number {
      counted.draws++;
      return inner.next();
    },
  };
  return counted;
}

/** Arithmetic mean. */
export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i] as number;
  return sum / xs.length;
}

/** Sample standard deviation (n - 1 denominator). */
export function sampleSd(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += ((xs[i] as number) - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Coefficient of variation: sd / mean. */
export function cv(xs: ArrayLike<number>): number {
  return sampleSd(xs) / mean(xs);
}

/** Gaps between consecutive times. */
export function gaps(times: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push((times[i] as number) - (times[i - 1] as number));
  return out;
}

/** Pearson's chi-square statistic of observed counts against outcome probabilities. */
export function chiSquare(observed: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < observed.length; i++) n += observed[i] as number;
  let x2 = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = n * (probabilities[i] as number);
    x2 += ((observed[i] as number) - e) ** 2 / e;
  }
  return x2;
}

/**
 * Upper quantile of the chi-square distribution with `df` degrees of freedom at one-sided
 * normal quantile `z` (Wilson–Hilferty; accurate to a percent or so for df >= 3).
 */
export function chiSquareUpper(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** One-sided normal quantile for 99.9% (the chi-square tests' level). */
export const Z_ONE_SIDED_999 = 3.0902;

/** Normal-approximation interval for a Binomial(n, p) count. */
export function binomialInterval(n: number, p: number, z: number): [number, number] {
  const half = z * Math.sqrt(n * p * (1 - p));
  return [n * p - half, n * p + half];
}

/** Normal-approximation interval for a Poisson count of the given mean. */
export function poissonInterval(expected: number, z: number): [number, number] {
  const half = z * Math.sqrt(expected);
  return [expected - half, expected + half];
}

/** Asserts lo <= x <= hi with a message that shows all three. */
export function within(x: number, [lo, hi]: readonly [number, number], what: string): void {
  assert.ok(x >= lo && x <= hi, `${what}: ${x} outside [${lo}, ${hi}]`);
}
