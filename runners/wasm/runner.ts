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
import { COMPONENT_FILE, type Artifact } from '../components/artifact.js';
import { buildWorkloadComponent, prepareComponentFile, type BuildOptions } from '../components/build.js';
import { writeWasmHostPlan, type PlanRequest } from './plan.js';
import { resolveWasmOptions, validateWasmOptions } from './options.js';
import { toolVersions } from '../components/tools.js';
import { buildCWorkload } from '../../workloads/c/build.js';

/** Generous: start-up includes compiling and filling spare pools, and this is not a measurement. */
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** A launched PoP, with the host's pid for leak checks. */
export type WasmPopHandle = HostPopHandle;
/** Seams for tests. */
export interface WasmRunnerDeps {
  build?: BuildOptions;
  startTimeoutMs?: number;
}

/** The artifact of each workload: a brought component when `components` names it, else the workload's own build. */
export async function resolveArtifacts(workloads: string[], options: Record<string, unknown>, build: BuildOptions = {}): Promise<Record<string, Artifact>> {
  const { components } = resolveWasmOptions(options);
  const out: Record<string, Artifact> = {};
  // One at a time: componentize-js runs a wizer process per build and this machine has few cores.
  for (const w of [...new Set(workloads)]) {
    const file = components[w];
    const workload = file === undefined ? loadWorkload(w) : undefined;
    if (file !== undefined) out[w] = await prepareComponentFile(file, build);
    // A C workload's component is built by workloads/c/build.ts, then hosted like a brought one.
    else if (workload!.manifest.language === 'c') out[w] = await prepareComponentFile((await buildCWorkload(w)).component.path, build);
    else out[w] = await buildWorkloadComponent(workload!, build);
  }
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
