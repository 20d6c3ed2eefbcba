/**
 * Everything a report says about a result, computed once and rendered by each format (HTML,
 * Markdown): headline figures with intervals, the verdict per criterion, the claims table, the
 * fairness record, the gates and what is missing. Pure: a result in, data out.
 */
import type { RunResult } from '../lab/results/model.js';
import { evaluateScenarioGates } from '../lab/gates/evaluate.js';
import type { GateResult } from '../lab/gates/verdict.js';
import type { BootstrapOptions, Estimate } from '../lab/stats/estimate.js';
import { estimateMetric, findMetric, optionsFor, resultLabels, usableRuns, type MetricDef } from '../lab/stats/metrics.js';
import { evaluateClaims, type ClaimRow } from './claims.js';
import { CRITERIA, decideCriterion, type CriterionVerdict } from './criteria.js';
import { fairnessRecord, type FairnessItem } from './fairness.js';
import { FAMILY_NAMES, runtimeFamily } from './family.js';
import { languageSplit, type LanguageSplit } from './language.js';

/** The headline metrics every report shows per runtime, in order. */
export const HEADLINE_METRICS = [
  'latency.p50',
  'latency.p99',
  'latency.p999',
  'coldStart.p50',
  'coldStart.p99',
  'coldStart.rate',
  'memory.perInstance',
  'memory.density',
  'throughput.rps',
  'throughput.perCore',
  'artifact.size',
  'errors.rate',
] as const;

/** A headline metric with its estimate per label. */
export interface Headline {
  metric: MetricDef;
  byLabel: Record<string, Estimate>;
}

/** The analysed result. */
export interface Analysis {
  result: RunResult;
  opts: BootstrapOptions;
  /** Labels of the scenario and the run. */
  labels: string[];
  /** Labels with at least one usable repetition. */
  measuredLabels: string[];
  /** Sentences naming what this run does not cover. */
  missing: string[];
  headlines: Headline[];
  criteria: CriterionVerdict[];
  claims: ClaimRow[];
  fairness: FairnessItem[];
  /** Scenario gates, or the reason they could not be evaluated. */
  gates: GateResult[] | { error: string };
  /** Figures per workload language (JS, C) per runtime. */
  languages: LanguageSplit;
}

function missingNotes(r: RunResult, labels: string[], measured: string[]): string[] {
  const notes: string[] = [];
  for (const l of labels.filter((x) => !measured.includes(x))) {
    const failed = r.runs.filter((x) => x.label === l);
    notes.push(failed.length ? `${l}: every repetition failed (${failed.map((x) => x.error ?? x.status).join('; ')})` : `${l}: in the scenario but not run (e.g. --only)`);
  }
  const families = new Set(measured.map((l) => runtimeFamily(usableRuns(r, l)[0]!.runtime)));
  if (!families.has('wasm')) notes.push(`no ${FAMILY_NAMES.wasm} runtime measured: every Wasm figure and comparison is not measured in this run`);
  if (!families.has('container')) notes.push(`no ${FAMILY_NAMES.container} runtime measured: container claims are not testable in this run${families.has('process') ? ' (the bare process runner stands in for "a language runtime per instance" where a claim allows it)' : ''}`);
  if (measured.length < 2) notes.push('only one runtime measured: no criterion can name a winner');
  for (const l of measured) if (usableRuns(r, l).every((x) => !x.memory)) notes.push(`${l}: no memory report, so RAM per instance and density are not measured`);
  return notes;
}

/** Analyses a result for reporting (deterministic: seeded from the result's own seed). */
export function analyse(result: RunResult, overrides: Partial<BootstrapOptions> = {}): Analysis {
  const opts = optionsFor(result, overrides);
  const labels = resultLabels(result);
  const measuredLabels = labels.filter((l) => usableRuns(result, l).length > 0);
  const cache = new Map<string, Estimate>();
  const estimate = (label: string, name: string): Estimate => {
    const key = `${label}.${name}`;
    if (!cache.has(key)) cache.set(key, estimateMetric(result, label, findMetric(name)!, opts));
    return cache.get(key)!;
  };
  const headlines = HEADLINE_METRICS.map((name) => ({ metric: findMetric(name)!, byLabel: Object.fromEntries(labels.map((l) => [l, estimate(l, name)])) }));
  const criteria = CRITERIA.map((c) => decideCriterion(result, c, c.metric ? Object.fromEntries(labels.map((l) => [l, estimate(l, c.metric!)])) : {}, opts));
  let gates: Analysis['gates'];
  try {
    gates = evaluateScenarioGates(result, opts);
  } catch (e) {
    gates = { error: (e as Error).message };
  }
  return {
    result,
    opts,
    labels,
    measuredLabels,
    missing: missingNotes(result, labels, measuredLabels),
    headlines,
    criteria,
    claims: evaluateClaims(result, opts, estimate),
    fairness: fairnessRecord(result),
    gates,
    languages: languageSplit(result, measuredLabels),
  };
}
