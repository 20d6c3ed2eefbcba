/**
 * Cost (scenario `cost`): density turned into hosts and money, per runtime. Tenants per host
 * come from the simulated density at the SLO when the run was simulated, else from the
 * memory-bound density of the live run (`memory.density`, host memory over RAM per instance, no
 * latency objective); its interval is carried through to every figure. Every input the figures
 * rest on that the lab did not measure is named in `assumptions`.
 */
import type { RunResult } from '../lab/results/model.js';
import type { BootstrapOptions } from '../lab/stats/estimate.js';
import { estimateMetric, findMetric } from '../lab/stats/metrics.js';

/** Hours in an average month (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** A figure with its interval (equal ends when the density behind it is a point). */
export interface Span {
  value: number;
  lo: number;
  hi: number;
}

export interface CostRow {
  label: string;
  /** Tenants per host, and where the figure comes from. */
  tenantsPerHost: Span;
  source: 'simulated at the SLO' | 'memory-bound';
  /** The simulated search stopped at its ceiling: the density is a lower bound, the costs upper bounds. */
  atCeiling: boolean;
  hostsPerPop: Span;
  fleetHosts: Span;
  fleetPerMonth: Span;
  perMillionRequests: Span;
  perTenantMonth: Span;
}

export interface CostTable {
  currency: string;
  hostPerHour: number;
  pops: number;
  tenants: number;
  /** Mean requests per second of one tenant the figures assume. */
  perTenantRate: number;
  rows: CostRow[];
  /** Inputs the figures rest on that this run did not measure, in words. */
  assumptions: string[];
}

/** A decreasing function of density over its interval: the ends swap. */
const inverse = (d: Span, f: (x: number) => number): Span => ({ value: f(d.value), lo: f(d.hi), hi: f(d.lo) });

function row(label: string, density: Span, source: CostRow['source'], atCeiling: boolean, t: Omit<CostTable, 'rows' | 'assumptions' | 'currency'>): CostRow {
  const perHost = (x: number): number => Math.ceil(t.tenants / x);
  const hostsPerPop = inverse(density, (x) => (x > 0 ? perHost(x) : Infinity));
  const times = (s: Span, k: number): Span => ({ value: s.value * k, lo: s.lo * k, hi: s.hi * k });
  return {
    label,
    tenantsPerHost: density,
    source,
    atCeiling,
    hostsPerPop,
    fleetHosts: times(hostsPerPop, t.pops),
    fleetPerMonth: times(hostsPerPop, t.pops * t.hostPerHour * HOURS_PER_MONTH),
    perMillionRequests: inverse(density, (x) => (x > 0 ? (t.hostPerHour / (x * t.perTenantRate * 3600)) * 1e6 : Infinity)),
    perTenantMonth: inverse(density, (x) => (x > 0 ? (t.hostPerHour * HOURS_PER_MONTH) / x : Infinity)),
  };
}

/** The density is a lower bound: the search stopped at the scenario's own bound (or, in older results, at its ceiling). */
export const lowerBound = (d: { atLimit?: boolean; binding?: { resource: string } }): boolean => d.atLimit === true || d.binding?.resource === 'search bound';

/** The cost table of a result, or undefined when its scenario gives no price. */
export function costTable(result: RunResult, labels: string[], opts: BootstrapOptions, simulated?: RunResult): CostTable | undefined {
  const s = result.scenario.resolved;
  if (!s.cost) return undefined;
  const density = simulated?.density;
  const perTenantRate = density?.perTenantRate ?? s.traffic.rate / s.live.tenants;
  const t = { hostPerHour: s.cost.hostPerHour, pops: s.cost.pops, tenants: s.tenants.count, perTenantRate };
  const metric = findMetric('memory.density')!;
  const rows = labels.flatMap((label): CostRow[] => {
    const sim = density?.runtimes[label];
    if (sim) return [row(label, { value: sim.tenants, lo: sim.tenants, hi: sim.tenants }, 'simulated at the SLO', lowerBound(sim), t)];
    const e = estimateMetric(result, label, metric, opts);
    if (!Number.isFinite(e.value)) return [];
    return [row(label, { value: e.value, lo: e.lo ?? e.value, hi: e.hi ?? e.value }, 'memory-bound', false, t)];
  });
  const assumptions = [
    `host price ${s.cost.hostPerHour} ${s.cost.currency} per hour and ${s.cost.pops} PoP${s.cost.pops === 1 ? '' : 's'}, as the scenario states them`,
    `each PoP carries all ${s.tenants.count.toLocaleString('en-US')} modelled tenants (tenants.count) on hosts like the modelled one (${s.host.memoryGiB} GiB, ${s.host.cores} cores), billed every hour of a ${HOURS_PER_MONTH}-hour month`,
    density
      ? `${perTenantRate.toPrecision(3)} requests per second per tenant, as the simulated density search held it`
      : `${perTenantRate.toPrecision(3)} requests per second per tenant: the live run's mean (traffic.rate / live.tenants), taken to hold for every tenant`,
    ...(rows.some((r) => r.source === 'memory-bound') ? ['memory-bound tenants per host: host memory over RAM per instance, at no latency objective and with every tenant holding one instance (simulate the scenario for the density at its SLO)'] : []),
    ...(rows.some((r) => r.atCeiling) ? ["a density at the simulator's search ceiling is a lower bound: its costs are upper bounds"] : []),
  ];
  return { currency: s.cost.currency, ...t, rows, assumptions };
}
