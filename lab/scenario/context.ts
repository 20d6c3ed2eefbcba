/**
 * What the scenario loader needs to know about the rest of the lab: which workloads and runners
 * exist, what a runner accepts as options, and whether a trace file parses. Kept as an
 * interface so the loader depends on no registry (tests pass a fake; default-context.ts builds
 * the real one from the registries).
 */
import type { InputIssue } from '../errors.js';

/** The registries and checkers the cross-field rules consult. */
export interface ScenarioContext {
  /** Names of the registered workloads (`hello`, `jwt-verify`, ...). */
  workloadNames(): string[];
  /** Names of the registered runners (`process`, `wasm`, ...). */
  runnerNames(): string[];
  /** Problems with one runner's options, each naming the option; empty when they are fine. Only called for registered runners. */
  validateRunnerOptions(runtime: string, options: Record<string, unknown>): string[];
  /** Problems of an existing trace file, each at the trace file's own line:column; empty when it parses. */
  checkTraceFile(absPath: string): InputIssue[];
}
