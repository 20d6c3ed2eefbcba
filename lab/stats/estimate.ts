/**
 * The shape of every figure the reports and gates show: a value never travels without its
 * sample size and interval, so no renderer can print a bare number.
 */

/** A measured figure with its uncertainty. `lo`/`hi` are null when there is no data to bound it. */
export interface Estimate {
  value: number;
  /** Interval ends at `confidence`; null when the figure could not be estimated (n = 0). */
  lo: number | null;
  hi: number | null;
  /** Observations behind the figure (summed over repetitions). */
  n: number;
  /** Repetitions combined (1 when the run had one). */
  repetitions: number;
  confidence: number;
  /** How the interval was obtained, in words, for the report. */
  method: string;
  /** Why the interval may understate the uncertainty, if it may. */
  caveat?: string;
}

/** Options of every bootstrap: fixed seed (reproducible figures), number of resamples, confidence level. */
export interface BootstrapOptions {
  seed: number;
  /** Resamples; 2000 keeps the Monte Carlo error of a 95 % interval end small against its width. */
  resamples: number;
  confidence: number;
}

/** The defaults used by reports and gates (documented in docs/statistics.md). */
export const DEFAULT_BOOTSTRAP: Omit<BootstrapOptions, 'seed'> = { resamples: 2000, confidence: 0.95 };

/** True when the interval exists (there was data). */
export function hasInterval(e: Estimate): e is Estimate & { lo: number; hi: number } {
  return e.lo !== null && e.hi !== null && Number.isFinite(e.value);
}
