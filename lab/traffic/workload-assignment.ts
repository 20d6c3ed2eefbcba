/**
 * Which workload each live tenant runs. A live run has few tenants (tens), so drawing
 * workloads at random by mix weight would often leave a workload out or skew the mix badly;
 * instead the counts are apportioned by the largest-remainder method (with at least one tenant
 * per workload whenever there are enough tenants), and the workloads are interleaved over the
 * popularity ranks by smooth weighted round robin, so every workload has tenants among the
 * popular and the unpopular ranks alike.
 */
import { InputError } from '../errors.js';
import type { WorkloadMixEntry } from '../scenario/types.js';
import { uniformInt } from './rng.js';
import type { Rng } from './types.js';

/**
 * Tenants per mix entry: proportional to weight by largest remainder, every positive-weight
 * entry at least one when `count` allows. `tieOrder` ranks entries for ties (lower first), so
 * ties do not always favour the first entry of the mix.
 */
export function apportionTenants(weights: readonly number[], count: number, tieOrder: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const positive = weights.filter((w) => w > 0).length;
  const quota = weights.map((w) => (count * w) / total);
  const counts = weights.map((w): number => (w > 0 && count >= positive ? 1 : 0));
  // Giving each next tenant to the largest deficit (quota - count) is Hamilton's largest-remainder
  // method: deficits >= 1 (the floors) are served first, then the largest fractional parts.
  for (let seated = counts.reduce((a, b) => a + b, 0); seated < count; seated++) {
    let best = -1;
    for (let j = 0; j < weights.length; j++) {
      if (!((weights[j] as number) > 0)) continue;
      if (best < 0) {
        best = j;
        continue;
      }
      const dj = (quota[j] as number) - (counts[j] as number);
      const db = (quota[best] as number) - (counts[best] as number);
      if (dj > db || (dj === db && (tieOrder[j] as number) < (tieOrder[best] as number))) best = j;
    }
    counts[best] = (counts[best] as number) + 1;
  }
  return counts;
}

/**
 * The workload of each live tenant, index 0 = rank 1. `rng` only breaks ties between equally
 * weighted entries, so the workload of the most popular tenant varies with the seed when the
 * mix does not single one out.
 */
export function assignWorkloads(mix: readonly WorkloadMixEntry[], count: number, rng: Rng): string[] {
  if (mix.length === 0) throw new InputError('tenants.mix is empty: no workload to assign to the live tenants');
  if (!Number.isInteger(count) || count < 1) throw new InputError(`live tenant count must be a positive integer, got ${count}`);
  const weights = mix.map((entry, i) => {
    if (!Number.isFinite(entry.weight) || entry.weight < 0) throw new InputError(`tenants.mix[${i}].weight must be finite and >= 0, got ${entry.weight}`);
    return entry.weight;
  });
  if (!weights.some((w) => w > 0)) throw new InputError('tenants.mix has no positive weight');

  // A seeded permutation of the entries, used only to order ties.
  const order = mix.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = uniformInt(rng, i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const tieOrder = new Array<number>(mix.length);
  order.forEach((entry, position) => (tieOrder[entry] = position));

  const counts = apportionTenants(weights, count, tieOrder);
  // Smooth weighted round robin: each rank goes to the entry furthest behind its share so far.
  const current = new Array<number>(mix.length).fill(0);
  const workloads: string[] = [];
  for (let rank = 0; rank < count; rank++) {
    let best = -1;
    for (let j = 0; j < mix.length; j++) {
      if ((counts[j] as number) === 0) continue;
      current[j] = (current[j] as number) + (counts[j] as number);
      if (best < 0 || (current[j] as number) > (current[best] as number) || ((current[j] as number) === (current[best] as number) && (tieOrder[j] as number) < (tieOrder[best] as number))) best = j;
    }
    current[best] = (current[best] as number) - count;
    workloads.push((mix[best] as WorkloadMixEntry).workload);
  }
  return workloads;
}
