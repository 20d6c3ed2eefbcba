/**
 * Evaluates a scenario's gate expressions against a result, from the result only (runners
 * never see gates). Each gate's figure is the bootstrap estimate (or the ratio of two) from
 * lab/stats, so the verdict uses the interval, not a bare number.
 */
import { LabError, ExitCode } from '../errors.js';
import type { RunResult } from '../results/model.js';
import type { BootstrapOptions } from '../stats/estimate.js';
import { formatEstimate, formatRatio, formatValue } from '../stats/format.js';
import { estimateMetric, estimateRatio, optionsFor, resultLabels } from '../stats/metrics.js';
import { parseGateExpression, type GateExpression } from './expression.js';
import { intervalVerdict, type GateResult, type Verdict } from './verdict.js';

const why: Record<Verdict, string> = {
  pass: 'the whole interval meets the limit',
  fail: 'the whole interval misses the limit',
  inconclusive: 'the interval straddles the limit: more data (longer run, more repetitions) would decide',
};

/** Evaluates one parsed gate. */
export function evaluateGate(result: RunResult, g: GateExpression, opts: BootstrapOptions = optionsFor(result)): GateResult {
  const estimate = g.right ? estimateRatio(result, g.left.label, g.right.label, g.left.metric, opts) : estimateMetric(result, g.left.label, g.left.metric, opts);
  const verdict = intervalVerdict(estimate, g.op, g.threshold);
  const shown = g.right ? formatRatio(estimate) : formatEstimate(estimate, g.dimension);
  const limit = g.right ? String(g.threshold) : formatValue(g.threshold, g.dimension);
  const measured = Number.isFinite(estimate.value) && estimate.lo !== null;
  const message = measured
    ? `${shown} vs limit ${g.op} ${limit}: ${verdict} (${why[verdict]})${estimate.caveat ? `; caveat: ${estimate.caveat}` : ''}`
    : `not measured in this run (${[g.left, g.right].filter(Boolean).map((r) => `${r!.label}.${r!.metric.name}`).join(' / ')} has no data): inconclusive, never a pass`;
  return { kind: 'threshold', name: g.source, verdict, estimate, message };
}

/** Parses every expression against the result's labels; throws one error listing every problem. */
export function parseScenarioGates(expressions: readonly string[], labels: readonly string[]): GateExpression[] {
  const problems: string[] = [];
  const gates: GateExpression[] = [];
  expressions.forEach((e, i) => {
    const p = parseGateExpression(e, labels);
    if (p.ok) gates.push(p.gate);
    else problems.push(...p.errors.map((m) => `gates[${i}]: ${m}`));
  });
  if (problems.length > 0) throw new LabError(`invalid gates (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`, ExitCode.invalidInput);
  return gates;
}

/** Evaluates the scenario's own `gates:` against its result. */
export function evaluateScenarioGates(result: RunResult, opts: BootstrapOptions = optionsFor(result)): GateResult[] {
  return parseScenarioGates(result.scenario.resolved.gates ?? [], resultLabels(result)).map((g) => evaluateGate(result, g, opts));
}
