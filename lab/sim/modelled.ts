/**
 * Which traffic the simulator runs: either the live run itself (a *live replica*, for
 * validation: the live tenants, rate, cores and budget) or the *modelled host* (every
 * `tenants.count` tenant at the modelled rate on `host.cores` and `host.memoryGiB`). Both are
 * expressed as an ordinary `Scenario`, so the schedule comes from the same `openSchedule` the
 * live load generator uses: the modelled host is a scenario whose live slice is everyone.
 */
import { InputError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { rankShares } from '../traffic/popularity.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** The traffic one simulation runs and the host it runs on. */
export interface SimTarget {
  /** The scenario whose schedule is simulated (live.tenants = simulated tenants). */
  scenario: Scenario;
  tenants: number;
  rate: number;
  warmupSeconds: number;
  durationSeconds: number;
  cores: number;
  /** The instances' memory budget given the runtime's fixed overhead, bytes; 0 = unlimited. */
  memoryBudgetBytes(fixedOverheadBytes: number): number;
  /** Simulations of this target, each with its own simulator streams over the same schedule (results hold one run per repetition). */
  repetitions: number;
  /** Whether this is the live replica (validation) or the modelled host. */
  mode: 'live-replica' | 'modelled';
}

/**
 * Share of the modelled population's traffic that the live tenants (the most popular
 * `live.tenants`) receive under a rank popularity law; trace popularity has no population law,
 * so its live slice counts as `live / count` of the traffic.
 */
export function liveTrafficShare(s: Scenario): number {
  const p = s.tenants.popularity;
  if (p.type === 'trace') return s.live.tenants / s.tenants.count;
  const shares = rankShares(p, s.tenants.count);
  let sum = 0;
  for (let i = 0; i < s.live.tenants; i++) sum += shares[i] as number;
  return sum;
}

/**
 * The modelled host's rate when the scenario does not state it: the live tenants keep the
 * per-tenant rates they had live, and the rest of the population gets the rates the popularity
 * law gives their ranks, i.e. `traffic.rate / liveTrafficShare`.
 */
export function defaultModelledRate(s: Scenario): number {
  return s.traffic.rate / liveTrafficShare(s);
}

/** How many times validation simulates the live replica, each time with its own simulator streams. */
export const REPLICA_REPETITIONS = 10;

/**
 * The live run itself, on the measuring machine's cores: what validation compares against.
 * Every repetition serves the very schedule the live run sent (the same arrivals, tenants and
 * forced misses), each with its own draws of service and activation times: the simulated
 * figures then carry a fraction of the simulator's own noise, and none of a different traffic
 * sample (continuing the schedule instead gave the churn case 1 point more cold starts than its
 * first 180 s had, on every runner alike: the traffic's luck, not the model's error).
 */
export function liveReplica(s: Scenario, liveCores: number, repetitions = 1): SimTarget {
  if (!(liveCores >= 1)) throw new InputError(`live replica needs the live machine's core count, got ${liveCores}`);
  if (!(Number.isInteger(repetitions) && repetitions >= 1)) throw new RangeError(`live replica repetitions must be a whole number >= 1, got ${repetitions}`);
  return {
    scenario: s,
    tenants: s.live.tenants,
    rate: s.traffic.rate,
    warmupSeconds: s.traffic.warmupSeconds,
    durationSeconds: s.traffic.durationSeconds,
    repetitions,
    cores: liveCores,
    // The live pool's budget counts instances only; 0 means unlimited there too.
    memoryBudgetBytes: () => s.keepAlive.memoryBudgetMiB * MIB,
    mode: 'live-replica',
  };
}

/** Changes a sweep point or a density probe makes to the modelled host. */
export interface ModelledOverrides {
  tenants?: number;
  rate?: number;
  instanceMissRate?: number;
  idleTimeoutSeconds?: number;
  memoryBudgetMiB?: number;
}

/**
 * The modelled host: `tenants.count` tenants (or the override) at the modelled rate. When the
 * tenant count is overridden without a rate, the mean per-tenant rate stays that of the
 * scenario, so more tenants bring proportionally more traffic (the density search's premise).
 * Warm-up is at least one keep-alive timeout, so the instance population reaches its steady
 * state before measurement starts.
 */
export function modelledHost(s: Scenario, o: ModelledOverrides = {}): SimTarget {
  const sim = s.simulate ?? {};
  const baseRate = sim.rate ?? defaultModelledRate(s);
  const tenants = o.tenants ?? s.tenants.count;
  if (!Number.isInteger(tenants) || tenants < 1) throw new InputError(`simulated tenant count must be a whole number >= 1, got ${tenants}`);
  const rate = o.rate ?? (baseRate * tenants) / s.tenants.count;
  if (!(rate > 0)) throw new InputError(`simulated rate must be > 0, got ${rate}`);
  const idleTimeoutSeconds = o.idleTimeoutSeconds ?? s.keepAlive.idleTimeoutSeconds;
  const warmupSeconds = sim.warmupSeconds ?? Math.max(s.traffic.warmupSeconds, idleTimeoutSeconds);
  const durationSeconds = sim.durationSeconds ?? (sim.requests !== undefined ? sim.requests / baseRate : s.traffic.durationSeconds);
  const budgetMiB = o.memoryBudgetMiB ?? sim.memoryBudgetMiB ?? s.keepAlive.memoryBudgetMiB;
  const scenario: Scenario = {
    ...s,
    live: { tenants },
    tenants: { ...s.tenants, count: tenants },
    traffic: { ...s.traffic, rate, warmupSeconds, durationSeconds },
    cache: { ...s.cache, instanceMissRate: o.instanceMissRate ?? s.cache.instanceMissRate },
    keepAlive: { ...s.keepAlive, idleTimeoutSeconds, memoryBudgetMiB: budgetMiB },
  };
  return {
    scenario,
    tenants,
    rate,
    warmupSeconds,
    durationSeconds,
    repetitions: 1,
    cores: s.host.cores,
    // An explicit budget holds; otherwise the host's memory less the runtime's fixed cost.
    memoryBudgetBytes: (fixed) => (budgetMiB > 0 ? budgetMiB * MIB : Math.max(1, s.host.memoryGiB * GIB - fixed)),
    mode: 'modelled',
  };
}
