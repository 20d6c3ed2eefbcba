/**
 * An observed sample as the bootstrap needs it: n observations that can be looked up by rank.
 * Two sources: a plain list (activation times, per-instance memory) and an HDR histogram, whose
 * recorded buckets are the sample (values at HDR's 3-significant-digit resolution), so a run of
 * millions of requests is never expanded into an array.
 */
import hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../measure/histogram.js';

/** A sample addressable by rank, in the unit of its source (milliseconds for latencies). */
export interface Empirical {
  /** Number of observations. */
  readonly n: number;
  /** The observation of rank `j` (1-based) in ascending order. */
  valueAtRank(j: number): number;
  /** Sample mean. */
  readonly mean: number;
  /**
   * The interval [lo, hi] widened to the resolution the values were recorded at (an HDR bucket
   * covers a range of true values): an interval end must not claim more precision than the data.
   */
  widen(lo: number, hi: number): [number, number];
}

/** An empirical sample of a list of numbers (copied and sorted). */
export function empiricalFromValues(values: readonly number[]): Empirical {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    n: sorted.length,
    mean,
    valueAtRank: (j) => sorted[Math.min(sorted.length, Math.max(1, j)) - 1]!,
    widen: (lo, hi) => [lo, hi],
  };
}

/**
 * An empirical sample of an encoded HDR histogram (microsecond values), in milliseconds. Ranks
 * map to the bucket's highest equivalent value, the same value `summarise` reports, so the
 * bootstrap's point estimate equals the figure in the results model.
 */
export function empiricalFromHdr(encoded: string): Empirical {
  const h = decodeHistogram(encoded) as unknown as InstanceType<typeof hdr.JsHistogram>;
  const values: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  let sum = 0;
  if (h.totalCount > 0) {
    const it = h.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      total += v.countAddedInThisIterationStep;
      const value = h.highestEquivalentValue(v.valueIteratedTo);
      sum += value * v.countAddedInThisIterationStep;
      values.push(value);
      cumulative.push(total);
    }
  }
  const toMs = (us: number): number => us / 1000;
  return {
    n: total,
    mean: total === 0 ? 0 : toMs(sum / total),
    valueAtRank(j) {
      // Smallest bucket whose cumulative count reaches rank j.
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! >= j) hi = mid;
        else lo = mid + 1;
      }
      return toMs(values[lo]!);
    },
    widen(lo, hi) {
      return [toMs(h.lowestEquivalentValue(Math.round(lo * 1000))), toMs(h.highestEquivalentValue(Math.round(hi * 1000)))];
    },
  };
}
