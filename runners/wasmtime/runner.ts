/**
 * The `wasmtime` runner: tenants are wasi:http@0.2.x components on embedded Wasmtime (pooling
 * allocator, copy-on-write memory images, per-artifact pre-instantiation), served by a Rust PoP
 * host of its own (runners/wasmtime/host) that speaks the same PoP protocol as every runner.
 * Components come from the `wasm` runner's build (one artifact, two runtimes) or are brought
 * by path. See docs/wasmtime-host.md.
 */
import { everyProbe } from '../../lab/isolation/probes.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EnvironmentError } from '../../lab/errors.js';
import { cacheDir } from '../../lab/paths.js';
import type { ArtifactInfo, LaunchPlan, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { launchHost, type HostPopHandle } from '../kit/launch.js';
import { BadComponentError, probeRequest, resolveComponents } from '../components/components.js';
import { buildHost, type HostBuildOptions } from './host-build.js';
import type { WasmtimeHostPlan } from './plan.js';
import { parseWasmtimeOptions, wasmtimeIsolation, wasmtimeLimits, type WasmtimeOptions } from './options.js';

/** Generous: start-up includes compiling components on a cache miss (seconds for SpiderMonkey). */
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Where precompiled components are cached (content hash x engine compatibility hash). */
export const precompiledCacheDir = (): string => join(cacheDir, 'wasmtime', 'precompiled');

/** A launched wasmtime PoP, with the host's pid for leak checks. */
export type WasmtimePopHandle = HostPopHandle;

/** Seams for tests. */
export interface WasmtimeRunnerDeps {
  host?: HostBuildOptions;
  startTimeoutMs?: number;
}

/** Asks the host to compile, link and instantiate a component; throws BadComponentError naming the file. */
export function checkComponent(binary: string, file: string): void {
  const r = spawnSync(binary, ['--check', file, precompiledCacheDir()], { encoding: 'utf8', timeout: DEFAULT_START_TIMEOUT_MS });
  if (r.status === 0) return;
  const why = (r.stdout.trim().split('\n').pop() ?? '').trim();
  let message = why;
  try {
    message = (JSON.parse(why) as { message: string }).message;
  } catch {
    message = `${why} ${r.stderr.trim().split('\n').slice(-3).join(' ')}`.trim() || `host check exited with ${r.status ?? r.signal}`;
  }
  throw new BadComponentError(file, message);
}

/** Versions of the host's parts, for the reproducibility record. */
export function hostVersions(binary: string): Record<string, string> {
  const r = spawnSync(binary, ['--versions'], { encoding: 'utf8' });
  if (r.status !== 0) throw new EnvironmentError(`wasmtime runner: ${binary} --versions failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Builds a wasmtime runner; `wasmtimeRunner` is the registered one. */
export function createWasmtimeRunner(deps: WasmtimeRunnerDeps = {}): Runner<WasmtimeOptions> {
  return {
    name: 'wasmtime',

    parseOptions: parseWasmtimeOptions,

    conformance: {
      // WASI 0.2 semantics (a fresh instance per request) is the default; warm reuse and keep-alive need `reuse`.
      options: { reuse: true },
      // A guest holds no file, process or socket capability: the host grants none.
      probes: everyProbe('denied'),
      // The pre-initialised and AOT-compiled snapshots must answer every fixture as the plain build does.
      variants: { preinit: { packaging: 'wasm-component-preinit' }, aot: { packaging: 'wasm-component-aot' } },
      misbehaving: async () => (await import('../testdata/misbehaving.js')).misbehavingGuest(),
    },

    async prepare(workloads: string[], options: WasmtimeOptions): Promise<PreparedRuntime> {
      const binary = await buildHost(deps.host);
      const resolved = await resolveComponents(workloads, options.components, {}, options.packaging);
      for (const c of Object.values(resolved)) if (c.brought) checkComponent(binary, c.file);
      const artifacts: ArtifactInfo[] = Object.entries(resolved).map(([w, c]) => ({
        workload: w,
        packaging: c.packaging,
        digest: c.digest,
        sourceDigest: c.sourceDigest,
        sizeBytes: c.sizeBytes,
        path: c.file,
        ...(c.note !== undefined ? { note: c.note } : {}),
      }));
      return { artifacts, versions: hostVersions(binary) };
    },

    async launch(plan: LaunchPlan<WasmtimeOptions>): Promise<WasmtimePopHandle> {
      const opts = plan.options;
      const binary = await buildHost(deps.host);
      const workloads = [...new Set(plan.tenants.map((t) => t.workload))];
      const resolved = await resolveComponents(workloads, opts.components, {}, opts.packaging);
      const limits = wasmtimeLimits(opts, plan);
      const hostPlan: WasmtimeHostPlan = {
        runtime: 'wasmtime',
        tenants: plan.tenants,
        components: Object.fromEntries(Object.entries(resolved).map(([w, c]) => [w, c.file])),
        keepAlive: plan.keepAlive,
        requestTimeoutMs: plan.requestTimeoutMs,
        cpuDeadlineMs: limits.cpuDeadlineMs,
        instanceMemoryMiB: limits.instanceMemoryMiB,
        reuse: opts.reuse,
        spares: opts.spares,
        poolInstances: opts.poolInstances,
        workers: opts.workers,
        memoryProbes: opts.memoryProbes,
        probeRequests: Object.fromEntries(
          Object.entries(resolved).map(([w, c]) => {
            const r = probeRequest(w, c.brought);
            // Body bytes as numbers: the host needs no base64 decoder.
            return [w, { method: r.method, path: r.path, headers: r.headers, body: [...r.body] }];
          }),
        ),
        cacheDir: precompiledCacheDir(),
      };
      // stdin is a pipe the host watches: when this process dies, even by SIGKILL, the pipe closes and the host exits.
      const handle = await launchHost({ runner: 'wasmtime', program: { kind: 'native', binary }, plan: hostPlan, workDir: plan.workDir, startTimeoutMs: deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS });
      return { ...handle, isolation: wasmtimeIsolation(limits) };
    },
  };
}

/** The registered `wasmtime` runner. */
export const wasmtimeRunner: Runner<WasmtimeOptions> = createWasmtimeRunner();
