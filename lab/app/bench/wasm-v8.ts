/**
 * `lab bench wasm-host`: from one run, how the Wasm host compares with what V8 and Node allow,
 * as ratios: host cold start vs the bare `new WebAssembly.Instance` floor of the same core
 * module; spare hand-out latency; warm requests per second vs a plain node:http server running
 * the same handler natively; memory per instance. Host-side figures come from the PoP's
 * `server-timing` header (`pop` = arrival to response head, `guest` = inside the guest's
 * `handle`) and from activation records, so loopback HTTP and the client's own load stay out. `benchWasmHost` is the pure API (it returns
 * records), `formatWasmBench` renders them, `wasmBenchCommand` is the CLI wrapper.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ExitCode, LabError, RuntimeFailure } from '../../errors.js';
import type { Command } from '../commands/command.js';
import { startNodeServer } from '../../../workloads/packaging/node/launch.js';
import { startNativeServer } from '../../../workloads/c/native/launch.js';
import { languageOf } from '../../../workloads/languages/index.js';
import type { ComponentPackaging } from '../../../workloads/languages/language.js';
import { fixtureRequestBody, loadWorkload } from '../../../workloads/registry.js';
import type { MemoryReport, PopHandle, PopStats } from '../../pop/contract.js';
import { GLUE_DIR } from '../../../runners/wasm/artifacts/artifact.js';
import { resolveArtifacts, wasmRunner, wasmVersions } from '../../../runners/wasm/runner.js';
import { resolveOptions } from '../../../runners/kit/options.js';

/** What to measure. */
export interface WasmBenchOptions {
  workload: string;
  /** Forced cold starts and floor instantiations sampled. */
  samples: number;
  /** Seconds of each warm throughput run. */
  seconds: number;
  connections: number;
  /** Engine threads of the host (0 = guests on the host's main thread). */
  workers?: number;
  /** Sequential warm requests sampled for the host overhead (default max(200, 10 x samples)). */
  warmSamples?: number;
  /** The component's packaging (default `wasm-component`). */
  packaging?: ComponentPackaging;
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
  packaging: ComponentPackaging;
  /** Engine threads of the hosts (0 = same thread), and the 1-minute load average at start and end. */
  workers: number | 'default';
  loadAverage: { start: number; end: number };
  /** Client-observed latency of requests served by a spare instance, and by a warm one (loopback HTTP included). */
  spareClientMs: Dist;
  warmClientMs: Dist;
  /** Host-side (`server-timing: pop`) time of a request served by a fresh spare, and by a pre-warmed one (`prewarmSpares`). */
  spareHostMs: Dist;
  sparePrewarmedHostMs: Dist;
  /** Warm requests, one at a time: host-side total, inside the guest's `handle`, and the host's share (total minus guest). */
  warmHostMs: Dist;
  warmGuestMs: Dist;
  warmOverheadMs: Dist;
  wasmReqPerSec: number;
  nativeReqPerSec: number;
  memory: { perInstanceUssBytes: number; perInstancePssBytes: number; perInstancePrivateDirtyBytes: number; fixedOverheadBytes: number };
  ratios: { coldVsFloor: number; wasmVsNativeThroughput: number };
}

/** The `pop` and `guest` durations of a `server-timing` header, ms (NaN when absent). */
export function parseServerTiming(value: string | null): { pop: number; guest: number } {
  const dur = (name: string): number => {
    const m = new RegExp(`(?:^|,)\\s*${name};dur=([0-9.]+)`).exec(value ?? '');
    return m ? Number(m[1]) : Number.NaN;
  };
  return { pop: dur('pop'), guest: dur('guest') };
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
    if (i.kind !== 'function') throw new RuntimeFailure(`floor: the core module imports a ${i.kind} (${i.module}.${i.name}); only function imports can be stubbed`);
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

type BenchRequest = { method: string; headers: Record<string, string>; body: Uint8Array };

async function tenantCall(url: string, path: string, init: BenchRequest): Promise<{ activation: string | null; ms: number; pop: number; guest: number }> {
  const t = performance.now();
  const res = await fetch(url + path, { method: init.method, headers: init.headers, ...(init.body.length > 0 ? { body: init.body } : {}) });
  await res.arrayBuffer();
  if (res.status >= 500) throw new RuntimeFailure(`bench: ${url}${path} answered ${res.status}`);
  return { activation: res.headers.get('x-lab-activation'), ms: performance.now() - t, ...parseServerTiming(res.headers.get('server-timing')) };
}

/** Requests served by the tenant `spare`'s spare, one per refill (the pool refilled off the request path before each). */
async function spareHandOuts(url: string, path: string, req: BenchRequest, samples: number): Promise<{ client: number[]; host: number[] }> {
  const client: number[] = [];
  const host: number[] = [];
  for (let i = 0; i < samples; i++) {
    await fetch(`${url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 'spare' }) }).then((r) => r.arrayBuffer());
    for (let k = 0; k < 100; k++) {
      const s = (await (await fetch(`${url}/_lab/stats?drain=1`)).json()) as PopStats;
      if (s.spares.spare === 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await tenantCall(`${url}/t/spare`, path, req);
    if (r.activation === 'spare') {
      client.push(r.ms);
      host.push(r.pop);
    }
  }
  return { client, host };
}

async function throughput(url: string, method: string, headers: Record<string, string>, body: Uint8Array, seconds: number, connections: number): Promise<number> {
  const r = await autocannon({ url, method: method as autocannon.Request['method'], headers, ...(body.length ? { body: Buffer.from(body) } : {}), duration: seconds, connections });
  if (r.errors + r.timeouts > 0 || r.non2xx > 0) throw new RuntimeFailure(`bench: ${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx under load`);
  return r.requests.average;
}

/** Runs the whole bench for one workload. */
export async function benchWasmHost(opts: WasmBenchOptions): Promise<WasmBenchResult> {
  const w = loadWorkload(opts.workload);
  const f = w.trafficFixtures[0]!;
  const body = fixtureRequestBody(f);
  const packaging = opts.packaging ?? 'wasm-component';
  const hosted = (await resolveArtifacts([w.name], resolveOptions(wasmRunner, { packaging })))[w.name]!;
  const art = hosted.artifact;
  const floor = measureFloor(readFileSync(join(art.dir, GLUE_DIR, art.manifest.coreModules[0]!)), opts.samples);

  const loadStart = loadavg()[0]!;
  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-wasm-'));
  const launch = (spares: number, tenants: string[], prewarmSpares = false): Promise<PopHandle> =>
    wasmRunner.launch({
      runId: `bench-wasm-${Date.now()}`,
      tenants: tenants.map((id) => ({ id, workload: w.name })),
      keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      options: resolveOptions(wasmRunner, { spares, prewarmSpares, packaging, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) }),
      requestTimeoutMs: 10_000,
      workDir: join(workDir, `spares-${spares}${prewarmSpares ? '-prewarmed' : ''}`),
    });
  // The same handler served natively: its bare-process artifact (Node server over a JS module, a static server, an interpreter).
  const proc = await languageOf(w).processArtifact(w);
  const native = proc.kind === 'node-module' ? await startNodeServer(proc.file.path) : await startNativeServer(proc.kind === 'executable' ? proc.file.path : proc.command);
  const hosts: PopHandle[] = [];
  try {
    const req: BenchRequest = { method: f.request.method, headers: f.request.headers, body };
    // Hand-outs from a spare pool of one, fresh and pre-warmed. One host at a time, so no host's
    // background work (spare refills) lands in another's figures.
    const prewarmHost = await launch(1, ['spare'], true);
    hosts.push(prewarmHost);
    const prewarmed = await spareHandOuts(prewarmHost.url, f.request.path, req, opts.samples);
    await prewarmHost.stop();
    const spareHost = await launch(1, ['spare']);
    hosts.push(spareHost);
    const fresh = await spareHandOuts(spareHost.url, f.request.path, req, opts.samples);
    await spareHost.stop();
    // Cold starts and warm requests without spares (a forced cold request may take a spare).
    const handle = await launch(0, ['cold', 'warm']);
    hosts.push(handle);
    // Cold: forced, one at a time, the previous instance evicted first.
    const coldRecords: PopStats['activations'] = [];
    for (let i = 0; i < opts.samples; i++) {
      await fetch(`${handle.url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 'cold' }) }).then((r) => r.arrayBuffer());
      await tenantCall(`${handle.url}/t/cold`, f.request.path, { ...req, headers: { ...req.headers, 'x-lab-force-cold': '1' } });
      const s = (await (await fetch(`${handle.url}/_lab/stats?drain=1`)).json()) as PopStats;
      coldRecords.push(...s.activations.filter((a) => a.tenant === 'cold' && a.path === 'request' && a.ok));
    }
    const phase = (name: string): number[] => coldRecords.map((a) => a.phases.find((p) => p.name === name)?.ms ?? 0);
    // Warm, one request at a time: what the host adds around the guest's own handle.
    const warm = { client: [] as number[], pop: [] as number[], guest: [] as number[], overhead: [] as number[] };
    const warmSamples = opts.warmSamples ?? Math.max(200, opts.samples * 10);
    while (warm.pop.length < warmSamples) {
      const r = await tenantCall(`${handle.url}/t/warm`, f.request.path, req);
      // The tenant's first request is its cold start.
      if (r.activation !== 'warm') continue;
      warm.client.push(r.ms);
      warm.pop.push(r.pop);
      warm.guest.push(r.guest);
      warm.overhead.push(r.pop - r.guest);
    }
    const wasmRps = await throughput(`${handle.url}/t/warm${f.request.path}`, f.request.method, f.request.headers, body, opts.seconds, opts.connections);
    const nativeRps = await throughput(`${native.url}${f.request.path}`, f.request.method, f.request.headers, body, opts.seconds, opts.connections);
    const mem = (await (await fetch(`${handle.url}/_lab/memory`)).json()) as MemoryReport;
    const floorD = dist(floor);
    const coldD = dist(coldRecords.map((a) => a.totalMs));
    return {
      workload: w.name,
      versions: wasmVersions(),
      workers: opts.workers ?? 'default',
      loadAverage: { start: loadStart, end: loadavg()[0]! },
      floorInstantiateMs: floorD,
      hostColdStartMs: coldD,
      hostInstantiateMs: dist(phase('instantiate')),
      hostFirstResponseMs: dist(phase('firstResponse')),
      hostGcMs: dist(phase('gc')),
      packaging: hosted.component.packaging,
      spareClientMs: dist(fresh.client),
      warmClientMs: dist(warm.client),
      spareHostMs: dist(fresh.host),
      sparePrewarmedHostMs: dist(prewarmed.host),
      warmHostMs: dist(warm.pop),
      warmGuestMs: dist(warm.guest),
      warmOverheadMs: dist(warm.overhead),
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
    for (const h of hosts) await h.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const MiB = 1024 * 1024;
const d = (x: Dist): string => `p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms  (n=${x.n})`;
const us = (x: Dist): string => `p50 ${(x.p50 * 1000).toFixed(0)} us  p99 ${(x.p99 * 1000).toFixed(0)} us  (n=${x.n})`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** The bench as text (no I/O). */
export function formatWasmBench(r: WasmBenchResult): string {
  const mode = r.workers === 0 ? 'guests on the host main thread (workers 0)' : `engine workers: ${r.workers}`;
  return [
    `wasm host bench: workload ${r.workload}, ${mode} (jco ${r.versions.jco}, componentize-js ${r.versions.componentizeJs}, node ${r.versions.node}, V8 ${r.versions.v8})`,
    `  load average (1 min)      ${r.loadAverage.start.toFixed(2)} at start, ${r.loadAverage.end.toFixed(2)} at end`,
    `  cold start vs floor       ${r.ratios.coldVsFloor.toFixed(2)}x   (goal p50 <= 1.5x: ${verdict(r.ratios.coldVsFloor <= 1.5)})`,
    `    host cold start         ${d(r.hostColdStartMs)}   (arrival to first byte, inside the host)`,
    `      instantiate           ${d(r.hostInstantiateMs)}`,
    `      first response        ${d(r.hostFirstResponseMs)}`,
    `      GC during instantiate ${d(r.hostGcMs)}`,
    `    floor                   ${d(r.floorInstantiateMs)}   (new WebAssembly.Instance of the main core module, no-op imports)`,
    `  spare hand-out (host)     ${d(r.spareHostMs)}   (goal p99 < 1 ms: ${verdict(r.spareHostMs.p99 < 1)}; the spare's first request)`,
    `    pre-warmed spare (host) ${d(r.sparePrewarmedHostMs)}   (goal p99 < 1 ms: ${verdict(r.sparePrewarmedHostMs.p99 < 1)}; option prewarmSpares: one synthetic request before hand-out)`,
    `    fresh spare (client)    ${d(r.spareClientMs)}   (loopback HTTP included)`,
    `  warm host overhead        ${us(r.warmOverheadMs)}   (goal p50 <= 100 us: ${verdict(r.warmOverheadMs.p50 <= 0.1)}; host-side total minus the guest's handle)`,
    `    host-side total         ${us(r.warmHostMs)}`,
    `    guest handle            ${us(r.warmGuestMs)}`,
    `    client                  ${d(r.warmClientMs)}   (loopback HTTP included)`,
    `  warm throughput vs native ${r.ratios.wasmVsNativeThroughput.toFixed(2)}x   (${r.wasmReqPerSec.toFixed(0)} vs ${r.nativeReqPerSec.toFixed(0)} req/s, the same handler served natively: node:http for JS, the static server for C)`,
    `  memory per instance       USS ${(r.memory.perInstanceUssBytes / MiB).toFixed(2)} MiB  PSS ${(r.memory.perInstancePssBytes / MiB).toFixed(2)} MiB  Private_Dirty ${(r.memory.perInstancePrivateDirtyBytes / MiB).toFixed(2)} MiB (goal <= 5 MiB: ${verdict(r.memory.perInstancePrivateDirtyBytes <= 5 * MiB)}); host fixed ${(r.memory.fixedOverheadBytes / MiB).toFixed(1)} MiB`,
  ].join('\n');
}

/** `lab bench wasm-host`, for lab/cli.ts to register. */
export const wasmBenchCommand: Command = {
  name: 'bench-wasm-host',
  summary: 'wasm host: cold start vs the instantiate floor, spare hand-out, warm throughput vs native, memory per instance',
  usage: `lab bench wasm-host [--workload hello] [--samples 30] [--seconds 5] [--connections 8] [--workers N (0 = same thread)] [--json]

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
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new LabError('--workers must be a non-negative integer (0 = guests on the host main thread)', ExitCode.usage);
    const r = await benchWasmHost({ workload: values.workload, samples, seconds, connections, ...(workers !== undefined ? { workers } : {}) });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatWasmBench(r)}\n`);
    return ExitCode.ok;
  },
};
