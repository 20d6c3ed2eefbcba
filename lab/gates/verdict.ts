/**
 * Verdicts of gates and how they map to exit codes. A verdict is decided by where the whole
 * interval lies relative to the limit, never by the point estimate alone: pass when every
 * plausible value meets the limit, fail when none does, inconclusive when it straddles.
 */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { Estimate } from '../stats/estimate.js';
import type { Comparison } from './expression.js';

/** Outcome of one gate. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** One evaluated gate, as every output format (terminal, JUnit, Markdown, HTML) shows it. */
export interface GateResult {
  /** Where the gate came from: the scenario's `gates:` or a regression limit against a baseline. */
  kind: 'threshold' | 'regression';
  /** The gate as written (expression, or `label.metric +10%`). */
  name: string;
  verdict: Verdict;
  /** The figure compared (a value, a ratio between runtimes, or candidate / baseline). */
  estimate: Estimate;
  /** One sentence: the figure with its interval against the limit, and why this verdict. */
  message: string;
}

/**
 * The verdict of `estimate op limit` from the interval: e.g. for `<`, pass if hi < limit, fail
 * if lo >= limit, inconclusive otherwise. No interval (not measured) is inconclusive, never pass.
 */
export function intervalVerdict(e: Estimate, op: Comparison, limit: number): Verdict {
  if (e.lo === null || e.hi === null || !Number.isFinite(e.value)) return 'inconclusive';
  const meets = (x: number): boolean => (op === '<' ? x < limit : op === '<=' ? x <= limit : op === '>' ? x > limit : x >= limit);
  const [lo, hi] = [e.lo, e.hi];
  const allMeet = meets(lo) && meets(hi);
  const noneMeet = !meets(lo) && !meets(hi);
  return allMeet ? 'pass' : noneMeet ? 'fail' : 'inconclusive';
}

/** The exit code of a set of gates: any fail -> 10, else any inconclusive -> 11, else 0. */
export function gateExitCode(results: readonly GateResult[]): ExitCodeValue {
  if (results.some((r) => r.verdict === 'fail')) return ExitCode.gateFailed;
  if (results.some((r) => r.verdict === 'inconclusive')) return ExitCode.gateInconclusive;
  return ExitCode.ok;
}
