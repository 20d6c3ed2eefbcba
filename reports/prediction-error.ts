/**
 * How a simulator prediction error is written, wherever it is shown (the validation table, the
 * density table's out-of-sample column, the answer): relative in %, or percentage points for the
 * cold-start rate.
 */
import type { PredictionError } from '../lab/results/model.js';
import { sig3 } from '../lab/stats/format.js';

/** The figures a validation compares. */
export type ErrorKey = 'p50Ms' | 'p99Ms' | 'coldStartRatePct' | 'peakMemoryBytes';

/** A signed prediction error: relative in %, or percentage points for the cold-start rate. */
export function formatPredictionError(key: ErrorKey, e: PredictionError): string {
  const signed = (x: number, unit: string) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${sig3(Math.abs(x))}${unit}`;
  if (key === 'coldStartRatePct') return signed(e.absolute, ' pts');
  return e.relative === undefined ? `${signed(e.absolute, key === 'peakMemoryBytes' ? ' B' : ' ms')} (measured 0)` : signed(e.relative * 100, ' %');
}
