/**
 * Walker's alias method (Vose's construction): O(n) set-up, then O(1) draws from any discrete
 * distribution. The simulator picks a tenant for each of millions of requests among thousands
 * of tenants, so a per-draw search over cumulative shares would dominate its run time.
 */
import { InputError } from '../errors.js';
import type { Rng } from './types.js';

/** An O(1) sampler of indices 0..n-1 with probabilities proportional to the given weights. */
export class AliasSampler {
  /** Probability of keeping column i rather than taking its alias. */
  readonly keep: Float64Array;
  /** The other outcome of column i. */
  readonly alias: Uint32Array;

  /** `weights` need not sum to 1; they must be finite, non-negative and not all zero. */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new InputError('alias sampler: no outcomes');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (!Number.isFinite(w) || w < 0) throw new InputError(`alias sampler: weight ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (!(total > 0)) throw new InputError('alias sampler: all weights are zero');

    this.keep = new Float64Array(n);
    this.alias = new Uint32Array(n);
    // Scaled so the average column holds exactly 1; columns below 1 are topped up by one above.
    const scaled = new Float64Array(n);
    const small = new Uint32Array(n);
    const large = new Uint32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = ((weights[i] as number) * n) / total;
      if ((scaled[i] as number) < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns] as number;
      const l = large[nl - 1] as number;
      this.keep[s] = scaled[s] as number;
      this.alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      if ((scaled[l] as number) < 1) {
        nl--;
        small[ns++] = l;
      }
    }
    // What remains is 1 up to rounding: those columns always keep their own index.
    while (nl > 0) {
      const l = large[--nl] as number;
      this.keep[l] = 1;
      this.alias[l] = l;
    }
    while (ns > 0) {
      const s = small[--ns] as number;
      this.keep[s] = 1;
      this.alias[s] = s;
    }
  }

  /** Number of outcomes. */
  get size(): number {
    return this.keep.length;
  }

  /**
   * One index from exactly one draw: the integer part of u·n picks the column, the fractional
   * part decides between the column and its alias. One draw per sample keeps stream positions
   * predictable.
   */
  sample(rng: Rng): number {
    const u = rng.next() * this.keep.length;
    const column = Math.floor(u);
    return u - column < (this.keep[column] as number) ? column : (this.alias[column] as number);
  }

  /** The exact probability of each outcome implied by the table (for checks and reports). */
  probabilities(): Float64Array {
    const n = this.keep.length;
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.keep[i] as number;
      p[i] = (p[i] as number) + k / n;
      const a = this.alias[i] as number;
      p[a] = (p[a] as number) + (1 - k) / n;
    }
    return p;
  }
}
