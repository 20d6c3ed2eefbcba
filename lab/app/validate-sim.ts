/**
 * `lab validate-sim` as a library call: measure a scenario live (or take a measured result),
 * then hand it to the core's validation (lab/sim/validate-sim.ts), which calibrates, simulates
 * the live replica and stores the prediction error. The CLI half only parses arguments.
 */
import { resolve } from 'node:path';
import { ExitCode, LabError } from '../errors.js';
import type { RunEvent } from '../events.js';
import { resultsDir } from '../paths.js';
import type { RunResult } from '../results/model.js';
import { loadResult } from '../results/store.js';
import { validateAgainstLive, type ValidateSimOutcome } from '../sim/validate-sim.js';
import { runScenario } from './run.js';
import { loadLabScenario } from './scenario-context.js';

/** Inputs of a validation. */
export interface ValidateSimOptions {
  scenarioFile: string;
  /** Results root (default results/): the live run goes to <root>/<scenario>/<ts>/, the validation to <root>/validation/<scenario>/. */
  resultsRoot?: string;
  /** Use this measured result instead of running live (it must be a run of the same scenario). */
  fromResult?: string;
  /**
   * Out of sample: calibrate from another run, a scenario file (run live first) or a measured
   * result.json of one, and predict this scenario's live run with that calibration.
   */
  calibrateFrom?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

/** Runs (or reads) the live scenario, then validates the simulator against it. */
export async function validateSimulator(o: ValidateSimOptions): Promise<ValidateSimOutcome> {
  const resultsRoot = resolve(o.resultsRoot ?? resultsDir);
  const loaded = loadLabScenario(resolve(o.scenarioFile));
  const measure = async (file: string, result: string | undefined): Promise<{ live: RunResult; livePath: string }> => {
    if (result) return { live: loadResult(resolve(result)), livePath: resolve(result) };
    const run = await runScenario({ scenarioFile: file, resultsRoot, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
    if (run.result.status === 'interrupted') throw new LabError(`the live run of ${file} was interrupted: nothing to validate (its result is saved at ${run.jsonPath})`, ExitCode.interrupted);
    return { live: run.result, livePath: run.jsonPath };
  };
  // The calibrating run first: a prediction is only worth measuring once there is something to predict it with.
  const from = o.calibrateFrom ? await measure(o.calibrateFrom, o.calibrateFrom.endsWith('.json') ? o.calibrateFrom : undefined) : undefined;
  const { live, livePath } = await measure(loaded.file, o.fromResult);
  return validateAgainstLive({ loaded, live, livePath, resultsRoot, ...(from ? { calibrateFrom: from } : {}) });
}
