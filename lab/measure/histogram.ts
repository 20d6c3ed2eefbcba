/**
 * Latency recording with HDR histograms (hdr-histogram-js). Values are recorded in
 * microseconds with 3 significant digits, so a 10 s stall and a 40 us warm hit land in the
 * same histogram without losing either. Recording, aggregation and presentation are separate:
 * this module records and encodes; `summarise` turns a histogram into the results model's
 * `LatencySummary`.
 */
import hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../results/model.js';

export type Histogram = ReturnType<typeof hdr.build>;

/** A fresh microsecond histogram. Auto-resizing: no value is ever clipped or dropped. */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true, useWebAssembly: false, bitBucketSize: 32 });
}

/** Records a latency given in milliseconds (sub-microsecond values round up to 1 us). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** The histogram in HDR's compressed base64 form (portable across HdrHistogram implementations). */
export function encodeHistogram(h: Histogram): string {
  return h.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(h);
}

/** Inverse of `encodeHistogram`; an empty string gives an empty histogram. */
export function decodeHistogram(encoded: string): Histogram {
  if (encoded === '') return newHistogram();
  const h = hdr.decodeFromCompressedBase64(encoded, 32, false);
  // Decoded histograms come back fixed-range; merging a wider one into them must not throw.
  h.autoResize = true;
  return h;
}

/** Adds `src` into `dst` (used to merge per-repetition or per-workload histograms). */
export function mergeInto(dst: Histogram, src: Histogram): void {
  if (src.totalCount > 0) dst.add(src);
}

const usToMs = (us: number): number => Math.round(us) / 1000;

/** The results model's summary (milliseconds) of a microsecond histogram, keeping the histogram itself. */
export function summarise(h: Histogram): LatencySummary {
  if (h.totalCount === 0) {
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, hdr: '' };
  }
  return {
    count: h.totalCount,
    min: usToMs(h.minNonZeroValue),
    mean: Math.round(h.mean) / 1000,
    p50: usToMs(h.getValueAtPercentile(50)),
    p90: usToMs(h.getValueAtPercentile(90)),
    p99: usToMs(h.getValueAtPercentile(99)),
    p999: usToMs(h.getValueAtPercentile(99.9)),
    max: usToMs(h.maxValue),
    hdr: encodeHistogram(h),
  };
}
