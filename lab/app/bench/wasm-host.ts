/**
 * `lab bench wasm-host --runtime wasmtime`: from one run, how the Wasmtime host compares with its
 * own floor and with V8, as ratios: cold start (fresh instance + first response, host-side) vs
 * the host's instantiate floor (instances made in a loop, no HTTP); fresh-instance-per-request
 * and warm (reuse) throughput per host core; memory per instance; and, with `--compare-v8`, the
 * `wasm` (V8) host's bench on the same component. `benchWasmtimeHost` is the pure API (it
 * returns records), `formatWasmtimeBench` renders them, `wasmHostBenchCommand` is the CLI
 * wrapper (wasm-host-command.ts) that also dispatches `--runtime v8` to the V8 bench.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { RuntimeFailure } from '../../errors.js';
import { fixtureRequestBody, loadWorkload } from '../../../workloads/registry.js';
import type { MemoryReport, PopStats } from '../../pop/contract.js';
import { benchWasmHost, type WasmBenchResult } from './wasm-v8.js';
import { buildHost } from '../../../runners/wasmtime/host-build.js';
import { resolveComponents } from '../../../runners/components/components.js';
import type { ComponentPackaging } from '../../../workloads/languages/language.js';
import { hostVersions, precompiledCacheDir, wasmtimeRunner } from '../../../runners/wasmtime/runner.js';
import { resolveOptions } from '../../../runners/kit/options.js';

/** What to measure. */
export interface WasmtimeBenchOptions {
  workload: string;
  /** Cold starts and floor instantiations sampled. */
  samples: number;
  /** Seconds of each throughput run. */
  seconds: number;
  connections: number;
  /** Host worker threads (the "cores" of the per-core figures). */
  workers: number;
  /** Also run the V8 host's bench on the same workload. */
  compareV8: boolean;
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
export interface WasmtimeBenchResult {
  workload: string;
  versions: Record<string, string>;
  workers: number;
  floorInstantiateMs: Dist;
  /** A fresh instance's first `GET /` and a second one, called directly (no HTTP, no pool). */
  floorFirstRequestMs: Dist;
  floorWarmRequestMs: Dist;
  /** Median minor page faults of the floor's phases (copy-on-write pages first touched). */
  floorFaults: { instantiate: number; firstRequest: number; warmRequest: number };
  hostColdStartMs: Dist;
  hostInstantiateMs: Dist;
  hostFirstResponseMs: Dist;
  /** Sequential warm requests on the reuse host, client-side (loopback HTTP included). */
  warmClientMs: Dist;
  packaging: ComponentPackaging;
  freshReqPerSec: number;
  warmReqPerSec: number;
  memory: { perInstanceUssBytes: number; perInstancePrivateDirtyBytes: number; fixedOverheadBytes: number };
  ratios: { coldVsFloor: number; freshPerWorker: number; warmPerWorker: number };
  v8?: WasmBenchResult;
}

/** Percentiles of a sample (nearest rank). */
export function dist(xs: number[]): Dist {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99) };
}

/**
 * The host's activation floor for a component file (`--floor` mode of the host binary): per
 * fresh instance, instantiate, its first `GET /` and a second (warm) one, timed and with the
 * thread's minor page faults, in a loop on one thread, no HTTP, no pool.
 */
export interface ActivationFloor {
  instantiateMs: number[];
  firstRequestMs: number[];
  warmRequestMs: number[];
  instantiateFaults: number[];
  firstRequestFaults: number[];
  warmRequestFaults: number[];
}

/** Runs the host binary's `--floor` mode on `file`. */
export function measureFloor(binary: string, file: string, samples: number): ActivationFloor {
  const r = spawnSync(binary, ['--floor', file, precompiledCacheDir(), String(samples)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new RuntimeFailure(`bench: ${binary} --floor failed: ${r.stdout.trim()} ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as ActivationFloor;
}

async function throughput(url: string, method: string, headers: Record<string, string>, body: Uint8Array, seconds: number, connections: number): Promise<number> {
  const r = await autocannon({ url, method: method as autocannon.Request['method'], headers, ...(body.length ? { body: Buffer.from(body) } : {}), duration: seconds, connections });
  if (r.errors + r.timeouts > 0 || r.non2xx > 0) throw new RuntimeFailure(`bench: ${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx under load`);
  return r.requests.average;
}

/** Runs the whole bench for one workload. */
export async function benchWasmtimeHost(opts: WasmtimeBenchOptions): Promise<WasmtimeBenchResult> {
  const w = loadWorkload(opts.workload);
  const f = w.trafficFixtures[0]!;
  const body = fixtureRequestBody(f);
  const binary = await buildHost();
  const packaging = opts.packaging ?? 'wasm-component';
  const component = (await resolveComponents([w.name], {}, {}, { packaging, preinitFallback: false }))[w.name]!;
  const floor = measureFloor(binary, component.file, opts.samples);
  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-wasmtime-'));
  const launch = (reuse: boolean) =>
    wasmtimeRunner.launch({
      runId: `bench-wasmtime-${Date.now()}`,
      tenants: [{ id: 'bench', workload: w.name }],
      // The cap is the load's concurrency: every connection may hold an instance.
      keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: Math.max(1, opts.connections), memoryBudgetMiB: 0 },
      options: resolveOptions(wasmtimeRunner, { reuse, workers: opts.workers, packaging }),
      requestTimeoutMs: 10_000,
      workDir: join(workDir, reuse ? 'reuse' : 'fresh'),
    });
  const fresh = await launch(false);
  try {
    // Cold: every request of the fresh host is one; sequential so none queues behind another.
    await (await fetch(`${fresh.url}/_lab/stats?drain=1`)).arrayBuffer();
    for (let i = 0; i < opts.samples; i++) {
      const res = await fetch(`${fresh.url}/t/bench${f.request.path}`, { method: f.request.method, headers: f.request.headers, ...(body.length ? { body } : {}) });
      await res.arrayBuffer();
      if (res.status >= 500) throw new RuntimeFailure(`bench: cold request answered ${res.status}`);
    }
    const s = (await (await fetch(`${fresh.url}/_lab/stats?drain=1`)).json()) as PopStats;
    const cold = s.activations.filter((a) => a.path === 'request' && a.ok);
    const phase = (name: string): number[] => cold.map((a) => a.phases.find((p) => p.name === name)?.ms ?? Number.NaN);
    const freshRps = await throughput(`${fresh.url}/t/bench${f.request.path}`, f.request.method, f.request.headers, body, opts.seconds, opts.connections);
    await (await fetch(`${fresh.url}/_lab/stats?drain=1`)).arrayBuffer();
    const mem = (await (await fetch(`${fresh.url}/_lab/memory`)).json()) as MemoryReport;
    await fresh.stop();
    const reuse = await launch(true);
    let warmRps: number;
    const warmClient: number[] = [];
    try {
      // Warm, one request at a time (the first is the instance's cold start).
      for (let i = 0; i < Math.max(200, opts.samples) + 1; i++) {
        const t = performance.now();
        const res = await fetch(`${reuse.url}/t/bench${f.request.path}`, { method: f.request.method, headers: f.request.headers, ...(body.length ? { body } : {}) });
        await res.arrayBuffer();
        if (res.headers.get('x-lab-activation') === 'warm') warmClient.push(performance.now() - t);
      }
      warmRps = await throughput(`${reuse.url}/t/bench${f.request.path}`, f.request.method, f.request.headers, body, opts.seconds, opts.connections);
    } finally {
      await reuse.stop();
    }
    const floorD = dist(floor.instantiateMs);
    const coldD = dist(cold.map((a) => a.totalMs));
    const result: WasmtimeBenchResult = {
      workload: w.name,
      versions: hostVersions(binary),
      workers: opts.workers,
      floorInstantiateMs: floorD,
      floorFirstRequestMs: dist(floor.firstRequestMs),
      floorWarmRequestMs: dist(floor.warmRequestMs),
      floorFaults: { instantiate: dist(floor.instantiateFaults).p50, firstRequest: dist(floor.firstRequestFaults).p50, warmRequest: dist(floor.warmRequestFaults).p50 },
      hostColdStartMs: coldD,
      hostInstantiateMs: dist(phase('instantiate')),
      hostFirstResponseMs: dist(phase('firstResponse')),
      warmClientMs: dist(warmClient),
      packaging: component.packaging,
      freshReqPerSec: freshRps,
      warmReqPerSec: warmRps,
      memory: {
        perInstanceUssBytes: mem.perInstanceUssBytes,
        perInstancePrivateDirtyBytes: mem.extra[`artifact.${w.name}.perInstancePrivateDirtyBytes`] ?? Number.NaN,
        fixedOverheadBytes: mem.fixedOverheadBytes,
      },
      ratios: { coldVsFloor: coldD.p50 / floorD.p50, freshPerWorker: freshRps / opts.workers, warmPerWorker: warmRps / opts.workers },
    };
    if (opts.compareV8) result.v8 = await benchWasmHost({ workload: w.name, samples: opts.samples, seconds: opts.seconds, connections: opts.connections, workers: opts.workers, packaging });
    return result;
  } finally {
    await fresh.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const MiB = 1024 * 1024;
const d = (x: Dist): string => `p50 ${x.p50.toFixed(3)} ms  p99 ${x.p99.toFixed(3)} ms  (n=${x.n})`;

/** The bench as text (no I/O). */
export function formatWasmtimeBench(r: WasmtimeBenchResult): string {
  const lines = [
    `wasm host bench, runtime wasmtime ${r.versions.wasmtime}: workload ${r.workload}, ${r.workers} host worker thread(s)`,
    `  cold start vs floor         ${r.ratios.coldVsFloor.toFixed(2)}x`,
    `    host cold start           ${d(r.hostColdStartMs)}   (arrival to response, inside the host; goal p99 < 1 ms)`,
    `      instantiate             ${d(r.hostInstantiateMs)}`,
    `      first response          ${d(r.hostFirstResponseMs)}`,
    `    floor                     ${d(r.floorInstantiateMs)}   (Store + instantiate from the pre-instantiated component, in a loop; ${r.floorFaults.instantiate} minor faults)`,
    `      first request, direct   ${d(r.floorFirstRequestMs)}   (${r.floorFaults.firstRequest} minor faults)`,
    `      warm request, direct    ${d(r.floorWarmRequestMs)}   (${r.floorFaults.warmRequest} minor faults)`,
    `  fresh instance per request  ${r.freshReqPerSec.toFixed(0)} req/s = ${r.ratios.freshPerWorker.toFixed(0)} per worker   (wasmtime serve: ~2.5-3k per vCPU; goal within 2x)`,
    `  warm (reuse)                ${r.warmReqPerSec.toFixed(0)} req/s = ${r.ratios.warmPerWorker.toFixed(0)} per worker`,
    `  memory per instance         USS ${(r.memory.perInstanceUssBytes / MiB).toFixed(2)} MiB  Private_Dirty ${(r.memory.perInstancePrivateDirtyBytes / MiB).toFixed(2)} MiB; host fixed ${(r.memory.fixedOverheadBytes / MiB).toFixed(1)} MiB`,
    `  (the load generator shares this machine's cores with the host: per-worker figures are lower bounds)`,
  ];
  if (r.v8) {
    const v = r.v8;
    lines.push(
      `  V8 (wasm runner) vs Wasmtime, same workload:`,
      `    cold start p50/p99        V8 ${v.hostColdStartMs.p50.toFixed(3)}/${v.hostColdStartMs.p99.toFixed(3)} ms   wasmtime ${r.hostColdStartMs.p50.toFixed(3)}/${r.hostColdStartMs.p99.toFixed(3)} ms   (${(v.hostColdStartMs.p50 / r.hostColdStartMs.p50).toFixed(1)}x at p50)`,
      `    warm throughput           V8 ${v.wasmReqPerSec.toFixed(0)} req/s   wasmtime ${r.warmReqPerSec.toFixed(0)} req/s`,
      `    Private_Dirty / instance  V8 ${(v.memory.perInstancePrivateDirtyBytes / MiB).toFixed(2)} MiB   wasmtime ${(r.memory.perInstancePrivateDirtyBytes / MiB).toFixed(2)} MiB`,
    );
  }
  return lines.join('\n');
}
