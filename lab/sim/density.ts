/**
 * Density: the most tenants one modelled host holds while every SLO objective holds
 * (lab/sim/slo.ts), with the resource that stops it. Each added tenant brings the scenario's mean
 * per-tenant rate, and the popularity law spreads the traffic over the larger population; the
 * search simulates tenant counts (doubling from `tenants.count`, then bisecting) until the
 * boundary is known to within `DENSITY_RESOLUTION` of its value.
 *
 * The search has no arbitrary ceiling. It grows until a probe fails, or until the host's
 * capacity is provably exceeded: past the tenant count whose offered CPU (per-tenant rate x the
 * least CPU a request needs) fills every core, the queue cannot be stable, whatever the
 * simulator says over a finite window. Only a scenario's own `simulate.maxTenants` stops it
 * earlier, and then the answer is named a lower bound.
 */
import type { BindingResource, DensityAnswer, DensityBinding, DensityResult, SimulatedPoint } from '../results/model.js';
import type { RuntimeSpec, Scenario, SloObjective } from '../scenario/types.js';
import type { RuntimeCalibration } from './calibration.js';
import type { QuantileTable } from './empirical.js';
import { modelledHost, type ModelledOverrides } from './modelled.js';
import { simulateRuntime } from './simulate.js';
import { brokenObjectives, objectiveText, sloForm, sloObjectives, sloText } from './slo.js';

/** Relative width of the final bracket: the answer is within 2 % of the true boundary of the simulated curve. */
export const DENSITY_RESOLUTION = 0.02;

/** Busy share of the cores at which a failing probe counts as CPU-bound, whatever it broke. */
export const CPU_BOUND_UTILISATION = 0.8;
/**
 * Busy share above which a broken warm latency is the cores' contention (processor sharing slows
 * every request once jobs overlap); below it, requests wait behind their own tenant's busy
 * instances (the per-tenant cap) with cores to spare: queueing.
 */
export const CPU_CONTENDED_UTILISATION = 0.5;

/** Evaluates one tenant count; injectable so the search's logic is testable without simulating. */
export type DensityProbe = (tenants: number) => SimulatedPoint;

/** Where the search may stop without a failing probe. */
export interface SearchBound {
  tenants: number;
  /** `cpu`: the offered load fills the cores there (provable); `search bound`: the scenario's `simulate.maxTenants`. */
  reason: 'cpu' | 'search bound';
  /** The sentence a report prints when the search stops at the bound. */
  detail: string;
}

/** What the search found, before its binding resource is named. */
export interface SearchOutcome {
  tenants: number;
  point: SimulatedPoint | null;
  probes: SimulatedPoint[];
  /** The lowest failing probe above the answer; null when the search stopped at its bound. */
  failed: SimulatedPoint | null;
}

/**
 * The search itself, over any probe. Assumes "meets the SLO" is monotone in the tenant count
 * (more tenants, more load, more evictions); every probe is returned so a report can show the
 * curve and a reader can see where noise broke that assumption.
 */
export function searchDensity(probe: DensityProbe, start: number, bound: number): SearchOutcome {
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
  const max = Math.max(1, Math.floor(bound));
  let lo = 0;
  let loPoint: SimulatedPoint | null = null;
  let hi = Math.max(1, Math.min(start, max));
  // Grow while the SLO holds.
  while (at(hi).sloMet) {
    lo = hi;
    loPoint = at(hi);
    if (hi >= max) return { tenants: lo, point: loPoint, probes: sorted(probes), failed: null };
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
  return { tenants: lo, point: loPoint, probes: sorted(probes), failed: at(hi) };
}

function sorted(ps: SimulatedPoint[]): SimulatedPoint[] {
  return [...ps].sort((a, b) => a.tenants - b.tenants);
}

const pct = (x: number): string => `${+(x * 100).toPrecision(3)} %`;

/**
 * The resource a failing probe ran out of, from what the probe measured: the cores when they
 * were busy most of the time, or half of it with a warm latency broken; memory when instances were evicted to make room (each
 * eviction turns a later warm request cold); cold-start capacity when the objectives it broke
 * are cold-start ones, or the all-request p99 while warm requests were within it; otherwise
 * queueing (requests waiting behind their tenant's busy instances with cores to spare).
 */
export function bindingOf(failed: SimulatedPoint, objectives: readonly SloObjective[]): DensityBinding {
  const broken = brokenObjectives(failed, objectives);
  const util = failed.cpuUtilisation ?? 0;
  const evictions = failed.memoryEvictions ?? 0;
  const metrics = new Set(broken.map((o) => o.metric));
  const p99Bound = objectives.find((o) => o.metric === 'p99')?.max;
  const warmWithin = failed.warmP99Ms !== undefined && p99Bound !== undefined && failed.warmP99Ms <= p99Bound;
  const latencyBroken = metrics.has('warm.p99') || (metrics.has('p99') && !warmWithin);
  let resource: BindingResource;
  if (util >= CPU_BOUND_UTILISATION || (latencyBroken && util >= CPU_CONTENDED_UTILISATION)) resource = 'cpu';
  else if (evictions > 0) resource = 'memory';
  else if (metrics.has('cold.p99') || metrics.has('coldStart.rate') || (metrics.has('p99') && warmWithin)) resource = 'cold-start capacity';
  else resource = 'queueing';
  const facts = [
    `CPU ${pct(util)} busy`,
    `${evictions.toLocaleString('en-US')} memory evictions`,
    // Peak memory counts the runtime's fixed cost (engine, host process); the budget is the
    // instances' share only, so the two are named apart rather than read as "X of Y".
    `peak memory ${(failed.peakMemoryBytes / 2 ** 30).toPrecision(3)} GiB with the runtime's fixed cost${failed.memoryBudgetBytes ? `, instances held to a ${(failed.memoryBudgetBytes / 2 ** 30).toPrecision(3)} GiB budget` : ''}`,
    `cold-start rate ${pct(failed.coldStartRate)}`,
  ];
  const brokenText = broken.map(objectiveText);
  return { resource, failedAt: failed.tenants, broken: brokenText, detail: `at ${failed.tenants.toLocaleString('en-US')} tenants the SLO breaks (${brokenText.join('; ') || 'no objective named'}): ${facts.join(', ')}` };
}

/** Mean of a quantile table (evenly spaced probabilities: the trapezoid rule). */
function tableMean(t: QuantileTable): number {
  const q = t.quantilesMs;
  if (q.length === 0) return 0;
  if (q.length === 1) return q[0]!;
  let sum = 0;
  for (let i = 1; i < q.length; i++) sum += (q[i - 1]! + q[i]!) / 2;
  return sum / (q.length - 1);
}

/** CPU ms a warm request of the mix needs at least (its calibrated service time's CPU share), weighted by the mix. */
export function meanWarmCpuMs(s: Scenario, rc: RuntimeCalibration): number {
  let cpu = 0;
  for (const m of s.tenants.mix) {
    const w = rc.workloads[m.workload];
    if (w) cpu += m.weight * tableMean(w.warmServiceMs) * w.warmCpuShare;
  }
  return cpu;
}

/**
 * The tenant count past which the host's capacity is provably exceeded: the offered CPU of
 * warm requests alone (a lower bound of the real demand) reaches every core. The scenario's
 * `simulate.maxTenants`, when lower, stops the search first.
 */
export function searchBound(s: Scenario, rc: RuntimeCalibration, perTenantRate: number): SearchBound {
  const cpuMs = meanWarmCpuMs(s, rc);
  const capacity = cpuMs > 0 && perTenantRate > 0 ? Math.ceil((s.host.cores * 1000) / (perTenantRate * cpuMs)) : Infinity;
  const asked = s.simulate?.maxTenants;
  if (asked !== undefined && asked < capacity)
    return { tenants: asked, reason: 'search bound', detail: `the SLO still holds at simulate.maxTenants (${asked.toLocaleString('en-US')} tenants), where the scenario stops the search: a lower bound` };
  if (!Number.isFinite(capacity)) throw new RangeError(`density: no CPU per request is calibrated for ${rc.label}, so no capacity bound exists; set simulate.maxTenants`);
  return {
    tenants: capacity,
    reason: 'cpu',
    detail: `offered CPU fills the host's ${s.host.cores} cores at ${capacity.toLocaleString('en-US')} tenants (${perTenantRate.toPrecision(3)} req/s each x ${cpuMs.toPrecision(3)} ms of CPU per warm request): no more can be served`,
  };
}

/** One runtime's density under one set of overrides (a keep-alive policy). */
export function densityAnswer(scenario: Scenario, spec: RuntimeSpec, calibration: RuntimeCalibration, base: ModelledOverrides = {}): DensityAnswer {
  const full = modelledHost(scenario, base);
  const bound = searchBound(scenario, calibration, full.rate / full.tenants);
  const objectives = sloObjectives(scenario.slo);
  const probe: DensityProbe = (n) => simulateRuntime(modelledHost(scenario, { ...base, tenants: n }), calibration, spec).point;
  const found = searchDensity(probe, scenario.tenants.count, bound.tenants);
  const binding = found.failed ? bindingOf(found.failed, objectives) : { resource: bound.reason, failedAt: bound.tenants, broken: [], detail: bound.detail };
  return { tenants: found.tenants, point: found.point, probes: found.probes, binding };
}

/**
 * Density per runtime label of the scenario, simulated with each label's calibration. With
 * `simulate.densityIdleTimeouts`, each keep-alive idle timeout is searched and the runtime's
 * best policy is its answer (the others kept beside it), so a policy is found, not assumed.
 */
export function densityOf(scenario: Scenario, runtimes: { spec: RuntimeSpec; calibration: RuntimeCalibration }[], base: ModelledOverrides = {}): DensityResult {
  const full = modelledHost(scenario, base);
  const objectives = sloObjectives(scenario.slo);
  const out: DensityResult = { sloP99Ms: scenario.slo.p99Ms, slo: sloText(objectives), sloForm: sloForm(objectives), perTenantRate: full.rate / full.tenants, runtimes: {} };
  const idles = scenario.simulate?.densityIdleTimeouts;
  for (const { spec, calibration } of runtimes) {
    if (!idles?.length) {
      out.runtimes[spec.label] = densityAnswer(scenario, spec, calibration, base);
      continue;
    }
    const policies = idles.map((idleTimeoutSeconds) => ({ idleTimeoutSeconds, ...densityAnswer(scenario, spec, calibration, { ...base, idleTimeoutSeconds }) }));
    // Ties go to the shorter timeout: the same tenants for less idle memory.
    const best = policies.reduce((a, b) => (b.tenants > a.tenants ? b : a));
    out.runtimes[spec.label] = { ...best, policies };
  }
  return out;
}
