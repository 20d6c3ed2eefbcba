/**
 * The verdict per decision criterion (cold start, tail latency, RAM per instance, density on
 * the modelled host, throughput per core, artifact size, isolation): which runtime wins and by
 * how much, as a ratio with its interval, or why it cannot be said from this run.
 */
import type { RunResult } from '../lab/results/model.js';
import type { BootstrapOptions, Estimate } from '../lab/stats/estimate.js';
import { formatEstimateShort, formatRatio } from '../lab/stats/format.js';
import { estimateRatio, findMetric, type MetricDef } from '../lab/stats/metrics.js';
import { isolationStanding } from './isolation.js';

/** One criterion and the metric that decides it (none for criteria no run can measure). */
export interface CriterionDef {
  name: string;
  metric?: string;
  /** Why the figure needs care, shown with the verdict. */
  note?: string;
  /** For a criterion decided by counts rather than a metric: its verdict, or undefined when this run has none. */
  decide?: (result: RunResult) => Omit<CriterionVerdict, 'criterion'> | undefined;
}

/** The criteria of the decision, in the order the report leads with them. */
export const CRITERIA: readonly CriterionDef[] = [
  { name: 'Cold start', metric: 'coldStart.p50' },
  { name: 'Cold start tail', metric: 'coldStart.p99' },
  { name: 'Tail latency', metric: 'latency.p99' },
  { name: 'RAM per instance', metric: 'memory.perInstance' },
  { name: 'Density on the modelled host', metric: 'memory.density' },
  {
    name: 'Throughput per core',
    metric: 'throughput.perCore',
    note: 'open-loop run: both runtimes were offered the same rate, so a difference shows losses, not capacity (capacity: lab bench saturate)',
  },
  { name: 'Artifact size', metric: 'artifact.size' },
  {
    name: 'Isolation',
    note: 'measured by escape probes (scenario `hostile: { probes: true }`, docs/isolation.md): paths a hostile tenant got through, not the strength of a sandbox',
    decide: isolationStanding,
  },
];

/** The verdict of one criterion. */
export interface CriterionVerdict {
  criterion: CriterionDef;
  metric?: MetricDef;
  /** `winner` when the interval of the ratio excludes 1; `tie` when it does not; `not-measured` otherwise. */
  outcome: 'winner' | 'tie' | 'not-measured';
  winner?: string;
  runnerUp?: string;
  /** worse / better, so always >= 1 at the point estimate: "N times lower/higher". */
  ratio?: Estimate;
  /** One sentence for the report. */
  text: string;
}

/** Decides one criterion from the per-label estimates. */
export function decideCriterion(result: RunResult, c: CriterionDef, estimates: Record<string, Estimate>, opts: BootstrapOptions): CriterionVerdict {
  const counted = c.decide?.(result);
  if (counted) return { criterion: c, ...counted };
  const metric = c.metric ? findMetric(c.metric) : undefined;
  if (!metric) return { criterion: c, outcome: 'not-measured', text: `not measured in this run: ${c.note ?? 'no metric'}` };
  const measured = Object.entries(estimates).filter(([, e]) => Number.isFinite(e.value) && e.lo !== null);
  const missing = Object.keys(estimates).filter((l) => !measured.some(([m]) => m === l));
  const missingText = missing.length ? ` (${missing.join(', ')}: not measured)` : '';
  if (measured.length < 2) {
    const only = measured[0];
    return {
      criterion: c,
      metric,
      outcome: 'not-measured',
      text: only
        ? `not compared in this run: only ${only[0]} measured it (${formatEstimateShort(only[1], metric.dimension)})${missingText}`
        : `not measured in this run${missingText}`,
    };
  }
  const sorted = [...measured].sort((a, b) => (metric.better === 'lower' ? a[1].value - b[1].value : b[1].value - a[1].value));
  const [best, second] = [sorted[0]!, sorted[1]!];
  // Ratio worse / better for lower-is-better, better / worse for higher-is-better: >= 1 either way.
  const ratio = metric.better === 'lower' ? estimateRatio(result, second[0], best[0], metric, opts) : estimateRatio(result, best[0], second[0], metric, opts);
  const way = metric.better === 'lower' ? 'lower' : 'higher';
  const decided = ratio.lo !== null && ratio.lo > 1;
  const figures = sorted.map(([l, e]) => `${l} ${formatEstimateShort(e, metric.dimension)}`).join('; ');
  const text = decided
    ? `${best[0]} wins: ${formatRatio(ratio)} ${way} than ${second[0]} (${figures})${missingText}`
    : `no detectable difference between ${best[0]} and ${second[0]}: ratio ${formatRatio(ratio)} includes 1 (${figures})${missingText}`;
  return { criterion: c, metric, outcome: decided ? 'winner' : 'tie', winner: best[0], runnerUp: second[0], ratio, text };
}
