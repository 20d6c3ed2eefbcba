/**
 * Tenant popularity laws: how the traffic of a PoP splits over its tenants by popularity rank.
 * Edge traffic is famously skewed (a few tenants take most requests), which is what makes
 * keep-alive and memory budgets interesting; Zipf models that skew, uniform is the control.
 * Trace replay, the third law, lives in trace-replay.ts because its shares vary over time.
 */
import { InputError } from '../errors.js';
import type { PopularitySpec } from '../scenario/types.js';

/** The popularity laws given by a formula over ranks (everything except trace replay). */
export type RankPopularitySpec = Exclude<PopularitySpec, { type: 'trace' }>;

function checkCount(what: string, count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new InputError(`${what} must be a positive integer, got ${count}`);
}

/** Every tenant equally popular: the control case with no skew. */
export function uniformShares(count: number): Float64Array {
  checkCount('tenant count', count);
  return new Float64Array(count).fill(1 / count);
}

/**
 * Zipf shares over ranks 1..count: share of rank k ∝ 1/k^s. Exponent 0 is uniform; edge and
 * CDN measurements usually report s between 0.6 and 1.2.
 */
export function zipfShares(count: number, exponent: number): Float64Array {
  checkCount('tenant count', count);
  if (!Number.isFinite(exponent) || exponent < 0) throw new InputError(`Zipf exponent must be finite and >= 0, got ${exponent}`);
  const shares = new Float64Array(count);
  let total = 0;
  for (let k = 1; k <= count; k++) {
    const w = Math.pow(k, -exponent);
    shares[k - 1] = w;
    total += w;
  }
  for (let i = 0; i < count; i++) shares[i] = (shares[i] as number) / total;
  return shares;
}

/** Shares of ranks 1..count under a rank law (index 0 = rank 1). The simulator uses it for the whole modelled population. */
export function rankShares(spec: RankPopularitySpec, count: number): Float64Array {
  return spec.type === 'zipf' ? zipfShares(count, spec.exponent) : uniformShares(count);
}

/**
 * Shares of the live run's tenants: ranks 1..live of the modelled population of `population`
 * tenants, renormalised to sum to 1, because the live run sends all of its traffic to the
 * tenants it actually runs.
 */
export function liveShares(spec: RankPopularitySpec, population: number, live: number): Float64Array {
  checkCount('live tenant count', live);
  checkCount('modelled tenant count', population);
  if (live > population) throw new InputError(`live.tenants (${live}) exceeds tenants.count (${population}): the live run picks its tenants from the modelled population`);
  const all = rankShares(spec, population);
  const top = all.slice(0, live);
  let total = 0;
  for (let i = 0; i < live; i++) total += top[i] as number;
  for (let i = 0; i < live; i++) top[i] = (top[i] as number) / total;
  return top;
}
