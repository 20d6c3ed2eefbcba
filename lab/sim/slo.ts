/**
 * The SLO a simulated point is held to (scenario `slo`): its objectives, whether a point meets
 * them, which it breaks, and the sentence a report prints. Density, sweeps and the report read
 * the SLO only through here, so "meets the SLO" means one thing everywhere.
 */
import type { SimulatedPoint } from '../results/model.js';
import type { SloMetric, SloObjective, SloSpec } from '../scenario/types.js';

/** Above this share of failed requests no SLO is met, whatever its objectives (the p99 of all requests already counts errors as slowest). */
export const MAX_ERROR_RATE = 0.01;

/** The objectives of an SLO: as stated, or the p99 of all requests within `p99Ms`. */
export function sloObjectives(slo: SloSpec): SloObjective[] {
  return slo.objectives?.length ? slo.objectives : [{ metric: 'p99', max: slo.p99Ms }];
}

/** The figure of a point an objective bounds; Infinity where the point could not give it (p99 with more than 1 % errors). */
export function pointFigure(p: SimulatedPoint, metric: SloMetric): number {
  switch (metric) {
    case 'p99':
      return p.p99Ms < 0 ? Infinity : p.p99Ms;
    case 'warm.p99':
      return p.warmP99Ms ?? Infinity;
    case 'cold.p99':
      return p.coldP99Ms ?? Infinity;
    case 'coldStart.rate':
      return p.coldStartRate;
    case 'errors.rate':
      return p.errorRate ?? Infinity;
  }
}

/** Objectives a point breaks (empty: it meets the SLO). */
export function brokenObjectives(p: SimulatedPoint, objectives: readonly SloObjective[]): SloObjective[] {
  const broken = objectives.filter((o) => !(pointFigure(p, o.metric) <= o.max));
  const errors = p.errorRate ?? 0;
  if (errors > MAX_ERROR_RATE && !broken.some((o) => o.metric === 'errors.rate')) broken.push({ metric: 'errors.rate', max: MAX_ERROR_RATE });
  return broken;
}

const NAMES: Record<SloMetric, string> = { p99: 'p99 of all requests', 'warm.p99': 'warm p99', 'cold.p99': 'cold-start p99', 'coldStart.rate': 'cold-start rate', 'errors.rate': 'error rate' };

/** One objective in words: `warm p99 ≤ 20 ms`, `cold-start rate ≤ 5 %`. */
export function objectiveText(o: SloObjective): string {
  const bound = o.metric.endsWith('.rate') ? `${+(o.max * 100).toPrecision(3)} %` : `${+o.max.toPrecision(4)} ms`;
  return `${NAMES[o.metric]} ≤ ${bound}`;
}

/** How the SLO is stated, for a report: "p99 of all requests ≤ 50 ms" or "warm p99 ≤ 20 ms, cold-start p99 ≤ 400 ms and cold-start rate ≤ 5 %". */
export function sloText(objectives: readonly SloObjective[]): string {
  const parts = objectives.map(objectiveText);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** The form the scenario chose, named the way platforms name it. */
export function sloForm(objectives: readonly SloObjective[]): 'all requests' | 'warm p99 plus a cold-start budget' | 'custom' {
  const m = new Set(objectives.map((o) => o.metric));
  if (m.size === 1 && m.has('p99')) return 'all requests';
  if (m.has('warm.p99') && (m.has('cold.p99') || m.has('coldStart.rate')) && !m.has('p99')) return 'warm p99 plus a cold-start budget';
  return 'custom';
}
