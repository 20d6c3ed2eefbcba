/**
 * The simulator's validation against a measured run: calibrate from the live result, simulate
 * the same scenario on the live machine's cores from that calibration, and store the prediction
 * error. The application (lab/app/validate-sim.ts) measures the live run when asked to; this
 * half needs only the result, so `lab run` and `lab validate-sim` share it.
 */
import { dirname, join, resolve } from 'node:path';
import { ExitCode, LabError } from '../errors.js';
import { resultsDir } from '../paths.js';
import type { RunResult } from '../results/model.js';
import { writeAtomic } from '../results/store.js';
import type { LoadedScenario } from '../scenario/types.js';
import { calibrate, saveCalibration } from './calibrate.js';
import { liveReplica, REPLICA_REPETITIONS } from './modelled.js';
import { simulateScenario } from './simulate.js';
import { compareRuns, OUT_OF_SAMPLE_GOALS, saveValidation, VALIDATION_GOALS, VALIDATION_VERSION, type ValidationRecord } from './validation.js';

/** File names the validation adds to the live result's folder. */
export const VALIDATION_FILES = {
  calibration: 'calibration.json',
  simulated: 'validation-simulated.json',
  outOfSampleCalibration: 'out-of-sample-calibration.json',
  outOfSampleSimulated: 'out-of-sample-simulated.json',
} as const;

/** A validation's inputs: the scenario and a measured run of it. */
export interface ValidateAgainstLive {
  loaded: LoadedScenario;
  live: RunResult;
  /** Where the live result is stored: the calibration and the simulated replica are written beside it. */
  livePath: string;
  /** Results root (default results/): the validation record goes to <root>/validation/<scenario>/. */
  resultsRoot?: string;
  /**
   * Out of sample: calibrate from this other measured run (another scenario: load, tenants,
   * misses, keep-alive) and predict `live` with it, instead of `live` from its own calibration.
   */
  calibrateFrom?: { live: RunResult; livePath: string };
}

/** What a validation produced. */
export interface ValidateSimOutcome {
  record: ValidationRecord;
  path: string;
  live: RunResult;
  simulated: RunResult;
}

/** Simulates the live run's replica from its own calibration, saves and returns the errors. */
export function validateAgainstLive(o: ValidateAgainstLive): ValidateSimOutcome {
  const { loaded, live, livePath } = o;
  const root = resolve(o.resultsRoot ?? resultsDir);
  if (live.scenario.hash !== loaded.hash) {
    throw new LabError(`result ${livePath} was measured with scenario ${live.scenario.name} (${live.scenario.hash}), not ${loaded.file} (${loaded.hash}); validate against a run of this very scenario file`, ExitCode.invalidInput);
  }
  if (live.status === 'interrupted') throw new LabError(`live run ${livePath} was interrupted: nothing complete to validate against`, ExitCode.interrupted);
  const dir = dirname(livePath);
  const from = o.calibrateFrom;
  if (from && from.live.status === 'interrupted') throw new LabError(`live run ${from.livePath} was interrupted: nothing complete to calibrate from`, ExitCode.interrupted);
  const calibration = from ? calibrate(from.live, from.livePath) : calibrate(live, livePath);
  const calibrationPath = join(dir, from ? VALIDATION_FILES.outOfSampleCalibration : VALIDATION_FILES.calibration);
  saveCalibration(calibrationPath, calibration);
  const { result: simulated } = simulateScenario({ loaded, calibration, calibrationPath, target: liveReplica(loaded.scenario, calibration.liveCores, REPLICA_REPETITIONS) });
  const simulatedPath = join(dir, from ? VALIDATION_FILES.outOfSampleSimulated : VALIDATION_FILES.simulated);
  writeAtomic(simulatedPath, `${JSON.stringify(simulated, null, 1)}\n`);
  const record: ValidationRecord = {
    validationVersion: VALIDATION_VERSION,
    scenario: loaded.scenario.name,
    at: new Date().toISOString(),
    livePath,
    simulatedPath,
    calibrationPath,
    liveLoadAverage: live.repro.loadAverage,
    replicaRepetitions: REPLICA_REPETITIONS,
    ...compareRuns(live, simulated, calibration, from ? OUT_OF_SAMPLE_GOALS : VALIDATION_GOALS),
    ...(from ? { outOfSample: { calibratedFrom: { scenario: from.live.scenario.name, runId: from.live.runId, path: from.livePath } } } : {}),
  };
  const path = saveValidation(record, root);
  return { record, path, live, simulated };
}
