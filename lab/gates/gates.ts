/**
 * The gate API `lab gate` and `lab run` call: the scenario's gates, and regression limits when
 * a baseline is given, evaluated together into one report with one exit code.
 */
import type { ExitCodeValue } from '../errors.js';
import type { RunResult } from '../results/model.js';
import type { BootstrapOptions } from '../stats/estimate.js';
import { optionsFor, resultLabels } from '../stats/metrics.js';
import { evaluateScenarioGates } from './evaluate.js';
import { DEFAULT_REGRESSION_LIMITS, evaluateRegression, parseLimits, type RegressionLimit } from './regression.js';
import { gateExitCode, type GateResult } from './verdict.js';

/** Everything a gate run decided. */
export interface GateReport {
  results: GateResult[];
  notes: string[];
  exitCode: ExitCodeValue;
}

/** Options of `runGates`: an optional baseline and its limits (defaults when omitted). */
export interface GateOptions {
  baseline?: RunResult;
  limits?: RegressionLimit[];
  bootstrap?: Partial<BootstrapOptions>;
}

/** The default regression limits, parsed (they are valid by construction; a test checks it). */
export function defaultLimits(labels: readonly string[]): RegressionLimit[] {
  return parseLimits(DEFAULT_REGRESSION_LIMITS, labels).limits;
}

/** Evaluates scenario gates and, with a baseline, regression limits. */
export function runGates(result: RunResult, o: GateOptions = {}): GateReport {
  const results = evaluateScenarioGates(result, optionsFor(result, o.bootstrap));
  const notes: string[] = [];
  if (o.baseline) {
    const reg = evaluateRegression(result, o.baseline, o.limits ?? defaultLimits(resultLabels(result)), o.bootstrap);
    results.push(...reg.results);
    notes.push(...reg.notes);
  }
  if (results.length === 0) notes.push('no gates: the scenario has no `gates:` and no baseline was given');
  return { results, notes, exitCode: gateExitCode(results) };
}
