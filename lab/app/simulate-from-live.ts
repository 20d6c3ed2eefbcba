/**
 * The chain `lab run` follows for a scenario with `simulate:`: calibration from the live result
 * just measured, the full-scale simulation of the modelled host, the density search and the
 * scenario's sweep, all written next to the live result (calibration.json, simulated.json) in
 * the same results model, with the latest simulator validation quoted inside.
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { summaryCsv, timeseriesCsv } from '../results/csv.js';
import type { RunResult } from '../results/model.js';
import { writeAtomic } from '../results/store.js';
import type { LoadedScenario, RuntimeSpec } from '../scenario/types.js';
import type { Calibration, RuntimeCalibration } from '../sim/calibration.js';
import { calibrate, checkCovers, saveCalibration } from '../sim/calibrate.js';
import { densityOf } from '../sim/density.js';
import { modelledHost } from '../sim/modelled.js';
import { simulateScenario } from '../sim/simulate.js';
import { runSweep } from '../sim/sweep.js';
import { latestValidation } from '../sim/validation.js';

/** File names inside a result folder. */
export const SIM_FILES = { calibration: 'calibration.json', simulated: 'simulated.json', summaryCsv: 'simulated-summary.csv', timeseriesCsv: 'simulated-timeseries.csv' } as const;

/** What the chain wrote. */
export interface SimulateFromLiveOutcome {
  result: RunResult;
  calibration: Calibration;
  calibrationPath: string;
  simulatedPath: string;
  wallSeconds: number;
}

/** Options of the chain. */
export interface SimulateFromLiveOptions {
  /** Results root holding `validation/` (default: the folder two levels above `dir`, i.e. results/). */
  resultsRoot?: string;
  /** Skip the density search (it dominates the chain's time). */
  density?: boolean;
  /** Only these runtime labels. */
  only?: string[];
}

/** The runtimes of the scenario paired with their calibrations (the calibration must cover them). */
export function calibratedRuntimes(specs: RuntimeSpec[], c: Calibration): { spec: RuntimeSpec; calibration: RuntimeCalibration }[] {
  return specs.map((spec) => ({ spec, calibration: c.runtimes[spec.label]! }));
}

/**
 * Calibrates from `liveResult`, simulates the modelled host of `loaded`, searches density and
 * runs the sweep; writes calibration.json and simulated.json into `dir` (the live result's
 * folder). Throws `CalibrationMismatchError` when the live result lacks a runtime or workload
 * of the scenario.
 */
export function simulateFromLive(liveResult: RunResult, loaded: LoadedScenario, dir: string, opts: SimulateFromLiveOptions = {}): SimulateFromLiveOutcome {
  const started = performance.now();
  const calibrationPath = join(dir, SIM_FILES.calibration);
  const calibration = calibrate(liveResult, join(dir, 'result.json'));
  saveCalibration(calibrationPath, calibration);
  return simulateFromCalibration(calibration, calibrationPath, loaded, dir, opts, started);
}

/** The same chain from an existing calibration file (lab simulate --calibration). */
export function simulateFromCalibration(calibration: Calibration, calibrationPath: string, loaded: LoadedScenario, dir: string, opts: SimulateFromLiveOptions = {}, started = performance.now()): SimulateFromLiveOutcome {
  const scenario = loaded.scenario;
  const specs = scenario.runtimes.filter((r) => !opts.only || opts.only.includes(r.label));
  checkCovers(calibration, { ...scenario, runtimes: specs });
  const { result } = simulateScenario({ loaded, calibration, calibrationPath, target: modelledHost(scenario), ...(opts.only ? { only: opts.only } : {}) });
  const runtimes = calibratedRuntimes(specs, calibration);
  if (opts.density !== false) result.density = densityOf(scenario, runtimes);
  if (scenario.sweep) result.sweep = runSweep(scenario, scenario.sweep, runtimes);
  const root = opts.resultsRoot ?? dirname(dirname(dir));
  const validation = latestValidation(root);
  if (validation) result.validation = validation;
  const outOfSample = latestValidation(root, 'out-of-sample');
  if (outOfSample) result.outOfSample = outOfSample;
  result.finishedAt = new Date().toISOString();
  const simulatedPath = join(dir, SIM_FILES.simulated);
  writeAtomic(simulatedPath, `${JSON.stringify(result, null, 1)}\n`);
  writeAtomic(join(dir, SIM_FILES.summaryCsv), summaryCsv(result));
  writeAtomic(join(dir, SIM_FILES.timeseriesCsv), timeseriesCsv(result));
  return { result, calibration, calibrationPath, simulatedPath, wallSeconds: (performance.now() - started) / 1000 };
}
