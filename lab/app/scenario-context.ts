/**
 * The real ScenarioContext, built from the workload and runner registries and the Azure trace
 * parser, and the scenario loading the application does with it. The core's loader takes a
 * context and imports no registry, so it and its tests depend on no runner being importable;
 * this file is where the application plugs the registries in.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { InvalidInputError, type InputIssue } from '../errors.js';
import { parseAzureTrace } from '../traffic/azure-trace.js';
import { listWorkloads } from '../../workloads/registry.js';
import { getRunner, runnerNames } from '../../runners/registry.js';
import type { ScenarioContext } from '../scenario/context.js';
import { loadScenario } from '../scenario/load.js';
import { loadFleet, type FleetLoadOptions } from '../fleet/load.js';
import type { LoadedFleet } from '../fleet/types.js';
import type { LoadedScenario } from '../scenario/types.js';
import { validateScenarioFile, type ScenarioValidation } from '../scenario/validate.js';
import { optionProblems } from '../../runners/kit/options.js';

/** A path as users should read it in messages: relative to the working directory when inside it. */
function displayPath(absPath: string): string {
  const rel = relative(process.cwd(), absPath);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absPath;
}

/** Builds the context that `lab run` and `lab validate` use. */
export function defaultScenarioContext(): ScenarioContext {
  return {
    workloadNames: () => listWorkloads(),
    runnerNames: () => runnerNames(),
    validateRunnerOptions: (runtime, options) => optionProblems(getRunner(runtime), options),
    checkTraceFile(absPath: string): InputIssue[] {
      const shown = displayPath(absPath);
      let text: string;
      try {
        text = readFileSync(absPath, 'utf8');
      } catch (error) {
        return [{ file: shown, line: 1, column: 1, field: '', message: `cannot read the trace file: ${(error as Error).message}` }];
      }
      try {
        parseAzureTrace(text, shown);
        return [];
      } catch (error) {
        // The parser reports every problem at the trace's own line:column; anything else is a bug and propagates.
        if (error instanceof InvalidInputError) return error.issues;
        throw error;
      }
    },
  };
}

let real: ScenarioContext | undefined;

/** Reads, validates and resolves a scenario file against this build's registries. */
export function loadLabScenario(file: string): LoadedScenario {
  return loadScenario(file, (real ??= defaultScenarioContext()));
}

/** Validates a scenario file against this build's registries (`lab validate`). */
export function validateLabScenario(file: string): ScenarioValidation {
  return validateScenarioFile(file, (real ??= defaultScenarioContext()));
}

/** This build's scenario context, built once (the fleet loader validates its PoPs' mixes and base scenario against it). */
export function loadLabScenarioContext(): ScenarioContext {
  return (real ??= defaultScenarioContext());
}

/** Reads, validates and resolves a fleet file and its base scenario against this build's registries. */
export function loadLabFleet(file: string, opts: FleetLoadOptions = {}): LoadedFleet {
  return loadFleet(file, loadLabScenarioContext(), opts);
}
