/**
 * RAM per instance and what it means for the modelled host: mean USS per instance with its
 * interval and the individual instances, and the number of instances that fit the scenario's
 * host (host.memoryGiB minus the runtime's fixed overhead, divided by the per-instance figure).
 */
import type { RunResult } from '../../lab/results/model.js';
import type { Estimate } from '../../lab/stats/estimate.js';
import { usableRuns } from '../../lab/stats/metrics.js';
import { CONFIG, SIZE, type Chart } from './chart.js';

const MiB = 1024 * 1024;

/** Mean USS per instance per runtime, 95 % interval as a rule, instances as ticks. */
export function memoryChart(r: RunResult, labels: string[], perInstance: Record<string, Estimate>): Chart {
  const bars = labels.filter((l) => Number.isFinite(perInstance[l]?.value)).map((l) => ({ runtime: l, mib: perInstance[l]!.value / MiB, lo: (perInstance[l]!.lo ?? perInstance[l]!.value) / MiB, hi: (perInstance[l]!.hi ?? perInstance[l]!.value) / MiB }));
  const ticks = labels.flatMap((l) => usableRuns(r, l).flatMap((x) => (x.memory?.instances ?? []).map((i) => ({ runtime: l, mib: i.ussBytes / MiB }))));
  const title = 'RAM per instance (USS)';
  if (bars.length === 0) return { id: 'memory', title, missing: 'no memory report in this run' };
  const x = { field: 'runtime', type: 'nominal' as const, title: null, axis: { labelAngle: 0 } };
  return {
    id: 'memory',
    title,
    caption: 'Bars: mean unique set size per live instance; black rule: its 95 % interval; grey ticks: individual instances. Method per runtime in the memory table.',
    spec: {
      width: { step: 90 },
      height: SIZE.height,
      config: CONFIG,
      layer: [
        { data: { values: bars }, mark: { type: 'bar', opacity: 0.8 }, encoding: { x, y: { field: 'mib', type: 'quantitative', title: 'MiB per instance' }, color: { field: 'runtime', type: 'nominal', legend: null } } },
        { data: { values: bars }, mark: { type: 'rule', strokeWidth: 2, color: 'black' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        { data: { values: ticks }, mark: { type: 'tick', color: '#555', opacity: 0.6 }, encoding: { x, y: { field: 'mib', type: 'quantitative' } } },
      ],
    },
  };
}

/** Instances that fit the modelled host per runtime, with the interval carried over from memory. */
export function densityChart(r: RunResult, labels: string[], density: Record<string, Estimate>): Chart {
  const bars = labels.filter((l) => Number.isFinite(density[l]?.value)).map((l) => ({ runtime: l, n: density[l]!.value, lo: density[l]!.lo ?? density[l]!.value, hi: density[l]!.hi ?? density[l]!.value }));
  const gib = r.scenario.resolved.host.memoryGiB;
  const title = `Instances that fit the modelled host (${gib} GiB)`;
  if (bars.length === 0) return { id: 'density', title, missing: 'no memory report in this run, so density cannot be modelled' };
  const x = { field: 'runtime', type: 'nominal' as const, title: null, axis: { labelAngle: 0 } };
  return {
    id: 'density',
    title,
    caption: `(${gib} GiB − the runtime's fixed overhead) / mean USS per instance; memory only (CPU, file descriptors and the runtime's own limits are not modelled).`,
    spec: {
      width: { step: 90 },
      height: SIZE.height,
      config: CONFIG,
      layer: [
        { data: { values: bars }, mark: { type: 'bar', opacity: 0.8 }, encoding: { x, y: { field: 'n', type: 'quantitative', title: 'instances' }, color: { field: 'runtime', type: 'nominal', legend: null } } },
        { data: { values: bars }, mark: { type: 'rule', strokeWidth: 2, color: 'black' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        { data: { values: bars }, mark: { type: 'text', dy: -8, fontSize: 11 }, encoding: { x, y: { field: 'hi', type: 'quantitative' }, text: { field: 'n', type: 'quantitative', format: ',d' } } },
      ],
    },
  };
}
