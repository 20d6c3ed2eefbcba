/**
 * Density: the most tenants one modelled host holds while the p99 of all requests stays within
 * the scenario's SLO. Each added tenant brings the scenario's mean per-tenant rate, and the
 * popularity law spreads the traffic over the larger population; the search simulates tenant
 * counts (doubling from `tenants.count`, then bisecting) until the boundary is known to within
 * `DENSITY_RESOLUTION` of its value.
 */
import type { DensityResult, SimulatedPoint } from '../results/model.js';
import type { RuntimeSpec, Scenario } from '../scenario/types.js';
import type { RuntimeCalibration } from './calibration.js';
import { maxDensityTenants, modelledHost, type ModelledOverrides } from './modelled.js';
import { simulateRuntime } from './simulate.js';

/** Relative width of the final bracket: the answer is within 2 % of the true boundary of the simulated curve. */
export const DENSITY_RESOLUTION = 0.02;

/** Evaluates one tenant count; injectable so the search's logic is testable without simulating. */
export type DensityProbe = (tenants: number) => SimulatedPoint;

/**
 * The search itself, over any probe. Assumes "meets the SLO" is monotone in the tenant count
 * (more tenants, more load, more evictions); every probe is returned so a report can show the
 * curve and a reader can see where noise broke that assumption.
 */
export function searchDensity(probe: DensityProbe, start: number, max: number): { tenants: number; atLimit: boolean; point: SimulatedPoint | null; probes: SimulatedPoint[] } {
  const probes: SimulatedPoint[] = [];
  const seen = new Map<number, SimulatedPoint>();
  const at = (n: number): SimulatedPoint => {
    let p = seen.get(n);
    if (!p) {
      p = probe(n);
      seen.set(n, p);
      probes.push(p);
    }
    return p;
  };
  let lo = 0;
  let loPoint: SimulatedPoint | null = null;
  let hi = Math.max(1, Math.min(start, max));
  // Grow while the SLO holds.
  while (at(hi).sloMet) {
    lo = hi;
    loPoint = at(hi);
    if (hi >= max) return { tenants: lo, atLimit: true, point: loPoint, probes: sorted(probes) };
    hi = Math.min(max, hi * 2);
  }
  // lo meets (or is 0), hi fails: bisect.
  while (hi - lo > Math.max(1, Math.floor(lo * DENSITY_RESOLUTION))) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid).sloMet) {
      lo = mid;
      loPoint = at(mid);
    } else hi = mid;
  }
  return { tenants: lo, atLimit: false, point: loPoint, probes: sorted(probes) };
}

function sorted(ps: SimulatedPoint[]): SimulatedPoint[] {
  return [...ps].sort((a, b) => a.tenants - b.tenants);
}

/** Density per runtime label of the scenario, simulated with each label's calibration. */
export function densityOf(scenario: Scenario, runtimes: { spec: RuntimeSpec; calibration: RuntimeCalibration }[], base: ModelledOverrides = {}): DensityResult {
  const full = modelledHost(scenario, base);
  const out: DensityResult = { sloP99Ms: scenario.slo.p99Ms, perTenantRate: full.rate / full.tenants, runtimes: {} };
  for (const { spec, calibration } of runtimes) {
    const probe: DensityProbe = (n) => simulateRuntime(modelledHost(scenario, { ...base, tenants: n }), calibration, spec).point;
    out.runtimes[spec.label] = searchDensity(probe, scenario.tenants.count, maxDensityTenants(scenario));
  }
  return out;
}
