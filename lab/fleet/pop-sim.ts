/**
 * One PoP of the fleet simulated on every runtime: its scenario (pop-scenario.ts), then per
 * runtime the fewest hosts that hold the SLO (hosts.ts). What leaves here is a summary and the
 * operating host's histograms, which the shard folds into its running totals and drops.
 */
import type { FleetPopSummary } from '../results/model.js';
import type { Calibration } from '../sim/calibration.js';
import type { FastLatency } from '../sim/sim-result.js';
import { hostsFor } from './hosts.js';
import { popScenario } from './pop-scenario.js';
import type { LoadedFleet, PopSpec } from './types.js';

/** A PoP's summary and, per runtime label, its operating host's latency with the number of hosts it stands for. */
export interface PopOutcome {
  summary: FleetPopSummary;
  latency: Record<string, { hosts: number; latency: FastLatency }>;
}

/** Simulates PoP `pop` of the fleet on every runtime the fleet names; the calibration must cover it (checkCovers). */
export function simulatePop(loaded: LoadedFleet, pop: PopSpec, calibration: Calibration): PopOutcome {
  const scenario = popScenario(loaded, pop);
  const summary: FleetPopSummary = {
    index: pop.index,
    id: pop.id,
    class: pop.class,
    tenants: pop.tenants,
    rate: pop.rate,
    utcOffsetHours: pop.utcOffsetHours,
    host: { ...pop.host },
    ...(pop.hostPerHour !== undefined ? { hostPerHour: pop.hostPerHour } : {}),
    mix: pop.mix,
    seed: pop.seed,
    runtimes: {},
  };
  const latency: PopOutcome['latency'] = {};
  for (const spec of scenario.runtimes) {
    const out = hostsFor(scenario, spec, calibration.runtimes[spec.label]!, pop.hostPerHour);
    summary.runtimes[spec.label] = out.answer;
    if (out.latency && out.answer.hosts !== null) latency[spec.label] = { hosts: out.answer.hosts, latency: out.latency };
  }
  return { summary, latency };
}
