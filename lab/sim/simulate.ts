/**
 * One simulation end to end: a target (live replica or modelled host) and a calibration in,
 * a `RunResult` with `kind: 'simulated'` out, one `RuntimeResult` per runtime label of the
 * scenario. The schedule comes from lab/traffic `openSchedule`, the same planner the live load
 * generator uses.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { RESULT_SCHEMA_VERSION, type RunResult, type RuntimeResult, type SimulatedPoint } from '../results/model.js';
import { finishRepro, startRepro } from '../results/repro.js';
import type { LoadedScenario, RuntimeSpec } from '../scenario/types.js';
import { openSchedule } from '../traffic/plan.js';
import type { Calibration, RuntimeCalibration } from './calibration.js';
import { checkCovers } from './calibrate.js';
import { hostModel } from './host-model.js';
import { simulateHost } from './host-sim.js';
import type { SimTarget } from './modelled.js';
import { simulatedPointFast, simulatedRuntimeResult, type FastLatency } from './sim-result.js';

const MIB = 1024 * 1024;

/**
 * Fixture counts for the planner. The simulator does not model individual fixtures (service
 * time is per workload), but the planner draws a fixture per request from its own stream, so
 * any positive count leaves every other choice of the schedule unchanged.
 */
function oneFixtureEach(target: SimTarget): Record<string, number> {
  return Object.fromEntries(target.scenario.tenants.mix.map((m) => [m.workload, 1]));
}

/** One runtime simulated on one target. */
export interface RuntimeSimulation {
  result: RuntimeResult;
  point: SimulatedPoint;
  /** Requests the loop processed (warm-up included). */
  simulatedRequests: number;
  wallSeconds: number;
}

/** The host model and schedule of one runtime on one target, and the loop's outcome. */
function runTarget(target: SimTarget, rc: RuntimeCalibration, repetition: number) {
  const s = target.scenario;
  const schedule = openSchedule(s, oneFixtureEach(target), { fixtures: false });
  const memoryBudgetBytes = target.memoryBudgetBytes(rc.fixedOverheadBytes);
  const model = hostModel(rc, {
    cores: target.cores,
    keepAlive: { ...s.keepAlive, memoryBudgetMiB: memoryBudgetBytes / MIB },
    timeoutMs: s.traffic.timeoutMs,
    artifactMissRate: s.cache.artifactMissRate,
    workloads: s.tenants.mix.map((m) => m.workload),
  });
  return { model, memoryBudgetBytes, outcome: simulateHost(schedule, model, { seed: s.seed, repetition }) };
}

/** Simulates one runtime label on a target (its repetition `repetition`, 0-based). The calibration must cover the target's workloads (see `checkCovers`). */
export function simulateRuntime(target: SimTarget, rc: RuntimeCalibration, spec: RuntimeSpec, repetition = 0): RuntimeSimulation {
  const s = target.scenario;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { model, memoryBudgetBytes, outcome } = runTarget(target, rc, repetition);
  const { result, point } = simulatedRuntimeResult({
    repetition: repetition + 1,
    label: spec.label,
    runtime: spec.runtime,
    outcome,
    model,
    calibration: rc,
    startedAt,
    finishedAt: new Date().toISOString(),
    slo: s.slo,
    memoryBudgetBytes,
    tenants: target.tenants,
    rate: target.rate,
  });
  return { result, point, simulatedRequests: outcome.planned, wallSeconds: (performance.now() - started) / 1000 };
}

/** One runtime on one target reduced to its point and merged histograms (the fleet's probes: no results-model summaries built). */
export interface RuntimePointSimulation {
  point: SimulatedPoint;
  latency: FastLatency;
  /** Requests the loop processed (warm-up included). */
  simulatedRequests: number;
}

/** `simulateRuntime`, keeping only the point and the merged histograms: the same simulation, the same point figures. */
export function simulateRuntimePoint(target: SimTarget, rc: RuntimeCalibration, repetition = 0): RuntimePointSimulation {
  const { memoryBudgetBytes, outcome } = runTarget(target, rc, repetition);
  const { point, latency } = simulatedPointFast({ outcome, calibration: rc, slo: target.scenario.slo, tenants: target.tenants, rate: target.rate, memoryBudgetBytes });
  return { point, latency, simulatedRequests: outcome.planned };
}

/** Inputs of a simulated run. */
export interface SimulateScenarioInput {
  loaded: LoadedScenario;
  calibration: Calibration;
  calibrationPath: string;
  target: SimTarget;
  /** Only these runtime labels (default: all of the scenario's). */
  only?: string[];
}

/** Simulates every runtime of the scenario on the target; the result has the live results' shape with `kind: 'simulated'`. */
export function simulateScenario(i: SimulateScenarioInput): { result: RunResult; points: Record<string, SimulatedPoint> } {
  const { loaded, calibration, target } = i;
  const scenario = loaded.scenario;
  const specs = scenario.runtimes.filter((r) => !i.only || i.only.includes(r.label));
  checkCovers(calibration, { ...scenario, runtimes: specs });
  const startedAt = new Date().toISOString();
  const runs: RuntimeResult[] = [];
  const points: Record<string, SimulatedPoint> = {};
  let simulatedRequests = 0;
  let wallSeconds = 0;
  let tenants: RunResult['tenants'] = [];
  for (const spec of specs) {
    for (let k = 0; k < target.repetitions; k++) {
      const sim = simulateRuntime(target, calibration.runtimes[spec.label]!, spec, k);
      runs.push(sim.result);
      // Density and sweeps simulate one repetition per point; the first stands for the label.
      if (k === 0) points[spec.label] = sim.point;
      simulatedRequests += sim.simulatedRequests;
      wallSeconds += sim.wallSeconds;
    }
  }
  if (runs.length > 0) {
    tenants = openSchedule(target.scenario, oneFixtureEach(target), { fixtures: false }).tenants.map((t) => ({ id: t.id, workload: t.workload, share: t.share }));
  }
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'simulated',
    runId: `${scenario.name}-sim-${startedAt.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
    status: 'complete',
    startedAt,
    finishedAt: new Date().toISOString(),
    scenario: { name: scenario.name, file: loaded.file, hash: loaded.hash, source: loaded.source, resolved: target.scenario },
    repro: finishRepro(startRepro({ scenarioHash: loaded.hash, seed: scenario.seed, runtimeVersions: {}, artifactDigests: {} })),
    tenants,
    runs,
    simulation: {
      calibrationPath: i.calibrationPath,
      calibrationVersion: calibration.calibrationVersion,
      source: { runId: calibration.source.runId, scenarioHash: calibration.source.scenarioHash, path: calibration.source.path },
      modelled: {
        tenants: target.tenants,
        rate: target.rate,
        warmupSeconds: target.warmupSeconds,
        durationSeconds: target.durationSeconds,
        cores: target.cores,
        memoryBudgetBytes: specs.length > 0 ? target.memoryBudgetBytes(calibration.runtimes[specs[0]!.label]!.fixedOverheadBytes) : 0,
      },
      simulatedRequests,
      wallSeconds: Math.round(wallSeconds * 1000) / 1000,
    },
  };
  return { result, points };
}
