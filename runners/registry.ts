/** Runners by name. Adding one is its folder plus one line here. */
import type { Runner } from '../lab/pop/contract.js';
import { containerRunner } from './container/runner.js';
import { fakeRunner } from './fake/runner.js';
import { processRunner } from './process/runner.js';
import { wasmRunner } from './wasm/runner.js';
import { wasmtimeRunner } from './wasmtime/runner.js';

const RUNNERS: ReadonlyMap<string, Runner> = new Map<string, Runner>([
  ['process', processRunner],
  ['fake', fakeRunner],
  ['container', containerRunner],
  ['wasm', wasmRunner],
  ['wasmtime', wasmtimeRunner],
]);

/** Names of every registered runner, sorted. */
export function runnerNames(): string[] {
  return [...RUNNERS.keys()].sort();
}

/** The runner registered as `name`; throws naming the known runners otherwise. */
export function getRunner(name: string): Runner {
  const r = RUNNERS.get(name);
  if (!r) throw new Error(`unknown runner "${name}" (known runners: ${runnerNames().join(', ')})`);
  return r;
}
