/**
 * The run over time: p50 and p99 latency per second, and live instances per second, per
 * runtime and repetition, with the end of warm-up marked (seconds before it are not measured).
 */
import type { RunResult } from '../../lab/results/model.js';
import { usableRuns } from '../../lab/stats/metrics.js';
import { CONFIG, SIZE, type Chart } from './chart.js';

const warmupRule = (seconds: number) => ({
  data: { values: [{ second: seconds }] },
  mark: { type: 'rule' as const, strokeDash: [4, 4], color: '#888' },
  encoding: { x: { field: 'second', type: 'quantitative' as const } },
});

/** p50 and p99 of each second. */
export function latencySeriesChart(r: RunResult, labels: string[]): Chart {
  const rows = labels.flatMap((l) =>
    usableRuns(r, l).flatMap((run) =>
      run.timeseries
        .filter((p) => p.completed > 0 && p.p50Ms > 0)
        .flatMap((p) => [
          { runtime: l, series: `${l}#${run.repetition} p50`, stat: 'p50', second: p.second, ms: p.p50Ms },
          { runtime: l, series: `${l}#${run.repetition} p99`, stat: 'p99', second: p.second, ms: p.p99Ms },
        ]),
    ),
  );
  const title = 'Latency per second (p50, p99)';
  if (rows.length === 0) return { id: 'latency-series', title, missing: 'no per-second series in this run' };
  return {
    id: 'latency-series',
    title,
    caption: `Each second of the run, every repetition; the dashed vertical line ends the ${r.scenario.resolved.traffic.warmupSeconds} s warm-up.`,
    spec: {
      ...SIZE,
      config: CONFIG,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'second', type: 'quantitative', title: 'second since traffic start' },
            y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
            color: { field: 'runtime', type: 'nominal', title: 'runtime' },
            strokeDash: { field: 'stat', type: 'nominal', title: 'percentile' },
            detail: { field: 'series', type: 'nominal' },
          },
        },
        warmupRule(r.scenario.resolved.traffic.warmupSeconds),
      ],
    },
  };
}

/** Live instances per second (sampled from the PoP's stats). */
export function instancesSeriesChart(r: RunResult, labels: string[]): Chart {
  const rows = labels.flatMap((l) =>
    usableRuns(r, l).flatMap((run) =>
      run.timeseries.filter((p) => p.liveInstances !== undefined).map((p) => ({ runtime: l, series: `${l}#${run.repetition}`, second: p.second, live: p.liveInstances! })),
    ),
  );
  const title = 'Live instances per second';
  if (rows.length === 0) return { id: 'instances-series', title, missing: 'live instances were not sampled in this run' };
  return {
    id: 'instances-series',
    title,
    caption: 'Live instances at the end of each second, from the PoP\'s stats endpoint.',
    spec: {
      ...SIZE,
      config: CONFIG,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'second', type: 'quantitative', title: 'second since traffic start' },
            y: { field: 'live', type: 'quantitative', title: 'live instances' },
            color: { field: 'runtime', type: 'nominal', title: 'runtime' },
            detail: { field: 'series', type: 'nominal' },
          },
        },
        warmupRule(r.scenario.resolved.traffic.warmupSeconds),
      ],
    },
  };
}
