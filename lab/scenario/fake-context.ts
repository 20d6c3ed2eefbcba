/**
 * A ScenarioContext for tests: fixed registries (the four shipped workloads, the `process`
 * and `wasm` runners) and small, real checks standing in for the runners' option validators
 * and the trace parser, so loader tests depend on no registry.
 */
import { readFileSync } from 'node:fs';
import type { InputIssue } from '../errors.js';
import type { ScenarioContext } from './context.js';

/** The workloads the lab ships. */
export const FAKE_WORKLOADS = ['hello', 'jwt-verify', 'ab-flag', 'telemetry', ...['c', 'go', 'py'].flatMap((l) => ['hello', 'jwt-verify', 'ab-flag', 'telemetry'].map((w) => `${w}-${l}`))];

/** Options the fake `process` runner accepts. */
const PROCESS_OPTIONS = new Set(['nodeFlags', 'confine']);

/** Builds the fake context; `calls` records what the loader asked, for assertions. */
export function fakeScenarioContext(): ScenarioContext & { calls: { options: string[]; traces: string[] } } {
  const calls = { options: [] as string[], traces: [] as string[] };
  return {
    calls,
    workloadNames: () => [...FAKE_WORKLOADS],
    runnerNames: () => ['container', 'jco-serve', 'process', 'wasm', 'wasmtime', 'wasmtime-serve'],
    validateRunnerOptions(runtime, options) {
      calls.options.push(runtime);
      if (runtime !== 'process') return [];
      const problems = Object.keys(options)
        .filter((k) => !PROCESS_OPTIONS.has(k))
        .map((k) => `unknown option '${k}'; allowed: ${[...PROCESS_OPTIONS].join(', ')}`);
      if ('nodeFlags' in options && !Array.isArray(options.nodeFlags)) problems.push('nodeFlags must be a list of strings');
      return problems;
    },
    // Stands in for the Azure trace parser: every count after the four named columns must be digits.
    checkTraceFile(absPath) {
      calls.traces.push(absPath);
      const issues: InputIssue[] = [];
      readFileSync(absPath, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (i === 0 || !line) return;
          let column = 1;
          line.split(',').forEach((cell, c) => {
            if (c >= 4 && !/^\d+$/.test(cell)) issues.push({ file: absPath, line: i + 1, column, field: '', message: `count '${cell}' is not a whole number` });
            column += cell.length + 1;
          });
        });
      return issues;
    },
  };
}
