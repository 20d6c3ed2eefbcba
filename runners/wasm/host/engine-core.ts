/**
 * The engine of one thread, independent of how commands reach it: loaded artifacts, live
 * component instances by id, GC observation, and the memory probe. An engine worker drives one
 * through messages (engine-worker.ts); the same-thread engine (inline-engines.ts) calls it directly.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { ComponentInstance, GuestBrokenError, loadArtifact, type CoreModules, type GuestRequest, type GuestResponse, type LoadedArtifact } from './engine.js';
import type { ArtifactManifest } from '../artifacts/artifact.js';
import type { ProbeMemory } from './protocol.js';
import { parseSmapsRollup } from '../../kit/memory/smaps.js';
import type { StallRecorder } from '../../kit/stalls.js';

/** Guest output kept per instance; beyond it, output is dropped (a chatty guest must not flood the host). */
const LOG_CAP_BYTES = 64 * 1024;
/** GC entries older than this cannot overlap an activation still being answered. */
const GC_HORIZON_MS = 10_000;

/** Runs a synchronous guest call, possibly under a deadline (see guard.ts). */
export type GuestRunner = <T>(fn: () => T) => T;

const unguarded: GuestRunner = (fn) => fn();

/** What an instantiation reports. */
export interface InstantiateResult {
  /** Glue plus `new WebAssembly.Instance` of every core module. */
  ms: number;
  /** GC time this thread observed from the start of instantiation to one turn after it (already inside the wall time, never to add). */
  gcMs: number;
  gcCount: number;
  /** A synthetic request served right after instantiation (spare pre-warming), ms; absent when none was asked for. */
  prewarmMs?: number;
}

/** Loaded artifacts and live instances of one thread. */
export class EngineCore {
  private readonly artifacts = new Map<string, LoadedArtifact>();
  private readonly live = new Map<string, ComponentInstance>();
  /** Tenant of each live instance, to name it in stall records. */
  private readonly tenants = new Map<string, string>();
  // GC entries of this isolate, kept for a few seconds so activations can be matched against them.
  private readonly gcEntries: { start: number; end: number }[] = [];

  /** `stalls` times this thread's guest calls, instantiations, loads and memory probes for the host's stall record. */
  constructor(
    private readonly log: (instanceId: string, tenant: string, text: string) => void,
    private readonly stalls?: StallRecorder,
  ) {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcEntries.push({ start: e.startTime, end: e.startTime + e.duration });
      const horizon = performance.now() - GC_HORIZON_MS;
      while (this.gcEntries.length > 0 && this.gcEntries[0]!.end < horizon) this.gcEntries.shift();
    }).observe({ entryTypes: ['gc'] });
  }

  /** Parses an artifact's glue in this thread; resolves with the time it took. */
  async load(artifactId: string, dir: string, manifest: ArtifactManifest, modules: CoreModules): Promise<number> {
    const t = performance.now();
    this.artifacts.set(artifactId, await loadArtifact(dir, manifest, modules));
    const ms = performance.now() - t;
    this.stalls?.record('load', t, ms);
    return ms;
  }

  private artifact(artifactId: string): LoadedArtifact {
    const art = this.artifacts.get(artifactId);
    if (!art) throw new Error(`artifact ${artifactId} not loaded in this thread`);
    return art;
  }

  /**
   * Creates an instance, optionally serves it `prewarm` (a synthetic request), and resolves one
   * turn later: GC entries reach the observer a turn after they happen, and a collection V8
   * schedules on the external-memory pressure of a new instance runs in that turn too, so the
   * activation's GC time is complete and still on its own path. Rejects with GuestBrokenError if
   * the component fails to start or to answer the synthetic request.
   */
  instantiate(artifactId: string, instanceId: string, tenant: string, prewarm?: GuestRequest, run: GuestRunner = unguarded): Promise<InstantiateResult> {
    const art = this.artifact(artifactId);
    const t = performance.now();
    let instance: ComponentInstance;
    try {
      instance = this.timed('instantiate', tenant, () => run(() => ComponentInstance.create(art, this.stdioFor(instanceId, tenant))));
    } catch (e) {
      return Promise.reject(new GuestBrokenError(`instantiation failed: ${(e as Error).message}`));
    }
    const ms = performance.now() - t;
    let prewarmMs: number | undefined;
    if (prewarm) {
      const p = performance.now();
      try {
        this.timed('guest-call', `${tenant} (pre-warming)`, () => run(() => instance.dispatch(prewarm)));
      } catch (e) {
        return Promise.reject(new GuestBrokenError(`pre-warming request failed: ${(e as Error).message}`));
      }
      prewarmMs = performance.now() - p;
    }
    this.live.set(instanceId, instance);
    this.tenants.set(instanceId, tenant);
    return new Promise((resolve) =>
      setImmediate(() => {
        const gc = this.gcBetween(t, performance.now());
        resolve({ ms, gcMs: gc.ms, gcCount: gc.count, ...(prewarmMs !== undefined ? { prewarmMs } : {}) });
      }),
    );
  }

  /**
   * Serves one request synchronously. A broken guest (trap, unset response, or a call `run`
   * terminated) loses its instance; the error is rethrown for the caller to report.
   */
  request(instanceId: string, req: GuestRequest, run: GuestRunner = unguarded): GuestResponse {
    const instance = this.live.get(instanceId);
    if (!instance) throw new GuestBrokenError(`instance ${instanceId} is gone`);
    try {
      return this.timed('guest-call', this.tenants.get(instanceId), () => run(() => instance.dispatch(req)));
    } catch (e) {
      this.dispose(instanceId);
      throw e;
    }
  }

  /** Drops an instance (its memory goes with the next GC). */
  dispose(instanceId: string): void {
    this.live.delete(instanceId);
    this.tenants.delete(instanceId);
  }

  /** N probe instances of one artifact, each after one request: the delta of process memory per instance. */
  async measure(artifactId: string, count: number, sample?: GuestRequest): Promise<ProbeMemory> {
    const started = performance.now();
    try {
      return await this.probe(artifactId, count, sample);
    } finally {
      // The lab's own bookkeeping on a thread that serves tenants: on the record, wherever it falls.
      this.stalls?.record('lab-memory-probe', started, performance.now() - started, `${count} probes`);
    }
  }

  private async probe(artifactId: string, count: number, sample?: GuestRequest): Promise<ProbeMemory> {
    const art = this.artifact(artifactId);
    const quiet = { stdout: () => {}, stderr: () => {} };
    // Warm-up: the first instance of an artifact on a thread compiles its Wasm functions lazily
    // and the glue's JS; at launch (where the probe runs) that code would be charged to the
    // probes as if every instance had its own. One instance through one request, dropped, first.
    {
      const w = ComponentInstance.create(art, quiet);
      if (sample) w.dispatch(sample);
    }
    // Batches of `count` instances, all kept live, the process measured around each. The first
    // batch grows V8's young generation and code space, a one-off of the worker that charged
    // each of 8 instances ~1.5 MiB more than the next batch did; later batches scatter by about
    // +-0.6 MiB per instance (V8 page granularity, malloc arenas). So: one unmeasured batch, then
    // the median of MEASURED_BATCHES, the marginal cost of one more instance, what density is about.
    const probes: ComponentInstance[] = [];
    const batch = async (): Promise<{ dirty: number; uss: number; pss: number; rss: number }> => {
      fullGc();
      const before = await smaps();
      for (let i = 0; i < count; i++) {
        const p = ComponentInstance.create(art, quiet);
        if (sample) p.dispatch(sample);
        probes.push(p);
      }
      fullGc();
      const after = await smaps();
      return { dirty: after.dirty - before.dirty, uss: after.uss - before.uss, pss: after.pss - before.pss, rss: after.rss - before.rss };
    };
    await batch();
    const measured = [];
    for (let b = 0; b < MEASURED_BATCHES; b++) measured.push(await batch());
    // Keep the probes reachable until the last reading.
    if (probes.length !== (MEASURED_BATCHES + 1) * count) throw new Error('unreachable');
    probes.length = 0;
    fullGc();
    const median = measured.sort((a, b) => a.uss - b.uss)[Math.floor(MEASURED_BATCHES / 2)]!;
    return {
      count,
      privateDirtyBytes: Math.round(median.dirty / count),
      ussBytes: Math.round(median.uss / count),
      pssBytes: Math.round(median.pss / count),
      rssBytes: Math.round(median.rss / count),
    };
  }

  private timed<T>(cause: 'instantiate' | 'guest-call', detail: string | undefined, fn: () => T): T {
    return this.stalls ? this.stalls.time(cause, detail, fn) : fn();
  }

  private stdioFor(instanceId: string, tenant: string): { stdout: (b: Uint8Array) => void; stderr: (b: Uint8Array) => void } {
    let written = 0;
    const sink = (b: Uint8Array): void => {
      if (written >= LOG_CAP_BYTES) return;
      written += b.length;
      this.log(instanceId, tenant, Buffer.from(b).toString('utf8'));
    };
    return { stdout: sink, stderr: sink };
  }

  private gcBetween(start: number, end: number): { ms: number; count: number } {
    let ms = 0;
    let count = 0;
    for (const g of this.gcEntries) {
      const overlap = Math.min(end, g.end) - Math.max(start, g.start);
      if (overlap > 0) {
        ms += overlap;
        count++;
      }
    }
    return { ms, count };
  }
}

/** Measured probe batches per memory measurement (odd: the median is one of them). */
const MEASURED_BATCHES = 3;

async function smaps(): Promise<{ dirty: number; uss: number; pss: number; rss: number }> {
  const r = parseSmapsRollup(await readFile('/proc/self/smaps_rollup', 'utf8'));
  return { dirty: r.fields.Private_Dirty ?? 0, uss: r.ussBytes, pss: r.pssBytes, rss: r.rssBytes };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory measurement needs node --expose-gc (the wasm host is started with it)');
  gc();
  gc();
}
