/**
 * Regression limits: a candidate result against a baseline result, per metric ("p99 may not
 * rise by more than 10 %"). The figure is candidate / baseline with a bootstrap interval that
 * resamples both results, and the verdict comes from the interval: noise that the interval
 * covers can give pass or inconclusive, never fail.
 *
 * Limits file (YAML or JSON): a map from metric (optionally prefixed by a runtime label) to a
 * signed percentage; `+` limits a rise, `-` limits a fall:
 *
 *   limits:
 *     latency.p99: +10%          # every label present in both results
 *     wasm.coldStart.p50: +20%   # only wasm
 *     throughput.rps: -5%
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ExitCode, LabError } from '../errors.js';
import type { RunResult } from '../results/model.js';
import { bootstrapRatio } from '../stats/bootstrap.js';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions } from '../stats/estimate.js';
import { formatRatio, sig3 } from '../stats/format.js';
import { findMetric, metricNames, metricSamplers, resultLabels, type MetricDef } from '../stats/metrics.js';
import { closest } from './suggest.js';
import { intervalVerdict, type GateResult } from './verdict.js';

/** One limit on the change of a metric between baseline and candidate. */
export interface RegressionLimit {
  /** Labels it applies to; undefined = every label present in both results. */
  label?: string;
  metric: MetricDef;
  /** `rise`: candidate may exceed baseline by at most `fraction`; `fall`: may drop by at most it. */
  direction: 'rise' | 'fall';
  fraction: number;
  /** As written, for messages: `latency.p99 +10%`. */
  text: string;
}

/**
 * Limits used when no file is given: the tails and the cold start may not get worse beyond
 * run-to-run noise plus a margin, memory per instance and throughput likewise. Documented in
 * docs/reports.md; a project tunes them with `--limits`.
 */
export const DEFAULT_REGRESSION_LIMITS: Record<string, string> = {
  'latency.p50': '+10%',
  'latency.p99': '+20%',
  'coldStart.p50': '+20%',
  'coldStart.p99': '+30%',
  'memory.perInstance': '+10%',
  'throughput.rps': '-10%',
};

/** Parses a limits map; every problem is collected, each naming the key and the valid names. */
export function parseLimits(map: Record<string, unknown>, labels: readonly string[]): { limits: RegressionLimit[]; errors: string[] } {
  const limits: RegressionLimit[] = [];
  const errors: string[] = [];
  for (const [key, raw] of Object.entries(map)) {
    const label = [...labels].sort((a, b) => b.length - a.length).find((l) => key.startsWith(`${l}.`));
    const name = label ? key.slice(label.length + 1) : key;
    const metric = findMetric(name);
    if (!metric) {
      const first = key.split('.')[0]!;
      const labelHint = !label && !findMetric(key) && key.includes('.') && !metricNames().some((m) => m.startsWith(`${first}.`)) ? `; runtime labels: ${labels.join(', ')}` : '';
      const hint = closest(name, metricNames());
      errors.push(`limits.${key}: unknown metric '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; valid metrics: ${metricNames().join(', ')}${labelHint}`);
      continue;
    }
    const m = /^\s*([+-])\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(String(raw));
    if (!m) {
      errors.push(`limits.${key}: '${String(raw)}' is not a signed percentage; write +10% (may rise by at most 10 %) or -5% (may fall by at most 5 %)`);
      continue;
    }
    const direction = m[1] === '+' ? 'rise' : 'fall';
    const worse = metric.better === 'lower' ? 'rise' : 'fall';
    if (direction !== worse) {
      errors.push(`limits.${key}: ${metric.name} is better when ${metric.better}, so a limit on a ${direction} would fail improvements; write ${worse === 'rise' ? '+' : '-'}${m[2]}%`);
      continue;
    }
    limits.push({ ...(label ? { label } : {}), metric, direction, fraction: Number(m[2]) / 100, text: `${key} ${m[1]}${m[2]}%` });
  }
  return { limits, errors };
}

/** Reads a limits file (YAML or JSON, `limits:` map at the top or the map itself); throws listing every problem. */
export function loadLimitsFile(file: string, labels: readonly string[]): RegressionLimit[] {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LabError(`cannot read limits ${file}: ${(e as Error).message}`, ExitCode.invalidInput);
  }
  const map = (data && typeof data === 'object' && 'limits' in data ? (data as { limits: unknown }).limits : data) as unknown;
  if (!map || typeof map !== 'object' || Array.isArray(map)) {
    throw new LabError(`limits ${file}: expected a map of metric to signed percentage, e.g.\nlimits:\n  latency.p99: +10%`, ExitCode.invalidInput);
  }
  const { limits, errors } = parseLimits(map as Record<string, unknown>, labels);
  if (errors.length > 0) throw new LabError(`limits ${file} is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${e}`).join('\n')}`, ExitCode.invalidInput);
  return limits;
}

/** What a regression check produced: gate results, and notes on what could not be compared. */
export interface RegressionReport {
  results: GateResult[];
  notes: string[];
}

/** Evaluates limits for candidate against baseline; labels missing on either side become notes. */
export function evaluateRegression(candidate: RunResult, baseline: RunResult, limits: readonly RegressionLimit[], opts: Partial<BootstrapOptions> = {}): RegressionReport {
  const o: BootstrapOptions = { seed: candidate.repro.seed, ...DEFAULT_BOOTSTRAP, ...opts };
  const both = resultLabels(candidate).filter((l) => resultLabels(baseline).includes(l));
  const notes = [
    ...resultLabels(candidate).filter((l) => !both.includes(l)).map((l) => `${l}: not in the baseline, so no regression check (add it to the baseline)`),
    ...resultLabels(baseline).filter((l) => !both.includes(l)).map((l) => `${l}: in the baseline but not in this result`),
  ];
  const results: GateResult[] = [];
  for (const lim of limits) {
    for (const label of lim.label ? [lim.label] : both) {
      const name = `${label}.${lim.metric.name} ${lim.direction === 'rise' ? '+' : '-'}${sig3(lim.fraction * 100)}%`;
      const estimate = bootstrapRatio(metricSamplers(candidate, label, lim.metric), metricSamplers(baseline, label, lim.metric), o, `regression:${label}.${lim.metric.name}`);
      const bound = lim.direction === 'rise' ? 1 + lim.fraction : 1 - lim.fraction;
      const verdict = intervalVerdict(estimate, lim.direction === 'rise' ? '<=' : '>=', bound);
      const change = (x: number): string => `${x >= 1 ? '+' : ''}${sig3((x - 1) * 100)}%`;
      const message =
        estimate.lo === null || estimate.hi === null
          ? `${label}.${lim.metric.name} not measured in ${metricSamplers(candidate, label, lim.metric).length === 0 ? 'this result' : 'the baseline'}: inconclusive, never a pass`
          : `candidate / baseline = ${formatRatio(estimate)} (change ${change(estimate.value)}, interval ${change(estimate.lo)} to ${change(estimate.hi)}) vs a ${lim.direction} of at most ${sig3(lim.fraction * 100)}%: ${verdict}${estimate.caveat ? `; caveat: ${estimate.caveat}` : ''}`;
      results.push({ kind: 'regression', name, verdict, estimate, message });
    }
  }
  return { results, notes };
}
