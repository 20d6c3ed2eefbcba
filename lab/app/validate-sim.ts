/**
 * `lab validate-sim` as a library call: measure a scenario live (or take a measured result),
 * then hand it to the core's validation (lab/sim/validate-sim.ts), which calibrates, simulates
 * the live replica and stores the prediction error. The CLI half only parses arguments.
 */
import { resolve } from 'node:path';
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
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

/** Runs (or reads) the live scenario, then validates the simulator against it. */
export async function validateSimulator(o: ValidateSimOptions): Promise<ValidateSimOutcome> {
  const resultsRoot = resolve(o.resultsRoot ?? resultsDir);
  const loaded = loadLabScenario(resolve(o.scenarioFile));
  let live: RunResult;
  let livePath: string;
  if (o.fromResult) {
    livePath = resolve(o.fromResult);
    live = loadResult(livePath);
  } else {
    const run = await runScenario({ scenarioFile: loaded.file, resultsRoot, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
    live = run.result;
    livePath = run.jsonPath;
  }
  return validateAgainstLive({ loaded, live, livePath, resultsRoot });
}
