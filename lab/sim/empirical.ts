/**
 * Empirical distributions the simulator samples: a table of quantiles, read by inverse
 * transform with linear interpolation between grid points. Measured latencies have no
 * trustworthy parametric shape (a GC pause or a neighbour's build makes a second mode), so the
 * simulator replays what was measured instead of fitting a law to it.
 */
import type { Histogram } from '../measure/histogram.js';
import { InputError } from '../errors.js';

/** Grid points read from a histogram: enough that interpolation error is below HDR's own 0.1 %. */
export const QUANTILE_GRID_POINTS = 1001;

/** A distribution as stored in a calibration file: quantiles at evenly spaced probabilities 0..1. */
export interface QuantileTable {
  /** Values (milliseconds) at probabilities i / (n - 1), ascending. */
  quantilesMs: number[];
  /** Observations behind the table, for the report and for rejecting thin calibrations. */
  samples: number;
}

/** Table of the histogram's microsecond values, in milliseconds. */
export function quantileTableOfHistogram(h: Histogram, points: number = QUANTILE_GRID_POINTS): QuantileTable {
  if (h.totalCount === 0) return { quantilesMs: [], samples: 0 };
  const q: number[] = [];
  for (let i = 0; i < points; i++) {
    const p = (100 * i) / (points - 1);
    // HDR's percentile 0 is the lowest bucket's upper edge; the minimum is the honest bottom.
    const us = i === 0 ? h.minNonZeroValue : h.getValueAtPercentile(p);
    q.push(Math.round(us) / 1000);
  }
  return { quantilesMs: q, samples: h.totalCount };
}

/** Table of raw samples (milliseconds): the sorted samples themselves when few, else a grid. */
export function quantileTableOfSamples(xs: readonly number[], points: number = QUANTILE_GRID_POINTS): QuantileTable {
  if (xs.length === 0) return { quantilesMs: [], samples: 0 };
  const s = [...xs].sort((a, b) => a - b);
  if (s.length <= points) return { quantilesMs: s, samples: s.length };
  const q: number[] = [];
  for (let i = 0; i < points; i++) {
    const pos = (i * (s.length - 1)) / (points - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(s.length - 1, lo + 1);
    q.push((s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo));
  }
  return { quantilesMs: q, samples: s.length };
}

/**
 * An O(1) sampler over a quantile table: a uniform u in [0, 1) maps to the interpolated
 * quantile at u. Typed array so the hot loop reads no JavaScript objects.
 */
export class EmpiricalSampler {
  private readonly q: Float64Array;
  private readonly last: number;

  constructor(table: QuantileTable, what: string) {
    if (table.quantilesMs.length === 0) throw new InputError(`${what}: no observations to sample`);
    this.q = Float64Array.from(table.quantilesMs);
    this.last = this.q.length - 1;
  }

  /** The value at probability `u` in [0, 1). */
  at(u: number): number {
    if (this.last === 0) return this.q[0] as number;
    const pos = u * this.last;
    const i = Math.floor(pos);
    const lo = this.q[i] as number;
    return lo + ((this.q[i + 1] ?? lo) - lo) * (pos - i);
  }

  /** Mean of the table (trapezoid rule), for utilisation estimates. */
  mean(): number {
    if (this.last === 0) return this.q[0] as number;
    let sum = 0;
    for (let i = 0; i < this.last; i++) sum += ((this.q[i] as number) + (this.q[i + 1] as number)) / 2;
    return sum / this.last;
  }
}

/** The table's value at probability `p` in [0, 1], interpolated as `EmpiricalSampler.at` reads it. */
export function quantileAt(t: QuantileTable, p: number): number {
  const q = t.quantilesMs;
  const last = q.length - 1;
  if (last <= 0) return q[0] ?? 0;
  const pos = Math.min(1, Math.max(0, p)) * last;
  const i = Math.floor(pos);
  const lo = q[i] as number;
  return lo + ((q[i + 1] ?? lo) - lo) * (pos - i);
}

/**
 * The quantile-wise minimum of two tables on the common grid, and how often each one gave the
 * value. When both distributions stochastically dominate an unknown one (each is the unknown
 * plus some non-negative delay), their quantile-wise minimum still dominates it and is the
 * tighter bound. `samples` is that of `a`, the primary table.
 */
export function lowerEnvelope(a: QuantileTable, b: QuantileTable, points: number = QUANTILE_GRID_POINTS): { table: QuantileTable; fromA: number; fromB: number } {
  const q: number[] = [];
  let fromA = 0;
  let fromB = 0;
  for (let i = 0; i < points; i++) {
    const p = i / (points - 1);
    const x = quantileAt(a, p);
    const y = quantileAt(b, p);
    if (x <= y) fromA++;
    else fromB++;
    q.push(Math.min(x, y));
  }
  return { table: { quantilesMs: q, samples: a.samples }, fromA, fromB };
}
