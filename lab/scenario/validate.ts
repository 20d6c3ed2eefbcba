/**
 * The pure half of `lab validate`: checks a scenario file and returns its problems as data
 * (the CLI wrapper prints them and picks the exit code).
 */
import { InvalidInputError, type InputIssue } from '../errors.js';
import type { ScenarioContext } from './context.js';
import { loadScenario } from './load.js';
import type { LoadedScenario } from './types.js';

/** Outcome of validating one scenario file: every issue, and the resolved scenario when there are none. */
export type ScenarioValidation = { ok: true; issues: []; scenario: LoadedScenario } | { ok: false; issues: InputIssue[]; scenario?: undefined };

/** Validates a scenario file without running anything. Only invalid input is returned as issues; other failures throw. */
export function validateScenarioFile(file: string, ctx: ScenarioContext): ScenarioValidation {
  try {
    return { ok: true, issues: [], scenario: loadScenario(file, ctx) };
  } catch (error) {
    if (error instanceof InvalidInputError) return { ok: false, issues: error.issues };
    throw error;
  }
}
