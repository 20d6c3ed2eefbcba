/**
 * The Wilson score interval of a binomial proportion: the interval the report uses for rates
 * (cold-start rate, error rate) of a single sample, because it keeps close to nominal coverage
 * even when there are no events at all.
 */
import { probit } from 'simple-statistics';

/** The two-sided Wilson interval of k successes in n trials at `confidence` (e.g. 0.95). */
export function wilsonInterval(k: number, n: number, confidence: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = probit(1 - (1 - confidence) / 2);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n events the exact ends are 0 and 1; floating point would leave ~1e-17 there.
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}
