/**
 * The `wasm` runner: each tenant instance is a WASI 0.2 HTTP component instance (built from the
 * workload's handler by componentize-js, or brought as a file), hosted on V8 through jco's glue
 * by a PoP host process of its own (host/main.ts) with one engine thread per core.
 * See docs/wasm-host.md for the design and what its figures mean.
 */
import { everyProbe } from '../../lab/isolation/probes.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../lab/errors.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { capMemories, MemoryCapError } from './host/memory-cap.js';
import type { ArtifactInfo, LaunchPlan, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { toolVersions } from '../../workloads/components/tools.js';
import { probeRequest, resolveComponents, WASM_EXTENDED_CONST_FLAG, type ResolvedComponent } from '../components/components.js';
import { launchHost, type HostPopHandle } from '../kit/launch.js';
import { COMPONENT_FILE, GLUE_DIR, type Artifact } from './artifacts/artifact.js';
import { prepareComponentFile, type TranspileOptions } from './artifacts/transpile.js';
import { parseWasmOptions, type WasmOptions } from './options.js';
import type { WasmHostPlan } from './plan.js';

/** Generous: start-up includes compiling and filling spare pools, and this is not a measurement. */
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** A launched PoP, with the host's pid for leak checks. */
export type WasmPopHandle = HostPopHandle;
/** Seams for tests. */
export interface WasmRunnerDeps {
  build?: TranspileOptions;
  startTimeoutMs?: number;
}

/** A workload's component as the V8 host runs it: the component's record and its transpiled artifact. */
interface HostedComponent {
  component: ResolvedComponent;
  artifact: Artifact;
}

/** The V8 host's artifact of each workload: its component (brought, or built by its language), transpiled by jco. */
export async function resolveArtifacts(workloads: string[], options: WasmOptions, build: TranspileOptions = {}): Promise<Record<string, HostedComponent>> {
  const out: Record<string, HostedComponent> = {};
  for (const [w, component] of Object.entries(await resolveComponents(workloads, options.components, {}, options.packaging))) {
    out[w] = { component, artifact: await prepareComponentFile(component.file, { ...build, name: w, brought: component.brought }) };
  }
  return out;
}

/** Versions of the runner's parts, for the reproducibility record. */
export function wasmVersions(): Record<string, string> {
  return { jco: toolVersions.jco, componentizeJs: toolVersions.componentizeJs, node: process.version, v8: process.versions.v8 };
}

/** Builds a wasm runner; `wasmRunner` is the registered one. */
export function createWasmRunner(deps: WasmRunnerDeps = {}): Runner<WasmOptions> {
  const hostScript = new URL('./host/main.js', import.meta.url);
  return {
    name: 'wasm',

    parseOptions: parseWasmOptions,

    conformance: {
      options: { workers: 1 },
      // A guest holds no file, process or socket capability: the host grants none.
      probes: everyProbe('denied'),
      // The pre-initialised and AOT-compiled snapshots must answer every fixture as the plain build does.
      variants: { preinit: { packaging: 'wasm-component-preinit' }, aot: { packaging: 'wasm-component-aot' } },
      misbehaving: async () => (await import('../testdata/misbehaving.js')).misbehavingGuest(),
    },

    async prepare(workloads: string[], options: WasmOptions): Promise<PreparedRuntime> {
      const hosted = await resolveArtifacts(workloads, options, deps.build);
      const artifacts: ArtifactInfo[] = Object.entries(hosted).map(([w, { component, artifact }]) => ({
        workload: w,
        packaging: component.packaging,
        digest: artifact.manifest.digest,
        sourceDigest: component.sourceDigest,
        sizeBytes: artifact.manifest.sizeBytes,
        path: join(artifact.dir, COMPONENT_FILE),
        ...(component.note !== undefined ? { note: component.note } : {}),
      }));
      return { artifacts, versions: wasmVersions() };
    },

    async launch(plan: LaunchPlan<WasmOptions>): Promise<WasmPopHandle> {
      const workloads = [...new Set(plan.tenants.map((t) => t.workload))];
      const hosted = await resolveArtifacts(workloads, plan.options, deps.build);
      // The memory limit must fit every component before any traffic: the host writes it into each module (host/memory-cap.ts).
      const memoryMiB = (plan.limits ?? DEFAULT_TENANT_LIMITS).memoryMiB;
      for (const [w, { artifact }] of Object.entries(hosted)) {
        for (const f of artifact.manifest.coreModules) {
          try {
            capMemories(readFileSync(join(artifact.dir, GLUE_DIR, f)), memoryMiB * 16);
          } catch (e) {
            if (e instanceof MemoryCapError) throw new InputError(`wasm runner: limits.memoryMiB (${memoryMiB} MiB) cannot be enforced on workload ${w}'s component: ${e.message}`);
            throw e;
          }
        }
      }
      const hostPlan: WasmHostPlan = {
        plan,
        artifacts: Object.fromEntries(Object.entries(hosted).map(([w, h]) => [w, h.artifact.dir])),
        probeRequests: Object.fromEntries(
          Object.entries(hosted).map(([w, h]) => {
            const r = probeRequest(w, h.component.brought);
            return [w, { method: r.method, path: r.path, headers: r.headers, bodyBase64: Buffer.from(r.body).toString('base64') }];
          }),
        ),
      };
      const handle = await launchHost({
        runner: 'wasm',
        // --expose-gc: the memory probe forces collections so deltas are live memory only.
        // WASM_EXTENDED_CONST_FLAG: Python components need it on Node 20.
        program: { kind: 'node', script: hostScript, execArgv: ['--expose-gc', WASM_EXTENDED_CONST_FLAG] },
        plan: hostPlan,
        workDir: plan.workDir,
        startTimeoutMs: deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      });
      return { ...handle, isolation: v8Isolation(memoryMiB, plan.requestTimeoutMs, (plan.limits ?? DEFAULT_TENANT_LIMITS).cpuMsPerRequest) };
    },
  };
}

/**
 * What the V8 host confines: a component defines its own linear memory and V8 gives the embedder
 * no per-memory cap to set, so the host writes the scenario's `limits.memoryMiB` into each core
 * module's memory maximum before compiling it (host/memory-cap.ts); a guest past its deadline is
 * stopped by terminating its engine worker.
 */
function v8Isolation(memoryMiB: number, requestTimeoutMs: number, cpuMsPerRequest: number): string[] {
  const deadline = cpuMsPerRequest > 0 && cpuMsPerRequest < requestTimeoutMs ? `${cpuMsPerRequest} ms wall (limits.cpuMsPerRequest)` : `${requestTimeoutMs} ms wall (the request timeout)`;
  return [
    `linear memory: ${memoryMiB} MiB per instance (the maximum written into each core module's memory: memory.grow past it fails in the guest)`,
    `guest call deadline: ${deadline}; the engine worker running the guest is terminated (on the same-thread engine, its guard stops it)`,
    'CPU: one guest call at a time per engine worker thread',
    'processes: none possible (no such capability in WASI 0.2)',
    "capabilities: the host's WASI shims grant no filesystem, sockets or environment; outbound HTTP denied",
  ];
}

/** The registered `wasm` runner. */
export const wasmRunner: Runner<WasmOptions> = createWasmRunner();
