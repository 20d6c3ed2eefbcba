/**
 * `lab validate-sim` as a library call: measure a scenario live (or take a measured result),
 * calibrate from it, simulate the same scenario on the live machine's cores from that
 * calibration, and store the prediction error. The CLI half only parses arguments.
 */
import { dirname, join, resolve } from 'node:path';
import { ExitCode, LabError } from '../errors.js';
import type { RunEvent } from '../events.js';
import { resultsDir } from '../paths.js';
import type { RunResult } from '../results/model.js';
import { loadResult, writeAtomic } from '../results/store.js';
import { runScenario } from '../run.js';
import { loadScenario } from '../scenario/load.js';
import { calibrate, saveCalibration } from './calibrate.js';
import { liveReplica, REPLICA_REPETITIONS } from './modelled.js';
import { simulateScenario } from './simulate.js';
import { compareRuns, saveValidation, VALIDATION_VERSION, type ValidationRecord } from './validation.js';

/** File names the validation adds to the live result's folder. */
export const VALIDATION_FILES = { calibration: 'calibration.json', simulated: 'validation-simulated.json' } as const;

/** Inputs of a validation. */
export interface ValidateSimOptions {
  scenarioFile: string;
  /** Results root (default results/): the live run goes to <root>/<scenario>/<ts>/, the validation to <root>/validation/<scenario>/. */
  resultsRoot?: string;
  /** Use this measured result instead of running live (it must be a run of the same scenario). */
  fromResult?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

/** What a validation produced. */
export interface ValidateSimOutcome {
  record: ValidationRecord;
  path: string;
  live: RunResult;
  simulated: RunResult;
}

/** Runs (or reads) the live scenario, simulates its replica from its own calibration, saves and returns the errors. */
export async function validateSimulator(o: ValidateSimOptions): Promise<ValidateSimOutcome> {
  const root = resolve(o.resultsRoot ?? resultsDir);
  const loaded = loadScenario(resolve(o.scenarioFile));
  let live: RunResult;
  let livePath: string;
  if (o.fromResult) {
    livePath = resolve(o.fromResult);
    live = loadResult(livePath);
    if (live.scenario.hash !== loaded.hash) {
      throw new LabError(`result ${livePath} was measured with scenario ${live.scenario.name} (${live.scenario.hash}), not ${loaded.file} (${loaded.hash}); validate against a run of this very scenario file`, ExitCode.invalidInput);
    }
  } else {
    const run = await runScenario({ scenarioFile: loaded.file, resultsRoot: root, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
    live = run.result;
    livePath = run.jsonPath;
  }
  if (live.status === 'interrupted') throw new LabError(`live run ${livePath} was interrupted: nothing complete to validate against`, ExitCode.interrupted);
  const dir = dirname(livePath);
  const calibration = calibrate(live, livePath);
  const calibrationPath = join(dir, VALIDATION_FILES.calibration);
  saveCalibration(calibrationPath, calibration);
  const { result: simulated } = simulateScenario({ loaded, calibration, calibrationPath, target: liveReplica(loaded.scenario, calibration.liveCores, REPLICA_REPETITIONS) });
  const simulatedPath = join(dir, VALIDATION_FILES.simulated);
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
    ...compareRuns(live, simulated, calibration),
  };
  const path = saveValidation(record, root);
  return { record, path, live, simulated };
}
