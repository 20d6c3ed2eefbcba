/**
 * Units a gate threshold may carry, per metric dimension, and their factor to the catalogue's
 * base unit (milliseconds, bytes, fraction, requests per second). A unit that does not fit the
 * metric is a validation error: `latency.p99 < 20MiB` must never be compared as a number.
 */
import type { Dimension } from '../stats/metrics.js';

/** Factor from each accepted unit to the base unit of its dimension; '' is "no unit". */
export const UNITS: Record<Dimension, Record<string, number>> = {
  time: { us: 0.001, 'µs': 0.001, ms: 1, s: 1000 },
  bytes: { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 },
  fraction: { '%': 0.01, '': 1 },
  count: { '': 1 },
  throughput: { '': 1, rps: 1, 'req/s': 1 },
};

/** Dimensions whose thresholds must name a unit (a bare `20` could mean ms or s). */
export const UNIT_REQUIRED: ReadonlySet<Dimension> = new Set(['time', 'bytes']);

/** The accepted units of a dimension, for error messages. */
export function unitsOf(d: Dimension): string[] {
  return Object.keys(UNITS[d]).map((u) => (u === '' ? '(none)' : u));
}
