/** Runners by name. Adding one is its folder plus one line here. */
import { ExitCode, LabError } from '../lab/errors.js';
import type { OpaqueOptions, Runner } from '../lab/pop/contract.js';
import { containerRunner } from './container/runner.js';
import { endpointRunner } from './endpoint/runner.js';
import { fakeRunner } from './fake/runner.js';
import { jcoServeRunner } from './jco-serve/runner.js';
import { kubernetesRunner } from './kubernetes/runner.js';
import { processRunner } from './process/runner.js';
import { wasmRunner } from './wasm/runner.js';
import { wasmtimeServeRunner } from './wasmtime-serve/runner.js';
import { wasmtimeRunner } from './wasmtime/runner.js';

/** A registered runner: its options type is opaque to callers, who get the value from its own `parseOptions`. */
export type RegisteredRunner = Runner<OpaqueOptions>;

// Every runner takes the options its own parseOptions made; erasing their type here is what makes that the only way in.
const registered = <O>(r: Runner<O>): [string, RegisteredRunner] => [r.name, r as unknown as RegisteredRunner];

const RUNNERS: ReadonlyMap<string, RegisteredRunner> = new Map([
  registered(processRunner),
  registered(fakeRunner),
  registered(containerRunner),
  registered(wasmRunner),
  registered(wasmtimeRunner),
  registered(endpointRunner),
  registered(wasmtimeServeRunner),
  registered(jcoServeRunner),
  registered(kubernetesRunner),
]);

/** Names of every registered runner, sorted. */
export function runnerNames(): string[] {
  return [...RUNNERS.keys()].sort();
}

/** The runner registered as `name`; throws naming the known runners otherwise. */
export function getRunner(name: string): RegisteredRunner {
  const r = RUNNERS.get(name);
  if (!r) throw new LabError(`unknown runner "${name}" (known runners: ${runnerNames().join(', ')})`, ExitCode.invalidInput);
  return r;
}
