/**
 * Human formatting of figures by dimension, shared by every renderer and by gate messages so a
 * figure reads the same in the HTML report, the PR comment, JUnit and the terminal.
 */
import type { Estimate } from './estimate.js';
import type { Dimension } from './metrics.js';

/** Three significant digits, without exponent notation for everyday magnitudes. */
export function sig3(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '-∞' : '-';
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

function bytes(x: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = x;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sig3(v)} ${units[i]}`;
}

function time(ms: number): string {
  if (Math.abs(ms) < 1) return `${sig3(ms * 1000)} µs`;
  if (Math.abs(ms) >= 10_000) return `${sig3(ms / 1000)} s`;
  return `${sig3(ms)} ms`;
}

/** A value of a dimension with its unit (time in ms base, bytes, fraction as %, ...). */
export function formatValue(x: number, d: Dimension): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'not measured' : sig3(x);
  switch (d) {
    case 'time':
      return time(x);
    case 'bytes':
      return bytes(x);
    case 'fraction':
      return `${sig3(x * 100)} %`;
    case 'throughput':
      return `${sig3(x)} req/s`;
    case 'count':
      return sig3(x);
  }
}

/** `12.3 ms [11.9, 12.8]`: the value and its interval (no n). */
export function formatEstimateShort(e: Estimate, d: Dimension): string {
  if (!Number.isFinite(e.value) && e.lo === null) return 'not measured';
  if (e.lo === null || e.hi === null) return formatValue(e.value, d);
  if (e.lo === e.hi) return formatValue(e.value, d);
  return `${formatValue(e.value, d)} [${formatValue(e.lo, d)}, ${formatValue(e.hi, d)}]`;
}

/** `12.3 ms [11.9, 12.8] (n = 4,000)`: the form every headline figure is printed in. */
export function formatEstimate(e: Estimate, d: Dimension): string {
  if (!Number.isFinite(e.value) && e.lo === null) return 'not measured';
  const reps = e.repetitions > 1 ? `, ${e.repetitions} repetitions` : '';
  return `${formatEstimateShort(e, d)} (n = ${e.n.toLocaleString('en-US')}${reps})`;
}

/** A ratio with its interval: `12.5× [10.1, 15.2]`. */
export function formatRatio(e: Estimate): string {
  if (!Number.isFinite(e.value)) return 'not measured';
  if (e.lo === null || e.hi === null || e.lo === e.hi) return `${sig3(e.value)}×`;
  return `${sig3(e.value)}× [${sig3(e.lo)}, ${sig3(e.hi)}]`;
}
