/**
 * Where cold-start time goes: mean time per activation phase, stacked, per runtime and
 * activation strategy. Means (not medians) are stacked because means of phases add up to the
 * mean total; medians do not.
 */
import type { RunResult } from '../../lab/results/model.js';
import { usableRuns } from '../../lab/stats/metrics.js';
import { CONFIG, SIZE, type Chart } from './chart.js';

/** Stacked bars of mean phase times per runtime and strategy. */
export function coldPhasesChart(r: RunResult, labels: string[]): Chart {
  const rows: { group: string; phase: string; ms: number; order: number }[] = [];
  for (const l of labels) {
    const acts = usableRuns(r, l).flatMap((x) => x.coldStart.activations.filter((a) => a.ok && a.path === 'request'));
    const strategies = [...new Set(acts.map((a) => a.strategy))].sort();
    for (const s of strategies) {
      const xs = acts.filter((a) => a.strategy === s);
      const names = [...new Set(xs.flatMap((a) => a.phases.map((p) => p.name)))];
      names.forEach((name, order) => {
        const ms = xs.reduce((acc, a) => acc + (a.phases.find((p) => p.name === name)?.ms ?? 0), 0) / xs.length;
        rows.push({ group: `${l} · ${s} (n = ${xs.length})`, phase: name, ms, order });
      });
    }
  }
  const title = 'Cold-start phases (mean per activation)';
  if (rows.length === 0) return { id: 'cold-phases', title, missing: 'no cold start with phase records in this run' };
  return {
    id: 'cold-phases',
    title,
    caption: 'Mean time of each activation phase, from the host\'s activation records of the measured window. Phase names are each runner\'s own.',
    spec: {
      width: SIZE.width,
      height: { step: 28 },
      config: CONFIG,
      data: { values: rows },
      mark: 'bar',
      encoding: {
        y: { field: 'group', type: 'nominal', title: null, axis: { labelLimit: 320 } },
        x: { field: 'ms', type: 'quantitative', aggregate: 'sum', title: 'mean time (ms)', stack: 'zero' },
        color: { field: 'phase', type: 'nominal', title: 'phase' },
        order: { field: 'order', type: 'quantitative' },
      },
    },
  };
}
