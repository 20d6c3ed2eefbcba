/**
 * A simulated sweep (scenario `sweep:`): each simulated metric against the swept parameter, one
 * line per runtime, one panel per metric (independent y scales: milliseconds, a rate and bytes
 * do not share an axis).
 */
import type { SweepResult } from '../../lab/results/model.js';
import { CONFIG, type Chart } from './chart.js';

const MiB = 1024 * 1024;

/** The plotted metrics of a simulated point, in panel order. */
const METRICS: { name: string; pick: (p: SweepResult['points'][number]['runtimes'][string]) => number | null }[] = [
  { name: 'p50 (ms)', pick: (p) => p.p50Ms },
  // -1 marks a point where more than 1 % of requests failed: no p99 to plot.
  { name: 'p99 (ms)', pick: (p) => (p.p99Ms < 0 ? null : p.p99Ms) },
  { name: 'cold-start rate (%)', pick: (p) => p.coldStartRate * 100 },
  { name: 'peak memory (MiB)', pick: (p) => p.peakMemoryBytes / MiB },
  { name: 'throughput (req/s)', pick: (p) => p.throughputRps },
];

/** Metric vs swept parameter per runtime, or why there is no plot. */
export function sweepChart(sweep: SweepResult | undefined, labels: string[]): Chart {
  const title = sweep ? `Simulated sweep of ${sweep.parameter}` : 'Simulated sweep';
  if (!sweep) return { id: 'sweep', title, missing: 'the scenario has no sweep' };
  const rows: { runtime: string; value: number; metric: string; y: number }[] = [];
  let failed = 0;
  for (const point of sweep.points) {
    for (const [runtime, p] of Object.entries(point.runtimes)) {
      if (labels.length && !labels.includes(runtime)) continue;
      if (p.p99Ms < 0) failed++;
      for (const m of METRICS) {
        const y = m.pick(p);
        if (y !== null && Number.isFinite(y)) rows.push({ runtime, value: point.value, metric: m.name, y });
      }
    }
  }
  if (rows.length === 0) return { id: 'sweep', title, missing: 'the sweep has no simulated point' };
  const xs = rows.map((r) => r.value);
  const log = Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 20;
  return {
    id: 'sweep',
    title,
    caption: `Each panel: one simulated metric against ${sweep.parameter} (${sweep.values.length} values${log ? ', log scale' : ''}), one line per runtime, on the modelled host.${failed ? ` ${failed} point(s) with more than 1 % failed requests have no p99.` : ''}`,
    spec: {
      config: CONFIG,
      data: { values: rows },
      facet: { field: 'metric', type: 'nominal', title: null, sort: METRICS.map((m) => m.name) },
      columns: 2,
      spec: {
        width: 270,
        height: 140,
        mark: { type: 'line', point: true, strokeWidth: 1.8 },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: sweep.parameter, scale: log ? { type: 'log' } : { zero: false } },
          y: { field: 'y', type: 'quantitative', title: null, scale: { zero: false } },
          color: { field: 'runtime', type: 'nominal', title: 'runtime' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}
