/**
 * `lab bench wasm-host`: from one run, how the Wasm host compares with what V8 and Node allow,
 * as ratios: host cold start vs the bare `new WebAssembly.Instance` floor of the same core
 * module; spare hand-out latency; warm requests per second vs a plain node:http server running
 * the same handler natively; memory per instance. `benchWasmHost` is the pure API (it returns
 * records), `formatWasmBench` renders them, `wasmBenchCommand` is the CLI wrapper.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ExitCode, LabError } from '../../lab/errors.js';
import type { Command } from '../../lab/commands/command.js';
import { startNodeServer } from '../../workloads/packaging/node/launch.js';
import { fixtureRequestBody, loadWorkload } from '../../workloads/registry.js';
import type { MemoryReport, PopStats } from '../contract.js';
import { GLUE_DIR } from './artifact.js';
import { resolveArtifacts, wasmRunner, wasmVersions } from './index.js';

/** What to measure. */
export interface WasmBenchOptions {
  workload: string;
  /** Forced cold starts and floor instantiations sampled. */
  samples: number;
  /** Seconds of each warm throughput run. */
  seconds: number;
  connections: number;
  /** Engine threads of the host. */
  workers?: number;
}

/** Median and 99th percentile of a sample, milliseconds. */
export interface Dist {
  n: number;
  p50: number;
  p99: number;
}

/** The bench's results. */
export interface WasmBenchResult {
  workload: string;
  versions: Record<string, string>;
  floorInstantiateMs: Dist;
  hostColdStartMs: Dist;
  hostInstantiateMs: Dist;
  hostFirstResponseMs: Dist;
  hostGcMs: Dist;
  /** Client-observed latency of requests served by a spare instance, and by a warm one (loopback HTTP included). */
  spareClientMs: Dist;
  warmClientMs: Dist;
  wasmReqPerSec: number;
  nativeReqPerSec: number;
  memory: { perInstanceUssBytes: number; perInstancePssBytes: number; perInstancePrivateDirtyBytes: number; fixedOverheadBytes: number };
  ratios: { coldVsFloor: number; wasmVsNativeThroughput: number };
}

function dist(xs: number[]): Dist {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99) };
}

/** The floor: `new WebAssembly.Instance` of the component's main core module with no-op imports. */
export function measureFloor(coreWasm: Uint8Array, samples: number): number[] {
  const module = new WebAssembly.Module(coreWasm);
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of (WebAssembly.Module as unknown as { imports(m: WebAssembly.Module): { module: string; name: string; kind: string }[] }).imports(module)) {
    if (i.kind !== 'function') throw new LabError(`floor: the core module imports a ${i.kind} (${i.module}.${i.name}); only function imports can be stubbed`);
    (imports[i.module] ??= {})[i.name] = () => 0;
  }
  const out: number[] = [];
  const keep: unknown[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    keep.push(new WebAssembly.Instance(module, imports));
    out.push(performance.now() - t);
    // Drop references in batches so the floor includes the same kind of GC pressure without unbounded memory.
    if (keep.length >= 8) keep.length = 0;
  }
  return out;
}

async function tenantCall(url: string, path: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array }): Promise<{ activation: string | null; ms: number }> {
  const t = performance.now();
  const res = await fetch(url + path, { method: init.method, headers: init.headers, ...(init.body && init.body.length > 0 ? { body: init.body } : {}) });
  await res.arrayBuffer();
  if (res.status >= 500) throw new LabError(`bench: ${url}${path} answered ${res.status}`);
  return { activation: res.headers.get('x-lab-activation'), ms: performance.now() - t };
}

async function throughput(url: string, method: string, headers: Record<string, string>, body: Uint8Array, seconds: number, connections: number): Promise<number> {
  const r = await autocannon({ url, method: method as autocannon.Request['method'], headers, ...(body.length ? { body: Buffer.from(body) } : {}), duration: seconds, connections });
  if (r.errors + r.timeouts > 0 || r.non2xx > 0) throw new LabError(`bench: ${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx under load`);
  return r.requests.average;
}

/** Runs the whole bench for one workload. */
export async function benchWasmHost(opts: WasmBenchOptions): Promise<WasmBenchResult> {
  const w = loadWorkload(opts.workload);
  const f = w.trafficFixtures[0]!;
  const body = fixtureRequestBody(f);
  const art = (await resolveArtifacts([w.name], {}))[w.name]!;
  const floor = measureFloor(readFileSync(join(art.dir, GLUE_DIR, art.manifest.coreModules[0]!)), opts.samples);

  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-wasm-'));
  const launch = (spares: number, tenants: string[]) =>
    wasmRunner.launch({
      runId: `bench-wasm-${Date.now()}`,
      tenants: tenants.map((id) => ({ id, workload: w.name })),
      keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      options: { spares, ...(opts.workers ? { workers: opts.workers } : {}) },
      requestTimeoutMs: 10_000,
      workDir: join(workDir, `spares-${spares}`),
    });
  // Cold starts and throughput without spares (a forced cold request may take a spare); hand-outs with one.
  const handle = await launch(0, ['cold', 'warm']);
  const spareHost = await launch(1, ['spare']).catch(async (e: unknown) => {
    await handle.stop();
    throw e;
  });
  const native = await startNodeServer(w.handlerPath);
  try {
    const req = { method: f.request.method, headers: f.request.headers, body };
    // Cold: forced, one at a time, the previous instance evicted first.
    const coldRecords: PopStats['activations'] = [];
    for (let i = 0; i < opts.samples; i++) {
      await fetch(`${handle.url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 'cold' }) }).then((r) => r.arrayBuffer());
      await tenantCall(`${handle.url}/t/cold`, f.request.path, { ...req, headers: { ...req.headers, 'x-lab-force-cold': '1' } });
      const s = (await (await fetch(`${handle.url}/_lab/stats?drain=1`)).json()) as PopStats;
      coldRecords.push(...s.activations.filter((a) => a.tenant === 'cold' && a.path === 'request' && a.ok));
    }
    const phase = (name: string): number[] => coldRecords.map((a) => a.phases.find((p) => p.name === name)?.ms ?? 0);
    // Spare: one request per refill, spaced so the pool has refilled off the request path.
    const spare: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < opts.samples; i++) {
      await fetch(`${spareHost.url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 'spare' }) }).then((r) => r.arrayBuffer());
      for (let k = 0; k < 100; k++) {
        const s = (await (await fetch(`${spareHost.url}/_lab/stats?drain=1`)).json()) as PopStats;
        if (s.spares.spare === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const r = await tenantCall(`${spareHost.url}/t/spare`, f.request.path, req);
      if (r.activation === 'spare') spare.push(r.ms);
      const wr = await tenantCall(`${spareHost.url}/t/spare`, f.request.path, req);
      if (wr.activation === 'warm') warm.push(wr.ms);
    }
    await tenantCall(`${handle.url}/t/warm`, f.request.path, req);
    const wasmRps = await throughput(`${handle.url}/t/warm${f.request.path}`, f.request.method, f.request.headers, body, opts.seconds, opts.connections);
    const nativeRps = await throughput(`${native.url}${f.request.path}`, f.request.method, f.request.headers, body, opts.seconds, opts.connections);
    const mem = (await (await fetch(`${handle.url}/_lab/memory`)).json()) as MemoryReport;
    const floorD = dist(floor);
    const coldD = dist(coldRecords.map((a) => a.totalMs));
    return {
      workload: w.name,
      versions: wasmVersions(),
      floorInstantiateMs: floorD,
      hostColdStartMs: coldD,
      hostInstantiateMs: dist(phase('instantiate')),
      hostFirstResponseMs: dist(phase('firstResponse')),
      hostGcMs: dist(phase('gc')),
      spareClientMs: dist(spare),
      warmClientMs: dist(warm),
      wasmReqPerSec: wasmRps,
      nativeReqPerSec: nativeRps,
      memory: {
        perInstanceUssBytes: mem.perInstanceUssBytes,
        perInstancePssBytes: mem.perInstancePssBytes,
        perInstancePrivateDirtyBytes: mem.extra[`artifact.${w.name}.perInstancePrivateDirtyBytes`] ?? Number.NaN,
        fixedOverheadBytes: mem.fixedOverheadBytes,
      },
      ratios: { coldVsFloor: coldD.p50 / floorD.p50, wasmVsNativeThroughput: wasmRps / nativeRps },
    };
  } finally {
    await native.stop();
    await handle.stop();
    await spareHost.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const MiB = 1024 * 1024;
const d = (x: Dist): string => `p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms  (n=${x.n})`;

/** The bench as text (no I/O). */
export function formatWasmBench(r: WasmBenchResult): string {
  return [
    `wasm host bench: workload ${r.workload} (jco ${r.versions.jco}, componentize-js ${r.versions.componentizeJs}, node ${r.versions.node}, V8 ${r.versions.v8})`,
    `  cold start vs floor       ${r.ratios.coldVsFloor.toFixed(2)}x   (goal <= 1.5x)`,
    `    host cold start         ${d(r.hostColdStartMs)}   (arrival to first byte, inside the host)`,
    `      instantiate           ${d(r.hostInstantiateMs)}`,
    `      first response        ${d(r.hostFirstResponseMs)}`,
    `      GC during instantiate ${d(r.hostGcMs)}`,
    `    floor                   ${d(r.floorInstantiateMs)}   (new WebAssembly.Instance of the main core module, no-op imports)`,
    `  spare hand-out (client)   ${d(r.spareClientMs)}   (goal p99 < 1 ms host-side; loopback HTTP included here)`,
    `  warm request (client)     ${d(r.warmClientMs)}`,
    `  warm throughput vs native ${r.ratios.wasmVsNativeThroughput.toFixed(2)}x   (${r.wasmReqPerSec.toFixed(0)} vs ${r.nativeReqPerSec.toFixed(0)} req/s, node:http with the same handler)`,
    `  memory per instance       USS ${(r.memory.perInstanceUssBytes / MiB).toFixed(2)} MiB  PSS ${(r.memory.perInstancePssBytes / MiB).toFixed(2)} MiB  Private_Dirty ${(r.memory.perInstancePrivateDirtyBytes / MiB).toFixed(2)} MiB (goal <= 5 MiB); host fixed ${(r.memory.fixedOverheadBytes / MiB).toFixed(1)} MiB`,
  ].join('\n');
}

/** `lab bench wasm-host`, for lab/cli.ts to register. */
export const wasmBenchCommand: Command = {
  name: 'bench-wasm-host',
  summary: 'wasm host: cold start vs the instantiate floor, spare hand-out, warm throughput vs native, memory per instance',
  usage: `lab bench wasm-host [--workload hello] [--samples 30] [--seconds 5] [--connections 8] [--workers N] [--json]

Ratios from one run on this machine; compare within a run, not across machines.`,
  async run(argv) {
    const args = argv[0] === 'wasm-host' ? argv.slice(1) : argv;
    const { values } = parseArgs({
      args,
      options: {
        workload: { type: 'string', default: 'hello' },
        samples: { type: 'string', default: '30' },
        seconds: { type: 'string', default: '5' },
        connections: { type: 'string', default: '8' },
        workers: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const samples = Number(values.samples);
    const seconds = Number(values.seconds);
    const connections = Number(values.connections);
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (!(Number.isInteger(samples) && samples >= 3 && samples <= 10_000) || !(seconds > 0 && seconds <= 600) || !(Number.isInteger(connections) && connections >= 1)) {
      throw new LabError('--samples must be an integer in [3, 10000], --seconds in (0, 600], --connections >= 1', ExitCode.usage);
    }
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) throw new LabError('--workers must be a positive integer', ExitCode.usage);
    const r = await benchWasmHost({ workload: values.workload, samples, seconds, connections, ...(workers ? { workers } : {}) });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatWasmBench(r)}\n`);
    return ExitCode.ok;
  },
};
