/**
 * Entry script of the `wasm` runner's PoP host, launched by kit/launch.ts with its plan file
 * (`node --expose-gc main.js <plan.json>`). The main thread serves the PoP protocol
 * (kit/pop-server.ts) over the shared pool (kit/pool.ts); component instances live in engine
 * worker threads, one per core. It exits when its IPC channel closes, so nothing outlives the lab.
 */
import { readSmapsRollup } from '../../kit/memory/smaps.js';
import { InstancePool } from '../../kit/pool.js';
import { runPopHost } from '../../kit/host-main.js';
import { readArtifact, type Artifact } from '../artifacts/artifact.js';
import type { GuestRequest } from './engine.js';
import { WasmFactory } from './factory.js';
import type { WasmHostPlan } from '../plan.js';
import { DEFAULT_TENANT_LIMITS } from '../../../lab/scenario/types.js';

const MEMORY_METHOD =
  'per artifact: N probe instances kept live after one request each, forced GC, delta of /proc/self/smaps_rollup (USS = Private_Clean + Private_Dirty, PSS) of the host process divided by N; ' +
  'every live instance of that artifact reports that figure (instances share one process, so one cannot be read alone); fixed overhead = host USS with its engine threads before any artifact was loaded';

void runPopHost<WasmHostPlan>('wasm', async (hp, _atShutdown, stalls) => {
  const o = hp.plan.options;
  const artifacts: Record<string, Artifact> = {};
  for (const [w, dir] of Object.entries(hp.artifacts)) artifacts[w] = readArtifact(dir);
  const probeRequests: Record<string, GuestRequest> = {};
  for (const [w, r] of Object.entries(hp.probeRequests)) probeRequests[w] = { method: r.method, path: r.path, headers: r.headers, body: new Uint8Array(Buffer.from(r.bodyBase64, 'base64')) };
  const factory = new WasmFactory({
    artifacts,
    workers: o.workers,
    memoryProbes: o.memoryProbes,
    probeRequests,
    requestTimeoutMs: hp.plan.requestTimeoutMs,
    prewarmSpares: o.prewarmSpares,
    stalls,
    memoryMiB: (hp.plan.limits ?? DEFAULT_TENANT_LIMITS).memoryMiB,
    cpuMsPerRequest: (hp.plan.limits ?? DEFAULT_TENANT_LIMITS).cpuMsPerRequest,
  });
  // The fixed overhead: this process with its engine threads, before any artifact is compiled.
  (globalThis as { gc?: () => void }).gc?.();
  const fixed = (await readSmapsRollup(process.pid)).ussBytes;
  const f = factory;
  // Compile and memory probes now, before the host is ready: never on an engine thread under traffic.
  await f.measureAll();
  const pool = new InstancePool({
    runtime: 'wasm',
    stalls,
    tenants: hp.plan.tenants,
    keepAlive: hp.plan.keepAlive,
    requestTimeoutMs: hp.plan.requestTimeoutMs,
    spares: o.spares,
    factory: f,
    memory: {
      method: MEMORY_METHOD,
      fixedOverheadBytes: async () => fixed,
      extra: async () => {
        const out: Record<string, number> = { workers: o.workers, rehomedRequests: f.rehomed, lostInstances: f.lostInstances };
        for (const s of f.artifactStats()) {
          out[`artifact.${s.workload}.compiledBytes`] = s.compiledBytes;
          out[`artifact.${s.workload}.compileMs`] = Math.round(s.compileMs * 1000) / 1000;
        }
        for (const w of Object.keys(artifacts)) {
          const m = await f.measure(w);
          out[`artifact.${w}.perInstancePrivateDirtyBytes`] = m.privateDirtyBytes;
        }
        return out;
      },
    },
  });
  return { pool, close: () => f.close() };
});
