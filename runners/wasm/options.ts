/**
 * Options of the `wasm` runner (a scenario runtime's `options` map), checked all at once so a
 * scenario author sees every problem in one go.
 *
 * - `spares`: pre-instantiated instances kept per tenant (default 0).
 * - `workers`: engine threads, one event loop each (default: one per core). `0` runs guests on
 *   the host's main thread (no thread hop per request, one core, each guest call under a
 *   watchdog; see docs/wasm-host.md).
 * - `prewarmSpares`: serve each new spare instance its workload's probe request before handing
 *   it out (default false; reported as the `prewarm` phase of spare fills).
 * - `memoryProbes`: probe instances per memory measurement (default 8).
 * - `allowNetwork`: outbound HTTP for guests. Only `false` (the default) is accepted: this host
 *   runs guests synchronously and has no outbound HTTP client; guests get `HTTP-request-denied`.
 * - `packaging`: `wasm-component` (default), `wasm-component-preinit` (the handler run once at
 *   build time, before the snapshot) or `wasm-component-aot` (weval); see workloads/languages/language.ts.
 * - `preinitFallback`: when pre-initialisation fails, serve the plain build and say why (default
 *   false: the runtime fails, naming the workload and the error).
 * - `components`: `{ <workload name>: <path to a .wasm component> }`, bring your own workload:
 *   tenants of that workload run the given wasi:http@0.2.x incoming-handler component.
 */
import { availableParallelism } from 'node:os';
import { componentsOptionProblems, packagingChoice, packagingOptionProblems, type PackagingChoice } from '../components/components.js';
import type { ParsedOptions } from '../../lab/pop/contract.js';
import { checkOptions, numberOption, parsed, type NumericOption } from '../kit/options.js';

const NUMERIC: Record<string, NumericOption> = {
  spares: { kind: 'integer', min: 0 },
  workers: { kind: 'integer', min: 0 },
  memoryProbes: { kind: 'integer', min: 1 },
};
const OTHER = ['allowNetwork', 'components', 'prewarmSpares', 'packaging', 'preinitFallback'];

/** Upper bound on engine threads: more than a few per core only adds contention. */
const MAX_WORKERS_PER_CORE = 4;

/** Resolved options. */
export interface WasmOptions {
  spares: number;
  workers: number;
  memoryProbes: number;
  prewarmSpares: boolean;
  /** Workload name -> component file. */
  components: Record<string, string>;
  /** How the lab builds the components it builds. */
  packaging: PackagingChoice;
}

/** Every problem with `options`, each naming the option. */
function validateWasmOptions(options: Record<string, unknown>): string[] {
  const problems = checkOptions('wasm', options, NUMERIC, OTHER);
  const workers = options.workers;
  const maxWorkers = availableParallelism() * MAX_WORKERS_PER_CORE;
  if (typeof workers === 'number' && workers > maxWorkers) problems.push(`options.workers: at most ${maxWorkers} (${MAX_WORKERS_PER_CORE} per core) on this machine, got ${workers}`);
  if (options.allowNetwork !== undefined && options.allowNetwork !== false) {
    problems.push(
      `options.allowNetwork: only false is supported, got ${JSON.stringify(options.allowNetwork)}: this host runs guests synchronously and has no outbound HTTP client (guests get HTTP-request-denied)`,
    );
  }
  if (options.prewarmSpares !== undefined && typeof options.prewarmSpares !== 'boolean') problems.push(`options.prewarmSpares: must be true or false, got ${JSON.stringify(options.prewarmSpares)}`);
  problems.push(...componentsOptionProblems(options.components), ...packagingOptionProblems(options));
  return problems;
}

function resolveWasmOptions(options: Record<string, unknown>): WasmOptions {
  return {
    spares: numberOption(options, 'spares', 0),
    workers: numberOption(options, 'workers', availableParallelism()),
    memoryProbes: numberOption(options, 'memoryProbes', 8),
    prewarmSpares: options.prewarmSpares === true,
    components: { ...((options.components as Record<string, string> | undefined) ?? {}) },
    packaging: packagingChoice(options),
  };
}

/** The scenario's options map checked once: every problem, or the resolved options. */
export function parseWasmOptions(raw: Record<string, unknown>): ParsedOptions<WasmOptions> {
  return parsed(validateWasmOptions(raw), () => resolveWasmOptions(raw));
}
