/**
 * A recording-only histogram for the simulator's hot loop, with exactly the bucket layout of
 * the lab's HDR histograms (microseconds, 3 significant digits: 2048 sub-buckets, unit 1 us),
 * so converting to an HDR histogram at the end loses nothing. hdr-histogram-js checks ranges
 * and resizes on every record; at millions of records per second that check is the cost.
 */
import { newHistogram, type Histogram } from '../measure/histogram.js';

const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE;
const SUB_BUCKET_MASK = 2 * SUB_BUCKET_HALF_COUNT - 1;
/** 32 - unit magnitude (0) - half-count magnitude - 1, for values below 2^31. */
const LEADING_ZERO_BASE = 32 - SUB_BUCKET_HALF_MAGNITUDE - 1;
/** Largest recordable value, microseconds (about 35 minutes): larger values are clamped to it. */
export const FAST_HISTOGRAM_MAX_US = 2 ** 31 - 1;
const SLOTS = ((LEADING_ZERO_BASE + 1) << SUB_BUCKET_HALF_MAGNITUDE) + SUB_BUCKET_HALF_COUNT;

/** Bucket slot of a value in microseconds (HDR's countsArrayIndex). */
function slotOf(us: number): number {
  const bucket = LEADING_ZERO_BASE - Math.clz32(us | SUB_BUCKET_MASK);
  const sub = us >>> bucket;
  return ((bucket + 1) << SUB_BUCKET_HALF_MAGNITUDE) + (sub - SUB_BUCKET_HALF_COUNT);
}

/** Lowest microsecond value of a bucket slot. */
function valueOf(slot: number): number {
  let bucket = (slot >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (slot & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** Counts per HDR bucket in a typed array; record is a few integer operations. */
export class FastHistogram {
  private readonly counts = new Float64Array(SLOTS);
  private lo = SLOTS;
  private hi = -1;
  /** Values recorded. */
  total = 0;

  /** Records a latency in milliseconds (rounded to microseconds, at least 1 us, as lab/measure/histogram.ts does). */
  recordMs(ms: number): void {
    let us = Math.round(ms * 1000);
    if (us < 1) us = 1;
    else if (us > FAST_HISTOGRAM_MAX_US) us = FAST_HISTOGRAM_MAX_US;
    const s = slotOf(us);
    this.counts[s] = (this.counts[s] as number) + 1;
    if (s < this.lo) this.lo = s;
    if (s > this.hi) this.hi = s;
    this.total++;
  }

  /** Value (ms) at a percentile, with HDR's convention: the highest value equivalent to the bucket holding that rank. */
  percentileMs(pct: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, pct) / 100) * this.total));
    let seen = 0;
    for (let s = this.lo; s <= this.hi; s++) {
      seen += this.counts[s] as number;
      if (seen >= rank) {
        const next = valueOf(s + 1);
        const highest = Math.max(valueOf(s), next - 1);
        return Math.round(highest) / 1000;
      }
    }
    return Math.round(valueOf(this.hi)) / 1000;
  }

  /**
   * Value (ms) at a percentile exactly as hdr-histogram-js's `getValueAtPercentile` gives it for
   * the same counts (its rank rounds up past one ulp of noise; `summarise` rounds to the
   * microsecond): figures from this and from the HDR form of the same counts are equal.
   */
  hdrPercentileMs(pct: number): number {
    if (this.total === 0) return 0;
    const fp = (Math.min(pct, 100) / 100) * this.total;
    const rank = Math.max(Math.ceil(fp - (fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0)), 1);
    let seen = 0;
    for (let s = this.lo; s <= this.hi; s++) {
      seen += this.counts[s] as number;
      if (seen >= rank) return Math.round(pct === 0 ? valueOf(s) : Math.max(valueOf(s), valueOf(s + 1) - 1)) / 1000;
    }
    return 0;
  }

  /** Adds `times` x the counts of `other` (a host standing for `times` alike hosts; default once). */
  addFrom(other: FastHistogram, times = 1): void {
    if (other.total === 0 || times === 0) return;
    for (let s = other.lo; s <= other.hi; s++) {
      const c = other.counts[s] as number;
      if (c > 0) this.counts[s] = (this.counts[s] as number) + c * times;
    }
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    this.total += other.total * times;
  }

  /** Empties the histogram (only the used range is cleared). */
  reset(): void {
    if (this.hi >= this.lo) this.counts.fill(0, this.lo, this.hi + 1);
    this.lo = SLOTS;
    this.hi = -1;
    this.total = 0;
  }

  /** Adds the counts into an HDR histogram (same buckets, so percentiles agree). */
  addTo(h: Histogram): void {
    for (let s = this.lo; s <= this.hi; s++) {
      const c = this.counts[s] as number;
      if (c > 0) h.recordValueWithCount(valueOf(s), c);
    }
  }

  /** The counts as a new HDR histogram, for the results model. */
  toHdr(): Histogram {
    const h = newHistogram();
    this.addTo(h);
    return h;
  }
}
