/**
 * A distribution-free confidence interval of a quantile from one sample: the observations whose
 * ranks bound the binomial spread of the number of values below the true quantile (normal
 * approximation). It says how far a p99 measured from n requests can move on the same system,
 * which is what a prediction error must be read against.
 */
import { probit } from 'simple-statistics';
import type { Empirical } from './empirical.js';

/** The two-sided interval of quantile `q` (0..1) at `confidence`; [value, value] for a single observation, [0, 0] for none. */
export function quantileInterval(sample: Empirical, q: number, confidence: number): [number, number] {
  const n = sample.n;
  if (n === 0) return [0, 0];
  const z = probit(1 - (1 - confidence) / 2);
  const spread = z * Math.sqrt(n * q * (1 - q));
  const lo = Math.max(1, Math.floor(n * q - spread));
  const hi = Math.min(n, Math.ceil(n * q + spread) + 1);
  return sample.widen(sample.valueAtRank(lo), sample.valueAtRank(hi));
}
