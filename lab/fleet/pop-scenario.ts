/**
 * A PoP of the fleet as an ordinary scenario: the base scenario's runtimes, keep-alive, cache,
 * limits and SLO, with the PoP's tenants, mix, host, rate, seed and time zone. The simulator
 * then runs it as it runs any modelled host (lab/sim/modelled.ts), so a fleet has no simulator
 * of its own.
 */
import type { ArrivalSpec, Scenario } from '../scenario/types.js';
import type { FleetDiurnal, LoadedFleet, PopSpec } from './types.js';

/** The simulated window of every probe: the fleet's `simulate`, else the base scenario's modelled-host window. */
export function fleetWindow(loaded: LoadedFleet): { warmupSeconds: number; durationSeconds: number } {
  const f = loaded.fleet.simulate;
  const b = loaded.base.scenario;
  return {
    warmupSeconds: f.warmupSeconds ?? b.simulate?.warmupSeconds ?? Math.max(b.traffic.warmupSeconds, b.keepAlive.idleTimeoutSeconds),
    durationSeconds: f.durationSeconds ?? b.simulate?.durationSeconds ?? b.traffic.durationSeconds,
  };
}

/** Runtime labels the fleet simulates, in the fleet's order (default: the base scenario's). */
export function fleetRuntimeLabels(loaded: LoadedFleet): string[] {
  return loaded.fleet.runtimes ?? loaded.base.scenario.runtimes.map((r) => r.label);
}

/**
 * The phase of the diurnal curve for a PoP `utcOffsetHours` from UTC, seconds. The measured
 * window starts at `warmupSeconds` of the schedule, at `startUtcHour` UTC; the local hour at
 * schedule time t is then startUtcHour + offset + 24 (t - warm-up) / period, and the rate peaks
 * at `peakLocalHour`: rate x (1 + amplitude cos(2 pi (local - peak) / 24)), which is the arrival
 * process's sine shifted by this phase.
 */
export function diurnalPhaseSeconds(d: FleetDiurnal, utcOffsetHours: number, warmupSeconds: number): number {
  const P = d.periodSeconds;
  const phase = (P * (d.startUtcHour + utcOffsetHours - d.peakLocalHour)) / 24 - warmupSeconds + P / 4;
  const wrapped = phase % P;
  return Number((wrapped < 0 ? wrapped + P : wrapped).toFixed(6));
}

/** The scenario one PoP simulates. Its memory budget is its host's (memory less the runtime's fixed overhead), whatever the base's live budget. */
export function popScenario(loaded: LoadedFleet, pop: PopSpec): Scenario {
  const b = loaded.base.scenario;
  const f = loaded.fleet;
  const labels = fleetRuntimeLabels(loaded);
  const window = fleetWindow(loaded);
  const arrival: ArrivalSpec = f.diurnal
    ? { type: 'diurnal', periodSeconds: f.diurnal.periodSeconds, amplitude: f.diurnal.amplitude, phaseSeconds: diurnalPhaseSeconds(f.diurnal, pop.utcOffsetHours, window.warmupSeconds) }
    : b.traffic.arrival;
  const { sweep: _sweep, cost: _cost, hostile: _hostile, simulate: _simulate, ...rest } = b;
  return {
    ...rest,
    name: `${f.name}-${pop.id}`,
    description: `PoP ${pop.id} of fleet ${f.name}`,
    seed: pop.seed,
    host: { ...pop.host },
    live: { tenants: pop.tenants },
    tenants: { ...b.tenants, count: pop.tenants, mix: pop.mix.map((m) => ({ ...m })) },
    traffic: { ...b.traffic, arrival, rate: pop.rate },
    keepAlive: { ...b.keepAlive, memoryBudgetMiB: 0 },
    runtimes: labels.map((l) => b.runtimes.find((r) => r.label === l)!),
    gates: [],
    simulate: { rate: pop.rate, warmupSeconds: window.warmupSeconds, durationSeconds: window.durationSeconds },
  };
}

/**
 * The scenario a calibration must cover for the whole fleet: the fleet's runtimes and every
 * workload any PoP can run (a spread never adds a workload, it only moves weights).
 */
export function fleetCoverScenario(loaded: LoadedFleet): Scenario {
  const b = loaded.base.scenario;
  const f = loaded.fleet;
  const workloads = new Set<string>();
  const mixes = [...f.classes.map((c) => c.mix), ...f.pops.map((p) => p.mix)];
  for (const mix of mixes) for (const m of mix ?? b.tenants.mix) workloads.add(m.workload);
  const labels = fleetRuntimeLabels(loaded);
  return { ...b, tenants: { ...b.tenants, mix: [...workloads].map((workload) => ({ workload, weight: 1 / workloads.size })) }, runtimes: labels.map((l) => b.runtimes.find((r) => r.label === l)!) };
}
