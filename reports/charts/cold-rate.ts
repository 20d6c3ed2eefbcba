/**
 * Measured cold-start rate against the forced instance-miss rate of the scenario. Forced misses
 * alone would put every point on the diagonal; points above it are misses the keep-alive policy
 * caused (idle timeouts, instance caps, memory evictions). One run gives one x value; a sweep of
 * `cache.instanceMissRate` (or several results) gives the curve.
 */
import type { RunResult } from '../../lab/results/model.js';
import { sig3 } from '../../lab/stats/format.js';
import { usableRuns } from '../../lab/stats/metrics.js';
import { wilsonInterval } from '../../lab/stats/wilson.js';
import { CONFIG, SIZE, type Chart } from './chart.js';

/** Cold-start rate (with Wilson 95 % intervals) vs forced-miss rate, for one or more results. */
export function coldRateChart(results: RunResult[], labelsOf: (r: RunResult) => string[], confidence: number): Chart {
  const points = results.flatMap((r) =>
    labelsOf(r).flatMap((l) =>
      usableRuns(r, l).map((run) => {
        const errors = Object.values(run.requests.errors).reduce((a, b) => a + b, 0);
        const n = run.requests.completed + errors;
        const [lo, hi] = wilsonInterval(run.requests.cold, n, confidence);
        return { runtime: l, forced: r.scenario.resolved.cache.instanceMissRate, rate: n > 0 ? run.requests.cold / n : 0, lo, hi, n };
      }),
    ),
  ).filter((p) => p.n > 0);
  const title = 'Cold-start rate vs forced-miss rate';
  if (points.length === 0) return { id: 'cold-rate', title, missing: 'no measured requests in this run' };
  const top = Math.min(1, Math.max(0.05, ...points.map((p) => p.hi), ...points.map((p) => p.forced)) * 1.15);
  const diagonal = [
    { forced: 0, rate: 0 },
    { forced: top, rate: top },
  ];
  const forcedValues = [...new Set(points.map((p) => p.forced))];
  // Runtimes share the x value of one scenario: nudge them apart so their intervals stay readable.
  const names = [...new Set(points.map((p) => p.runtime))];
  for (const p of points) Object.assign(p, { x: p.forced + (names.indexOf(p.runtime) - (names.length - 1) / 2) * top * 0.02 });
  return {
    id: 'cold-rate',
    title,
    caption: `Points: measured cold requests / measured requests per runtime and repetition, with their ${sig3(confidence * 100)} % Wilson interval. Dashed diagonal: the rate forced misses alone give. ${forcedValues.length === 1 ? `This run has one forced-miss rate (${sig3(forcedValues[0]! * 100)} %); a sweep of cache.instanceMissRate draws the curve.` : ''}`,
    spec: {
      width: SIZE.height + 100,
      height: SIZE.height,
      config: CONFIG,
      layer: [
        { data: { values: diagonal }, mark: { type: 'line', strokeDash: [5, 4], color: '#888' }, encoding: { x: { field: 'forced', type: 'quantitative', title: 'forced instance-miss rate', scale: { domain: [0, top] }, axis: { format: '.0%' } }, y: { field: 'rate', type: 'quantitative', title: 'measured cold-start rate', scale: { domain: [0, top] }, axis: { format: '.0%' } } } },
        { data: { values: points }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'runtime', type: 'nominal', title: 'runtime' } } },
        { data: { values: points }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'rate', type: 'quantitative' }, color: { field: 'runtime', type: 'nominal' } } },
      ],
    },
  };
}
