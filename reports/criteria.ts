/**
 * The verdict per decision criterion, asked the way users ask it: "Wasm components or
 * containers?". Per criterion, the best Wasm runtime of the run against the best container
 * configuration, as a ratio with its interval, with the bare process as the reference (and as
 * the counterpart when the run has no container); every runtime's figure and a pairwise ratio
 * matrix below it. Criteria an open-loop run cannot decide (throughput) are not verdict rows.
 */
import type { RunResult } from '../lab/results/model.js';
import type { BootstrapOptions, Estimate } from '../lab/stats/estimate.js';
import { formatEstimateShort, formatRatio } from '../lab/stats/format.js';
import { estimateRatio, findMetric, usableRuns, type MetricDef } from '../lab/stats/metrics.js';
import { FAMILY_NAMES, runtimeFamily, type Family } from './family.js';
import { probeMatrix } from './isolation.js';

/** One criterion and the metric that decides it, or the counts that do (isolation). */
export interface CriterionDef {
  name: string;
  metric?: string;
  /** Why the figure needs care, shown once with the verdict. */
  note?: string;
  /** Decided by counts (fewer is better) instead of a metric: each runtime's count, or undefined when this run has none. */
  counts?: (result: RunResult) => Record<string, CountFigure> | undefined;
}

/** A runtime's standing on a criterion decided by counts. */
export interface CountFigure {
  count: number;
  of: number;
  /** Results that could hide a worse count (inconclusive or missing probes): it cannot win. */
  unsure: boolean;
}

/** The criteria of the decision, in the order the report leads with them. */
export const CRITERIA: readonly CriterionDef[] = [
  { name: 'Cold start', metric: 'coldStart.p50' },
  { name: 'Cold start tail', metric: 'coldStart.p99' },
  { name: 'Tail latency', metric: 'latency.p99' },
  { name: 'RAM per instance', metric: 'memory.perInstance' },
  // Not "density": tenants at the SLO come from the simulator (the answer's density line); this
  // is memory alone, and reading it as density overstated both sides by 2-3x on pop-16gb.
  { name: 'Instances in host memory', metric: 'memory.density', note: 'host memory over RAM per instance, at no latency objective; tenants per host at the SLO are the simulated density' },
  { name: 'Artifact size', metric: 'artifact.size' },
  {
    name: 'Isolation',
    note: 'escape probes a hostile tenant got through (scenario `hostile: { probes: true }`, docs/isolation.md): paths out, not the strength of a sandbox',
    counts: probeCounts,
  },
];

/** Why throughput is not a verdict row: said once under the verdict. */
export const NOT_A_VERDICT = 'Throughput is not a verdict row: an open-loop run offers every runtime the same rate, so it shows losses, not capacity (capacity: `lab bench saturate`).';

function probeCounts(result: RunResult): Record<string, CountFigure> | undefined {
  const rows = probeMatrix(result).filter((r) => r.total > 0);
  if (rows.length === 0) return undefined;
  const most = Math.max(...rows.map((r) => r.total));
  return Object.fromEntries(rows.map((r) => [r.label, { count: r.allowed, of: r.total, unsure: r.inconclusive > 0 || r.error !== undefined || r.total < most }]));
}

/** The best runtime of one side of the question, with its figure. */
export interface Side {
  family: Family;
  label: string;
  /** A metric's estimate, or a count. */
  figure: string;
  estimate?: Estimate;
  count?: CountFigure;
}

/** The verdict of one criterion. */
export interface CriterionVerdict {
  criterion: CriterionDef;
  metric?: MetricDef;
  /** `winner` when one side is better beyond doubt (the ratio's interval excludes 1, or fewer counts), `tie` when not, `not-measured` when one side is missing. */
  outcome: 'winner' | 'tie' | 'not-measured';
  /** The best Wasm runtime; the best container, or the bare process when the run has no container. */
  wasm?: Side;
  counterpart?: Side;
  /** The bare process, when it is not the counterpart. */
  reference?: Side;
  winner?: string;
  /** worse / better, so >= 1 at the point estimate: "N times lower/higher". */
  ratio?: Estimate;
  /** One sentence for the report. */
  text: string;
  /** Every measured runtime's figure, best first. */
  runtimes: Side[];
}

const isBetter = (m: MetricDef) => (a: Estimate, b: Estimate): number => (m.better === 'lower' ? a.value - b.value : b.value - a.value);

function familyOf(result: RunResult, label: string): Family {
  const run = usableRuns(result, label)[0] ?? result.runs.find((r) => r.label === label);
  return runtimeFamily(run?.runtime ?? label);
}

/** The best of `family` among sides sorted best first. */
const bestOf = (sides: Side[], family: Family): Side | undefined => sides.find((s) => s.family === family);

/** Picks the two sides of the question: best Wasm against the best container, else the bare process. */
function sidesOf(sorted: Side[]): { wasm?: Side; counterpart?: Side; reference?: Side } {
  const wasm = bestOf(sorted, 'wasm');
  const container = bestOf(sorted, 'container');
  const process = bestOf(sorted, 'process');
  return { ...(wasm ? { wasm } : {}), ...(container ?? process ? { counterpart: (container ?? process)! } : {}), ...(container && process ? { reference: process } : {}) };
}

function missingSide(c: CriterionDef, metric: MetricDef | undefined, sides: { wasm?: Side; counterpart?: Side }, runtimes: Side[]): CriterionVerdict {
  const have = runtimes.map((s) => `${s.label} ${s.figure}`).join('; ');
  const absent = !sides.wasm ? FAMILY_NAMES.wasm : `${FAMILY_NAMES.container} or bare process`;
  const text = runtimes.length === 0 ? `not measured in this run${c.note && !metric ? `: ${c.note}` : ''}` : `not compared in this run: no ${absent} measured it (${have})`;
  return { criterion: c, ...(metric ? { metric } : {}), outcome: 'not-measured', ...sides, text, runtimes };
}

const counterpartName = (s: Side): string => (s.family === 'container' ? 'the best container' : 'the bare process (no container in this run)');

/** Decides one criterion from each label's estimate of its metric (or from its counts). */
export function decideCriterion(result: RunResult, c: CriterionDef, estimates: Record<string, Estimate>, opts: BootstrapOptions): CriterionVerdict {
  if (c.counts) return decideByCounts(result, c);
  const metric = c.metric ? findMetric(c.metric) : undefined;
  if (!metric) return missingSide(c, undefined, {}, []);
  const runtimes: Side[] = Object.entries(estimates)
    .filter(([, e]) => Number.isFinite(e.value) && e.lo !== null)
    .sort((a, b) => isBetter(metric)(a[1], b[1]))
    .map(([label, e]) => ({ family: familyOf(result, label), label, estimate: e, figure: formatEstimateShort(e, metric.dimension) }));
  const sides = sidesOf(runtimes);
  if (!sides.wasm || !sides.counterpart) return missingSide(c, metric, sides, runtimes);
  const w = sides.wasm;
  const o = sides.counterpart;
  const wasmBetter = isBetter(metric)(w.estimate!, o.estimate!) <= 0;
  const [best, worse] = wasmBetter ? [w, o] : [o, w];
  // worse / better for lower-is-better, better / worse for higher-is-better: >= 1 either way.
  const ratio = metric.better === 'lower' ? estimateRatio(result, worse.label, best.label, metric, opts) : estimateRatio(result, best.label, worse.label, metric, opts);
  const decided = ratio.lo !== null && ratio.lo > 1;
  const way = metric.better === 'lower' ? 'lower' : 'higher';
  const pair = `Wasm ${w.label} ${w.figure} vs ${counterpartName(o)} ${o.label} ${o.figure}`;
  const ref = sides.reference ? `; reference: bare process ${sides.reference.label} ${sides.reference.figure}` : '';
  const text = decided
    ? `${best.family === 'wasm' ? 'Wasm' : o.family === 'container' ? 'Container' : 'Bare process'} wins: ${formatRatio(ratio)} ${way} (${pair}${ref})`
    : `no detectable difference: ratio ${formatRatio(ratio)} includes 1 (${pair}${ref})`;
  return { criterion: c, metric, outcome: decided ? 'winner' : 'tie', ...sides, ...(decided ? { winner: best.label } : {}), ratio, text, runtimes };
}

function decideByCounts(result: RunResult, c: CriterionDef): CriterionVerdict {
  const counts = c.counts!(result) ?? {};
  const runtimes: Side[] = Object.entries(counts)
    .sort((a, b) => a[1].count - b[1].count || Number(a[1].unsure) - Number(b[1].unsure))
    .map(([label, n]) => ({ family: familyOf(result, label), label, count: n, figure: `${n.count} of ${n.of}${n.unsure ? ' (incomplete)' : ''}` }));
  const sides = sidesOf(runtimes);
  if (!sides.wasm || !sides.counterpart) return missingSide(c, undefined, sides, runtimes);
  const w = sides.wasm;
  const o = sides.counterpart;
  const pair = `Wasm ${w.label} ${w.figure} vs ${counterpartName(o)} ${o.label} ${o.figure}${sides.reference ? `; reference: bare process ${sides.reference.label} ${sides.reference.figure}` : ''}`;
  const [best, worse] = w.count!.count <= o.count!.count ? [w, o] : [o, w];
  // An incomplete count could hide a worse one: it cannot win.
  if (best.count!.count < worse.count!.count && !best.count!.unsure) {
    const name = best.family === 'wasm' ? 'Wasm' : best.family === 'container' ? 'Container' : 'Bare process';
    return { criterion: c, outcome: 'winner', ...sides, winner: best.label, text: `${name} wins: fewer allowed (${pair})`, runtimes };
  }
  return { criterion: c, outcome: 'tie', ...sides, text: `no difference${best.count!.unsure ? ' as far as the probes that ran can tell' : ''} (${pair})`, runtimes };
}

/** Every pair's ratio (row / column) of a metric: the compact matrix under the verdict. */
export function pairwiseRatios(result: RunResult, labels: string[], metric: MetricDef, opts: BootstrapOptions): Record<string, Record<string, Estimate>> {
  return Object.fromEntries(labels.map((a) => [a, Object.fromEntries(labels.filter((b) => b !== a).map((b) => [b, estimateRatio(result, a, b, metric, opts)]))]));
}
