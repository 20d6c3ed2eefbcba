/**
 * The HDR percentile plot: latency against percentile on a "number of nines" axis, per runtime,
 * warm and cold requests apart, so the tail is as visible as the median.
 */
import type { TopLevelSpec } from 'vega-lite';
import { decodeHistogram, mergeInto, newHistogram, type Histogram } from '../../lab/measure/histogram.js';
import type { LatencySummary, RunResult } from '../../lab/results/model.js';
import { usableRuns } from '../../lab/stats/metrics.js';
import { CONFIG, SIZE, type Chart } from './chart.js';

/** One plotted point. */
export interface PercentileRow {
  series: string;
  runtime: string;
  scope: string;
  nines: number;
  ms: number;
}

const MAX_NINES = 5;
const STEP = 0.05;

/** The merged histogram of a label's usable repetitions for one scope. */
export function mergedScope(r: RunResult, label: string, pick: (x: RunResult['runs'][number]) => LatencySummary): Histogram {
  const h = newHistogram();
  for (const run of usableRuns(r, label)) {
    const s = pick(run);
    if (s.count > 0 && s.hdr) mergeInto(h, decodeHistogram(s.hdr));
  }
  return h;
}

/** Points of a histogram on the nines axis, up to the resolution its count supports. */
export function percentileRows(h: Histogram, runtime: string, scope: string, series: string): PercentileRow[] {
  if (h.totalCount === 0) return [];
  const top = Math.min(MAX_NINES, Math.log10(h.totalCount));
  const rows: PercentileRow[] = [];
  for (let x = 0; x <= top + 1e-9; x += STEP) {
    const p = 100 * (1 - 10 ** -x);
    rows.push({ series, runtime, scope, nines: Math.round(x * 100) / 100, ms: h.getValueAtPercentile(p) / 1000 });
  }
  return rows;
}

/** The spec for percentile rows (also used by the compare report with baseline/candidate series). */
export function percentileSpec(rows: PercentileRow[], dashField: 'scope' | 'series' = 'scope'): TopLevelSpec {
  const top = Math.ceil(Math.max(1, ...rows.map((r) => r.nines)));
  const ticks = Array.from({ length: top + 1 }, (_, i) => i);
  const labels = ticks.map((i) => (i === 0 ? '0%' : `${(100 - 10 ** (2 - i)).toFixed(Math.max(0, i - 2))}%`));
  return {
    ...SIZE,
    config: CONFIG,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
    encoding: {
      x: { field: 'nines', type: 'quantitative', title: 'percentile', scale: { domain: [0, top] }, axis: { values: ticks, labelExpr: `[${labels.map((l) => `'${l}'`).join(',')}][datum.value]` } },
      y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
      color: { field: 'runtime', type: 'nominal', title: 'runtime' },
      strokeDash: { field: dashField, type: 'nominal', title: dashField === 'scope' ? 'requests' : 'result' },
      detail: { field: 'series', type: 'nominal' },
    },
  };
}

/** Latency percentiles per runtime, warm vs cold. */
export function latencyPercentilesChart(r: RunResult, labels: string[]): Chart {
  const rows = labels.flatMap((l) => [
    ...percentileRows(mergedScope(r, l, (x) => x.latency.warm), l, 'warm', `${l} warm`),
    ...percentileRows(mergedScope(r, l, (x) => x.latency.cold), l, 'cold', `${l} cold`),
  ]);
  const title = 'Latency by percentile, warm vs cold requests';
  if (rows.length === 0) return { id: 'latency-percentiles', title, missing: 'no latency recorded in this run' };
  return {
    id: 'latency-percentiles',
    title,
    caption: 'From the intended send time to the full response (HDR histograms, all repetitions merged). The x axis counts nines: 90 %, 99 %, 99.9 %...; each line stops where its sample runs out of observations.',
    spec: percentileSpec(rows),
  };
}
