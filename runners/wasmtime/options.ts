/**
 * Options of the `wasmtime` runner (a scenario runtime's `options` map), checked all at once so a
 * scenario author sees every problem in one go.
 *
 * - `reuse`: `false` (default) = WASI 0.2 semantics, a fresh instance per request; `true` = an
 *   instance serves further requests of its tenant while it lives (keep-alive applies). Only
 *   for components whose handler can be called more than once per instance.
 * - `spares`: pre-instantiated instances kept per tenant (default 0).
 * - `workers`: tokio worker threads of the host (default: one per core).
 * - `cpuDeadlineMs`: how long one guest call (a request, or an instantiation) may run, checked
 *   at every epoch tick (1 ms) by epoch interruption (default: the scenario's
 *   `limits.cpuMsPerRequest`, else its request timeout). Wall time of the call: time the guest
 *   spends yielded to other tenants counts too.
 * - `instanceMemoryMiB`: linear memory limit of one instance (default: the scenario's
 *   `limits.memoryMiB`).
 * - `poolInstances`: instance slots of the pooling allocator across tenants (default 1000).
 * - `memoryProbes`: probe instances per memory measurement (default 8).
 * - `allowNetwork`: only `false` (the default): guests get `HTTP-request-denied`.
 * - `packaging`: `wasm-component` (default), `wasm-component-preinit` (the handler run once at
 *   build time, before the snapshot) or `wasm-component-aot` (weval); see workloads/languages/language.ts.
 * - `preinitFallback`: when pre-initialisation fails, serve the plain build and say why (default
 *   false: the runtime fails, naming the workload and the error).
 * - `components`: `{ <workload name>: <path to a .wasm component> }`, bring your own workload:
 *   any wasi:http@0.2.x incoming-handler component (JS, C, Rust...).
 */
import { availableParallelism } from 'node:os';
import { componentsOptionProblems, packagingChoice, packagingOptionProblems, type PackagingChoice } from '../components/components.js';
import type { ParsedOptions } from '../../lab/pop/contract.js';
import { DEFAULT_TENANT_LIMITS, type TenantLimits } from '../../lab/scenario/types.js';
import { checkOptions, numberOption, parsed, type NumericOption } from '../kit/options.js';

const NUMERIC: Record<string, NumericOption> = {
  spares: { kind: 'integer', min: 0 },
  workers: { kind: 'integer', min: 1 },
  cpuDeadlineMs: { kind: 'integer', min: 1 },
  instanceMemoryMiB: { kind: 'integer', min: 1 },
  poolInstances: { kind: 'integer', min: 1 },
  memoryProbes: { kind: 'integer', min: 1 },
};
const OTHER = ['reuse', 'allowNetwork', 'components', 'packaging', 'preinitFallback'];

/** Default instance slots of the pooling allocator. */
export const DEFAULT_POOL_INSTANCES = 1000;
/** Upper bound on pool slots: each reserves address space (4 GiB + guard per memory). */
const MAX_POOL_INSTANCES = 10_000;
/** Upper bound on instance memory: the pool reserves a slot of this size per memory. */
const MAX_INSTANCE_MEMORY_MIB = 4096;

/** Resolved options. */
export interface WasmtimeOptions {
  reuse: boolean;
  spares: number;
  workers: number;
  /** Absent = the request timeout. */
  cpuDeadlineMs: number | undefined;
  /** Absent = the scenario's `limits.memoryMiB`. */
  instanceMemoryMiB: number | undefined;
  poolInstances: number;
  memoryProbes: number;
  /** Workload name -> component file. */
  components: Record<string, string>;
  /** How the lab builds the components it builds. */
  packaging: PackagingChoice;
}

/** Every problem with `options`, each naming the option. */
function validateWasmtimeOptions(options: Record<string, unknown>): string[] {
  const problems = checkOptions('wasmtime', options, NUMERIC, OTHER);
  if (typeof options.poolInstances === 'number' && options.poolInstances > MAX_POOL_INSTANCES) problems.push(`options.poolInstances: at most ${MAX_POOL_INSTANCES}, got ${options.poolInstances}`);
  if (typeof options.instanceMemoryMiB === 'number' && options.instanceMemoryMiB > MAX_INSTANCE_MEMORY_MIB) problems.push(`options.instanceMemoryMiB: at most ${MAX_INSTANCE_MEMORY_MIB}, got ${options.instanceMemoryMiB}`);
  if (options.reuse !== undefined && typeof options.reuse !== 'boolean') problems.push(`options.reuse: must be true or false, got ${JSON.stringify(options.reuse)}`);
  if (options.allowNetwork !== undefined && options.allowNetwork !== false) {
    problems.push(`options.allowNetwork: only false is supported, got ${JSON.stringify(options.allowNetwork)}: the host denies outbound HTTP (guests get HTTP-request-denied)`);
  }
  problems.push(...componentsOptionProblems(options.components), ...packagingOptionProblems(options));
  return problems;
}

function resolveWasmtimeOptions(options: Record<string, unknown>): WasmtimeOptions {
  return {
    reuse: options.reuse === true,
    spares: numberOption(options, 'spares', 0),
    workers: numberOption(options, 'workers', availableParallelism()),
    cpuDeadlineMs: typeof options.cpuDeadlineMs === 'number' ? options.cpuDeadlineMs : undefined,
    instanceMemoryMiB: typeof options.instanceMemoryMiB === 'number' ? options.instanceMemoryMiB : undefined,
    poolInstances: numberOption(options, 'poolInstances', DEFAULT_POOL_INSTANCES),
    memoryProbes: numberOption(options, 'memoryProbes', 8),
    components: { ...((options.components as Record<string, string> | undefined) ?? {}) },
    packaging: packagingChoice(options),
  };
}

/** The scenario's options map checked once: every problem, or the resolved options. */
export function parseWasmtimeOptions(raw: Record<string, unknown>): ParsedOptions<WasmtimeOptions> {
  return parsed(validateWasmtimeOptions(raw), () => resolveWasmtimeOptions(raw));
}

/** What a launch enforces per instance: the scenario's limits (or the defaults without a scenario), this runtime's options over them. */
export function wasmtimeLimits(o: WasmtimeOptions, plan: { limits?: TenantLimits; requestTimeoutMs: number }): { instanceMemoryMiB: number; cpuDeadlineMs: number } {
  const l = plan.limits ?? DEFAULT_TENANT_LIMITS;
  return { instanceMemoryMiB: o.instanceMemoryMiB ?? l.memoryMiB, cpuDeadlineMs: o.cpuDeadlineMs ?? (l.cpuMsPerRequest > 0 ? Math.ceil(l.cpuMsPerRequest) : plan.requestTimeoutMs) };
}

/** The launch's isolation, mechanism by mechanism (PopHandle.isolation). */
export function wasmtimeIsolation(limits: { instanceMemoryMiB: number; cpuDeadlineMs: number }): string[] {
  return [
    `linear memory: ${limits.instanceMemoryMiB} MiB per instance (Store resource limiter: growth past it traps the guest)`,
    `guest call deadline: ${limits.cpuDeadlineMs} ms (epoch interruption, 1 ms ticks)`,
    'CPU: one guest call at a time per host worker thread, yielding every epoch tick',
    'processes: none possible (no such capability in WASI 0.2)',
    'capabilities: no preopened directory, no socket address, no name lookup, no environment, outbound HTTP denied',
  ];
}
