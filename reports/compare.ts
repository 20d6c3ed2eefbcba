/**
 * The diff report of two results (baseline vs candidate), in the style of the single report:
 * per runtime and headline metric, both figures with intervals and candidate / baseline with
 * its interval; a change is called only when that interval excludes 1. Also what differs in the
 * reproducibility records (commit, scenario, machine), and the latency percentiles overlaid.
 */
import type { RunResult } from '../lab/results/model.js';
import { bootstrapRatio } from '../lab/stats/bootstrap.js';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions, type Estimate } from '../lab/stats/estimate.js';
import { formatEstimate, formatRatio, sig3 } from '../lab/stats/format.js';
import { estimateMetric, findMetric, metricSamplers, resultLabels, type MetricDef } from '../lab/stats/metrics.js';
import { HEADLINE_METRICS } from './analysis.js';
import { renderCharts } from './charts/index.js';
import type { Chart } from './charts/chart.js';
import { mergedScope, percentileRows, percentileSpec } from './charts/latency-percentiles.js';
import { esc } from './escape.js';
import { htmlDocument } from './html/document.js';
import { chartFigure, table, tag } from './html/parts.js';

/** How a metric moved from baseline to candidate. */
export type Change = 'better' | 'worse' | 'same' | 'not measured';

/** One compared figure. */
export interface ComparedFigure {
  label: string;
  metric: MetricDef;
  baseline: Estimate;
  candidate: Estimate;
  /** candidate / baseline. */
  ratio: Estimate;
  change: Change;
}

/** The comparison of two results. */
export interface Comparison {
  baseline: RunResult;
  candidate: RunResult;
  labels: string[];
  onlyIn: { baseline: string[]; candidate: string[] };
  figures: ComparedFigure[];
  /** Reproducibility fields that differ: [field, baseline, candidate]. */
  reproDiff: [string, string, string][];
}

function changeOf(metric: MetricDef, ratio: Estimate): Change {
  if (ratio.lo === null || ratio.hi === null || !Number.isFinite(ratio.value)) return 'not measured';
  const up = ratio.lo > 1;
  const down = ratio.hi < 1;
  if (!up && !down) return 'same';
  return up === (metric.better === 'higher') ? 'better' : 'worse';
}

/** Compares candidate against baseline (pure). */
export function compareResults(baseline: RunResult, candidate: RunResult, overrides: Partial<BootstrapOptions> = {}): Comparison {
  const opts: BootstrapOptions = { seed: candidate.repro.seed, ...DEFAULT_BOOTSTRAP, ...overrides };
  const a = resultLabels(baseline);
  const b = resultLabels(candidate);
  const labels = b.filter((l) => a.includes(l));
  const figures = labels.flatMap((label) =>
    HEADLINE_METRICS.map((name) => {
      const metric = findMetric(name)!;
      const ratio = bootstrapRatio(metricSamplers(candidate, label, metric), metricSamplers(baseline, label, metric), opts, `compare:${label}.${name}`);
      return { label, metric, baseline: estimateMetric(baseline, label, metric, opts), candidate: estimateMetric(candidate, label, metric, opts), ratio, change: changeOf(metric, ratio) };
    }),
  );
  const ra = baseline.repro;
  const rb = candidate.repro;
  const fields: [string, string, string][] = [
    ['git commit', `${ra.gitCommit ?? '?'}${ra.gitDirty ? ' (dirty)' : ''}`, `${rb.gitCommit ?? '?'}${rb.gitDirty ? ' (dirty)' : ''}`],
    ['scenario', `${baseline.scenario.name} ${ra.scenarioHash.slice(0, 12)}`, `${candidate.scenario.name} ${rb.scenarioHash.slice(0, 12)}`],
    ['seed', String(ra.seed), String(rb.seed)],
    ['machine', `${ra.cpuModel}, ${ra.cores} cores`, `${rb.cpuModel}, ${rb.cores} cores`],
    ['kernel', ra.kernel, rb.kernel],
    ['node', ra.node, rb.node],
    ['load average at end', ra.loadAverage.atEnd.join(' / '), rb.loadAverage.atEnd.join(' / ')],
    ['runtime versions', JSON.stringify(ra.runtimeVersions), JSON.stringify(rb.runtimeVersions)],
  ];
  return { baseline, candidate, labels, onlyIn: { baseline: a.filter((l) => !b.includes(l)), candidate: b.filter((l) => !a.includes(l)) }, figures, reproDiff: fields.filter(([, x, y]) => x !== y) };
}

function overlayChart(c: Comparison): Chart {
  const rows = c.labels.flatMap((l) => [
    ...percentileRows(mergedScope(c.baseline, l, (x) => x.latency.all), l, 'baseline', `${l} baseline`),
    ...percentileRows(mergedScope(c.candidate, l, (x) => x.latency.all), l, 'candidate', `${l} candidate`),
  ]);
  const title = 'Latency by percentile, baseline vs candidate';
  if (rows.length === 0) return { id: 'compare-percentiles', title, missing: 'no runtime with latency in both results' };
  return { id: 'compare-percentiles', title, caption: 'All measured requests; solid and dashed lines are the two results.', spec: percentileSpec(rows) };
}

/** The diff report as HTML (self-contained, like the single report). */
export async function renderCompare(baseline: RunResult, candidate: RunResult): Promise<string> {
  const c = compareResults(baseline, candidate);
  const charts = await renderCharts([overlayChart(c)]);
  const missing = [
    ...c.onlyIn.baseline.map((l) => `${l}: only in the baseline`),
    ...c.onlyIn.candidate.map((l) => `${l}: only in the candidate (no baseline to compare with)`),
    ...(baseline.repro.scenarioHash !== candidate.repro.scenarioHash ? ['the two results ran different scenario files: differences may come from the scenario, not the code'] : []),
  ];
  const counts = (k: Change) => c.figures.filter((f) => f.change === k).length;
  const body = [
    `<header><h1>Compare: ${esc(baseline.scenario.name)} → ${esc(candidate.scenario.name)}</h1>
<p class="meta">baseline ${esc(baseline.runId)} (${esc(baseline.startedAt)}) · candidate ${esc(candidate.runId)} (${esc(candidate.startedAt)})</p></header>`,
    missing.length ? `<div class="missing" id="missing"><h2>Not comparable</h2><ul>${missing.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></div>` : '',
    `<section id="verdict"><h2>Summary</h2><p>${counts('worse')} figures worse, ${counts('better')} better, ${counts('same')} without a detectable change, ${counts('not measured')} not measured on both sides. A change is called only when the ${sig3(DEFAULT_BOOTSTRAP.confidence * 100)} % interval of candidate / baseline excludes 1.</p>
${table(
  ['runtime', 'metric', 'baseline', 'candidate', 'candidate / baseline', 'change'],
  c.figures.map((f) => [esc(f.label), `<code>${esc(f.metric.name)}</code>`, `<span class="fig">${esc(formatEstimate(f.baseline, f.metric.dimension))}</span>`, `<span class="fig">${esc(formatEstimate(f.candidate, f.metric.dimension))}</span>`, esc(formatRatio(f.ratio)), tag(f.change)]),
)}</section>`,
    `<section id="charts"><h2>Charts</h2>${charts.map(chartFigure).join('\n')}</section>`,
    `<section id="repro"><h2>What differs between the runs</h2>${c.reproDiff.length ? table(['field', 'baseline', 'candidate'], c.reproDiff.map((r) => r.map(esc))) : '<p class="note">Same commit, scenario, seed, machine and versions.</p>'}</section>`,
    `<footer>edge-pop-lab compare · self-contained: no scripts, no external resources.</footer>`,
  ].join('\n');
  return htmlDocument(`compare ${baseline.scenario.name}: ${baseline.runId} → ${candidate.runId}`, body);
}

/** The diff as Markdown (PR comment). */
export function renderCompareMarkdown(baseline: RunResult, candidate: RunResult): string {
  const c = compareResults(baseline, candidate);
  const rows = c.figures.filter((f) => f.change !== 'not measured');
  const line = (cells: string[]) => `| ${cells.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `## Compare ${baseline.runId} → ${candidate.runId}`,
    ...c.onlyIn.candidate.map((l) => `- ${l}: only in the candidate`),
    ...c.onlyIn.baseline.map((l) => `- ${l}: only in the baseline`),
    '',
    line(['runtime', 'metric', 'baseline', 'candidate', 'candidate / baseline', 'change']),
    line(['---', '---', '---', '---', '---', '---']),
    ...rows.map((f) => line([f.label, `\`${f.metric.name}\``, formatEstimate(f.baseline, f.metric.dimension), formatEstimate(f.candidate, f.metric.dimension), formatRatio(f.ratio), f.change])),
    '',
  ].join('\n');
}
