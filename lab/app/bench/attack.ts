/**
 * What the instrument and peer benches share: one constant-rate attack of the lab's engine on
 * an endpoint, and the pinning of generators and systems under test to cores of their own.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { EnvironmentError } from '../../errors.js';
import { startLoad } from '../../loadgen/client.js';
import type { LoadJob, WireFixture } from '../../loadgen/protocol.js';
import { decodeHistogram, summarise } from '../../measure/histogram.js';
import { processTree } from '../../proc/process-tree.js';

/** The engine's own figures of one attack. */
export interface EngineFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Send lateness (actual minus intended send time), p99 and max, ms. */
  lateP99Ms: number;
  lateMaxMs: number;
}

/** `GET /` expecting 200: what a bench sends when the endpoint's workload does not matter. */
export const GET_ROOT: WireFixture = { method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 };

/**
 * The engine sends `fixture` at `rate` req/s for `seconds` to `url`: a PoP (`route: 'pop'`,
 * tenant `bench`) or a plain endpoint; `forceCold` asks the PoP for a fresh instance each time.
 */
export async function engineAttack(o: { url: string; route: 'pop' | 'plain'; fixture: WireFixture; rate: number; seconds: number; cpus?: number[]; forceCold?: boolean }): Promise<EngineFigures> {
  const n = Math.round(o.rate * o.seconds);
  const job: Omit<LoadJob, 'type'> = {
    popUrl: o.url,
    route: o.route,
    ...(o.cpus ? { cpus: o.cpus } : {}),
    tenants: [{ id: 'bench', workload: 'bench' }],
    fixtures: { bench: [o.fixture] },
    atMs: Float64Array.from({ length: n }, (_, i) => (i * 1000) / o.rate),
    tenant: new Uint32Array(n),
    fixture: new Uint32Array(n),
    forceCold: new Uint8Array(n).fill(o.forceCold ? 1 : 0),
    warmup: new Uint8Array(n),
    spanMs: o.seconds * 1000,
    warmupMs: 0,
    // Vegeta's default request timeout, so neither generator gives up earlier than the other.
    timeoutMs: 30_000,
    lateThresholdMs: 5,
    // Every request of an overloaded endpoint may be in flight until its timeout, as with Vegeta.
    maxInFlight: Math.max(100_000, Math.ceil(o.rate * 35)),
  };
  const r = await startLoad(job).done;
  const all = summarise(decodeHistogram(r.latency.all));
  const lag = summarise(decodeHistogram(r.sendLag));
  const errors = Object.values(r.counts.errors).reduce((a, b) => a + b, 0);
  return { requests: r.counts.completed + errors, p50Ms: all.p50, p99Ms: all.p99, maxMs: all.max, errors, lateP99Ms: lag.p99, lateMaxMs: lag.max };
}

/** Where a bench ran: the machine's cores and load before it, and the CPUs generators and systems under test were pinned to (null: not pinned, cores shared). */
export interface BenchPlacement {
  cores: number;
  loadAverageBefore: number;
  generatorCpus: number[] | null;
  sutCpus: number[] | null;
}

/** With two or more cores (and pinning wanted): generators on the last core, systems under test on the others. */
export function benchCpus(pin: boolean): BenchPlacement {
  const cores = availableParallelism();
  const pinned = pin && cores >= 2;
  return { cores, loadAverageBefore: loadavg()[0]!, generatorCpus: pinned ? [cores - 1] : null, sutCpus: pinned ? Array.from({ length: cores - 1 }, (_, i) => i) : null };
}


/** Pins every thread of `pid` and of its descendants to `cpus` (util-linux taskset); later children inherit it. */
export async function pinTree(pid: number, cpus: number[]): Promise<void> {
  for (const p of processTree(pid)) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('taskset', ['-a', '-c', '-p', cpus.join(','), String(p)], { stdio: 'ignore' });
      child.once('error', (e) => reject(new EnvironmentError(`cannot pin the system under test (taskset): ${e.message}`)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new EnvironmentError(`taskset -p ${cpus.join(',')} ${p} exited with ${code}`))));
    });
  }
}
