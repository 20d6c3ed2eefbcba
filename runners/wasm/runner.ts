/**
 * The `wasm` runner: each tenant instance is a WASI 0.2 HTTP component instance (built from the
 * workload's handler by componentize-js, or brought as a file), hosted on V8 through jco's glue
 * by a PoP host process of its own (host.ts) with one engine thread per core.
 * See docs/wasm-host.md for the design and what its figures mean.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, LabError } from '../../lab/errors.js';
import { fixtureRequestBody, loadWorkload } from '../../workloads/registry.js';
import type { ArtifactInfo, LaunchPlan, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { attachHost, type HostPopHandle } from '../kit/launch.js';
import { COMPONENT_FILE, type Artifact } from './artifacts/artifact.js';
import { prepareComponentFile, type TranspileOptions } from './artifacts/transpile.js';
import { resolveComponents } from '../components/components.js';
import { writeWasmHostPlan, type PlanRequest } from './plan.js';
import { resolveWasmOptions, validateWasmOptions } from './options.js';
import { toolVersions } from '../../workloads/components/tools.js';

/** Generous: start-up includes compiling and filling spare pools, and this is not a measurement. */
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** A launched PoP, with the host's pid for leak checks. */
export type WasmPopHandle = HostPopHandle;
/** Seams for tests. */
export interface WasmRunnerDeps {
  build?: TranspileOptions;
  startTimeoutMs?: number;
}

/** The V8 host's artifact of each workload: its component (brought, or built by its language), transpiled by jco. */
export async function resolveArtifacts(workloads: string[], options: Record<string, unknown>, build: TranspileOptions = {}): Promise<Record<string, Artifact>> {
  const { components } = resolveWasmOptions(options);
  const resolved = await resolveComponents(workloads, components);
  const out: Record<string, Artifact> = {};
  for (const [w, c] of Object.entries(resolved)) out[w] = await prepareComponentFile(c.file, { ...build, name: w, brought: c.brought });
  return out;
}

function probeRequest(workload: string, brought: boolean): PlanRequest {
  if (brought) return { method: 'GET', path: '/', headers: {}, bodyBase64: '' };
  const f = loadWorkload(workload).trafficFixtures[0]!;
  return { method: f.request.method, path: f.request.path, headers: f.request.headers, bodyBase64: Buffer.from(fixtureRequestBody(f)).toString('base64') };
}

/** Versions of the runner's parts, for the reproducibility record. */
export function wasmVersions(): Record<string, string> {
  return { jco: toolVersions.jco, componentizeJs: toolVersions.componentizeJs, node: process.version, v8: process.versions.v8 };
}

/** Builds a wasm runner; `wasmRunner` is the registered one. */
export function createWasmRunner(deps: WasmRunnerDeps = {}): Runner {
  const hostScript = new URL('./host/main.js', import.meta.url);
  const check = (options: Record<string, unknown>): void => {
    const problems = validateWasmOptions(options);
    if (problems.length > 0) throw new LabError(`wasm runner: ${problems.join('; ')}`, ExitCode.invalidInput);
  };

  return {
    name: 'wasm',

    validateOptions: validateWasmOptions,

    async prepare(workloads: string[], options: Record<string, unknown>): Promise<PreparedRuntime> {
      check(options);
      const arts = await resolveArtifacts(workloads, options, deps.build);
      const { components } = resolveWasmOptions(options);
      const artifacts: ArtifactInfo[] = Object.entries(arts).map(([w, a]) => ({
        workload: w,
        packaging: 'wasm-component',
        digest: a.manifest.digest,
        // A brought component has no lab source: its own digest stands for it.
        sourceDigest: components[w] !== undefined ? a.manifest.digest : loadWorkload(w).sourceDigest,
        sizeBytes: a.manifest.sizeBytes,
        path: join(a.dir, COMPONENT_FILE),
      }));
      return { artifacts, versions: wasmVersions() };
    },

    async launch(plan: LaunchPlan): Promise<WasmPopHandle> {
      check(plan.options);
      const opts = resolveWasmOptions(plan.options);
      const workloads = [...new Set(plan.tenants.map((t) => t.workload))];
      const arts = await resolveArtifacts(workloads, plan.options, deps.build);
      mkdirSync(plan.workDir, { recursive: true });
      const planPath = join(plan.workDir, 'wasm-host.plan.json');
      const logPath = join(plan.workDir, 'wasm-host.log');
      writeWasmHostPlan(planPath, {
        plan,
        artifacts: Object.fromEntries(Object.entries(arts).map(([w, a]) => [w, a.dir])),
        spares: opts.spares,
        workers: opts.workers,
        memoryProbes: opts.memoryProbes,
        probeRequests: Object.fromEntries(workloads.map((w) => [w, probeRequest(w, opts.components[w] !== undefined)])),
        logPath,
      });
      const log = openSync(logPath, 'a');
      let host: ChildProcess;
      try {
        host = fork(hostScript, [planPath], {
          stdio: ['ignore', log, log, 'ipc'],
          // --expose-gc: the memory probe forces collections so deltas are live memory only.
          execArgv: ['--expose-gc'],
          detached: true,
          serialization: 'json',
        });
      } finally {
        closeSync(log);
      }
      const timeoutMs = deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      return attachHost('wasm', host, { channel: 'ipc', logPath, startTimeoutMs: timeoutMs });
    },
  };
}

/** The registered `wasm` runner. */
export const wasmRunner: Runner = createWasmRunner();
