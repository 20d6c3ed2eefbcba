/**
 * The curve behind each density figure: every tenant count the search simulated, per runtime,
 * with p99 (all and warm), cold-start rate, peak memory and CPU busy on their own panels, and
 * the SLO's bounds (and the host's memory) drawn as a line on the panel they bound.
 */
import type { DensityResult, SimulatedPoint } from '../../lab/results/model.js';
import { CONFIG, type Chart } from './chart.js';

const GiB = 1024 ** 3;

interface Panel {
  name: string;
  pick: (p: SimulatedPoint) => number | null | undefined;
  /** The SLO metric this panel shows, whose bound is drawn on it (a fraction is shown in %). */
  slo?: string;
  scale?: number;
}

const PANELS: Panel[] = [
  // -1 marks a probe with more than 1 % failed requests: no p99 to plot.
  { name: 'p99, all requests (ms)', pick: (p) => (p.p99Ms < 0 ? null : p.p99Ms), slo: 'p99' },
  { name: 'warm p99 (ms)', pick: (p) => p.warmP99Ms, slo: 'warm.p99' },
  { name: 'cold-start rate (%)', pick: (p) => p.coldStartRate * 100, slo: 'coldStart.rate', scale: 100 },
  { name: 'peak memory (GiB)', pick: (p) => p.peakMemoryBytes / GiB },
  { name: 'CPU busy (%)', pick: (p) => (p.cpuUtilisation === undefined ? null : p.cpuUtilisation * 100) },
];

/** The density curve, or why there is none. `objectives` are the SLO's bounds by metric. */
export function densityChart(d: DensityResult | undefined, objectives: { metric: string; max: number }[]): Chart {
  const title = 'Density: the simulated curve behind tenants per host';
  if (!d) return { id: 'density', title, missing: 'no density search in this simulation' };
  const rows: { runtime: string; tenants: number; panel: string; y: number }[] = [];
  for (const [runtime, x] of Object.entries(d.runtimes)) {
    for (const p of x.probes) {
      for (const panel of PANELS) {
        const y = panel.pick(p);
        if (y !== null && y !== undefined && Number.isFinite(y)) rows.push({ runtime, tenants: p.tenants, panel: panel.name, y });
      }
    }
  }
  if (rows.length === 0) return { id: 'density', title, missing: 'the density search simulated no tenant count' };
  const xs = rows.map((r) => r.tenants);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  // Bounds as two-point lines of their own series, so each lands on its own panel of the facet.
  const bound = (panel: string, y: number, runtime: string) => rows.push({ runtime, tenants: lo, panel, y }, { runtime, tenants: hi, panel, y });
  for (const panel of PANELS) {
    const o = objectives.find((x) => x.metric === panel.slo);
    if (o) bound(panel.name, o.max * (panel.scale ?? 1), 'SLO bound');
  }
  const budget = Object.values(d.runtimes).flatMap((x) => x.probes.map((p) => p.memoryBudgetBytes ?? 0)).find((b) => b > 0);
  if (budget) bound('peak memory (GiB)', budget / GiB, 'host memory for instances');
  const log = lo > 0 && hi / lo >= 20;
  return {
    id: 'density',
    title,
    caption: `Every tenant count the density search simulated (${log ? 'log scale' : 'linear scale'}), one line per runtime; the SLO bounds and the host memory for instances are drawn as series of their own where they apply. The density is the last count left of the line crossing a bound; its binding resource is in the table.`,
    spec: {
      config: CONFIG,
      data: { values: rows },
      facet: { field: 'panel', type: 'nominal', title: null, sort: PANELS.map((p) => p.name) },
      columns: 2,
      spec: {
        width: 270,
        height: 140,
        mark: { type: 'line', point: true, strokeWidth: 1.8 },
        encoding: {
          x: { field: 'tenants', type: 'quantitative', title: 'tenants on the host', scale: log ? { type: 'log' } : { zero: false } },
          y: { field: 'y', type: 'quantitative', title: null, scale: { zero: false } },
          color: { field: 'runtime', type: 'nominal', title: 'runtime' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}
