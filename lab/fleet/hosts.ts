/**
 * How many hosts one PoP needs on one runtime: the fewest hosts h such that one host carrying
 * ceil(tenants / h) of the PoP's tenants (at the PoP's per-tenant rate, its mix and its time of
 * day) meets every SLO objective. This is the density search of lab/sim/density.ts asked the
 * PoP's own question: the tenant counts tried are those an integer host count gives, so the
 * answer is exact in hosts and the search stops as soon as it is (one host, when the PoP fits).
 * It starts at the host count the CPU capacity bound allows, doubles while the SLO breaks, then
 * bisects. Like density, it assumes "meets the SLO" is monotone in tenants per host; every
 * probe is kept so a reader can see the search.
 */
import type { DensityBinding, FleetPopRuntime } from '../results/model.js';
import type { RuntimeSpec, Scenario } from '../scenario/types.js';
import type { RuntimeCalibration } from '../sim/calibration.js';
import { bindingOf, meanWarmCpuMs } from '../sim/density.js';
import { modelledHost } from '../sim/modelled.js';
import type { FastLatency } from '../sim/sim-result.js';
import { simulateRuntimePoint } from '../sim/simulate.js';
import type { SimulatedPoint } from '../results/model.js';
import { sloObjectives } from '../sim/slo.js';
import { hostsCost } from './cost.js';

/** One runtime's answer at one PoP and its operating host's latency (null when no host count serves the PoP: even a host of one tenant per workload of the mix breaks the SLO). */
export interface HostsOutcome {
  answer: FleetPopRuntime;
  latency: FastLatency | null;
}

/**
 * Measured requests a probe simulates at least: a host with little traffic is simulated longer
 * than the fleet's window, so its p99 rests on ten requests above it and its cold-start rate
 * on more than its tenants' first requests. Without it, splitting a PoP into ever smaller hosts
 * "met" the SLO only because a few seconds of a few tenants hold no request to break it.
 */
export const MIN_MEASURED_REQUESTS = 1000;

/**
 * CPU one request needs at least, ms, over the mix: a warm request's CPU share of its service
 * time, and for the forced misses (`cache.instanceMissRate`, cold whatever the policy) an
 * activation's CPU instead (its measured CPU and the engine's on its path, as the loop charges
 * it, and the reserve refill it triggers). Tighter than density's bound (warm requests only),
 * still a lower bound: other cold starts and the engine's removals only add to it. It keeps the
 * search from probing host counts whose cores cannot keep up, the slowest probes to simulate.
 */
export function cpuPerRequestMs(s: Scenario, rc: RuntimeCalibration): number {
  const m = s.cache.instanceMissRate;
  let activation = 0;
  for (const e of s.tenants.mix) {
    const acts = rc.workloads[e.workload]?.activations ?? [];
    if (acts.length === 0) continue;
    const mean = acts.reduce((a, x) => a + (x.cpuMs === null ? x.wallMs : Math.min(x.cpuMs + x.engineCpuMs, x.wallMs)), 0) / acts.length;
    activation += e.weight * (mean + (rc.engine?.fillCpuMsPerActivation ?? 0));
  }
  return (1 - m) * meanWarmCpuMs(s, rc) + m * activation;
}

/** Inputs: the PoP's scenario (lab/fleet/pop-scenario.ts), one runtime, its calibration, and its host price if any. */
export function hostsFor(scenario: Scenario, spec: RuntimeSpec, rc: RuntimeCalibration, hostPerHour: number | undefined): HostsOutcome {
  const T = scenario.tenants.count;
  const rate = scenario.simulate!.rate!;
  const objectives = sloObjectives(scenario.slo);
  const cpuMs = cpuPerRequestMs(scenario, rc);
  if (!(cpuMs > 0)) throw new RangeError(`fleet: no CPU per request is calibrated for ${rc.label}, so no host count is bounded`);
  // Tenants whose offered CPU fills one host's cores: no host can carry more.
  const capacity = Math.floor((scenario.host.cores * 1000) / ((rate / T) * cpuMs));
  const minHosts = Math.max(1, Math.ceil(T / Math.max(1, capacity)));
  // Points by tenants per host (two host counts can give the same); histograms only of the
  // meeting probe with the most tenants per host so far: the operating host once the search ends.
  const points = new Map<number, SimulatedPoint>();
  let kept: { tenants: number; latency: FastLatency } | undefined;
  const probes: FleetPopRuntime['probes'] = [];
  let simulatedRequests = 0;
  const perHost = (h: number): number => Math.ceil(T / h);
  /** The scenario of a host of n tenants: the fleet's window, longer if it would hold fewer than MIN_MEASURED_REQUESTS. */
  const probeScenario = (n: number): Scenario => {
    const hostRate = (rate * n) / T;
    const window = scenario.simulate!.durationSeconds!;
    return hostRate * window >= MIN_MEASURED_REQUESTS ? scenario : { ...scenario, simulate: { ...scenario.simulate, durationSeconds: Math.ceil(MIN_MEASURED_REQUESTS / hostRate) } };
  };
  const at = (h: number): { point: SimulatedPoint } => {
    const n = perHost(h);
    let point = points.get(n);
    if (!point) {
      const s = simulateRuntimePoint(modelledHost(probeScenario(n), { tenants: n }), rc);
      point = s.point;
      points.set(n, point);
      simulatedRequests += s.simulatedRequests;
      if (point.sloMet && (!kept || n > kept.tenants)) kept = { tenants: n, latency: s.latency };
    }
    if (!probes.some((p) => p.hosts === h)) probes.push({ hosts: h, tenantsPerHost: n, sloMet: point.sloMet });
    return { point };
  };

  // A host carries at least one tenant per workload of the PoP's mix: fewer could not hold the
  // mix at all (a one-tenant host runs one workload), and "meets the SLO" there would say which
  // workload it drew, not what the runtime does.
  const floorTenants = Math.min(T, scenario.tenants.mix.length);
  const maxHosts = Math.max(1, Math.floor(T / floorTenants));
  // Fails at `lo` hosts (0: none known to fail), meets at `hi`.
  let lo = Math.min(minHosts, maxHosts) - 1;
  let hi = Math.min(minHosts, maxHosts);
  // The smallest host first, the cheapest probe: when even it breaks the SLO no host count
  // serves the PoP, and the search need not climb there through the heavy probes.
  const smallest = at(maxHosts).point.sloMet ? undefined : maxHosts;
  if (smallest !== undefined) hi = smallest;
  while (!at(hi).point.sloMet) {
    if (hi >= maxHosts) {
      const b = bindingOf(at(hi).point, objectives);
      return {
        answer: {
          hosts: null,
          tenantsPerHost: null,
          point: null,
          failedTenantsPerHost: perHost(hi),
          binding: { ...b, detail: `no host count serves the PoP: even ${perHost(hi).toLocaleString('en-US')} tenants per host (at least one per workload of its mix) break the SLO; ${b.detail}` },
          probes: sortedProbes(probes),
          costPerHour: null,
          perMillionRequests: null,
          perTenantMonth: null,
          simulatedRequests,
        },
        latency: null,
      };
    }
    lo = hi;
    hi = Math.min(hi * 2, maxHosts);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid).point.sloMet) hi = mid;
    else lo = mid;
  }
  // Fewer hosts carrying as many tenants each are the same host: take the fewest.
  while (hi > 1 && perHost(hi - 1) === perHost(hi)) hi--;
  lo = Math.min(lo, hi - 1);
  const op = at(hi);
  const below = lo >= 1 ? points.get(perHost(lo)) : undefined;
  const failed = below && !below.sloMet ? below : undefined;
  let binding: DensityBinding;
  if (failed) binding = bindingOf(failed, objectives);
  else if (hi === 1) binding = { resource: 'search bound', failedAt: T, broken: [], detail: `one host carries all ${T.toLocaleString('en-US')} tenants within the SLO: the PoP needs no more (its density is at least that)` };
  else binding = { resource: 'cpu', failedAt: perHost(hi - 1), broken: [], detail: `with ${hi - 1} host${hi - 1 === 1 ? '' : 's'}, ${perHost(hi - 1).toLocaleString('en-US')} tenants each would offer more CPU than a host's ${scenario.host.cores} cores (${(rate / T).toPrecision(3)} req/s each x at least ${cpuMs.toPrecision(3)} ms of CPU per request: at most ${capacity.toLocaleString('en-US')} tenants)` };
  const cost = hostPerHour !== undefined ? hostsCost(hi, hostPerHour, T, rate) : undefined;
  return {
    answer: {
      hosts: hi,
      tenantsPerHost: perHost(hi),
      point: op.point,
      failedTenantsPerHost: failed ? perHost(lo) : binding.resource === 'cpu' ? binding.failedAt : null,
      binding,
      probes: sortedProbes(probes),
      costPerHour: cost?.costPerHour ?? null,
      perMillionRequests: cost?.perMillionRequests ?? null,
      perTenantMonth: cost?.perTenantMonth ?? null,
      simulatedRequests,
    },
    // Kept from the search; simulated again (the same seed, the same run) only if noise made another probe the last kept.
    latency: kept && kept.tenants === perHost(hi) ? kept.latency : simulateRuntimePoint(modelledHost(probeScenario(perHost(hi)), { tenants: perHost(hi) }), rc).latency,
  };
}

function sortedProbes(ps: FleetPopRuntime['probes']): FleetPopRuntime['probes'] {
  return [...ps].sort((a, b) => a.hosts - b.hosts);
}
