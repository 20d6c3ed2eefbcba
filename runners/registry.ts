/** Runners by name. Adding one is its folder plus one line here. */
import type { Runner } from './contract.js';
import { containerRunner } from './container/index.js';
import { fakeRunner } from './fake/index.js';
import { processRunner } from './process/index.js';
import { wasmRunner } from './wasm/index.js';
import { wasmtimeRunner } from './wasmtime/index.js';

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
