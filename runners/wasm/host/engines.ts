/**
 * The engine workers of one Wasm host, seen from its main thread: one worker per core (the
 * `workers` option), compiled modules posted to each (compiled once per artifact in the host,
 * never per worker), instances placed on the least loaded worker, one guest call at a time per
 * worker, and the watchdog: a request past its deadline gets its worker terminated (the only way
 * to stop a synchronous guest in V8) and replaced.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Artifact } from '../artifacts/artifact.js';
import type { InstantiateResult } from './engine-core.js';
import type { CoreModules, GuestRequest, GuestResponse } from './engine.js';
import type { EngineEvents, EngineSet } from './engine-set.js';
import type { EngineCommand, EngineReply, ProbeMemory } from './protocol.js';

export type { EngineEvents } from './engine-set.js';

/** A job's worker went away before or while running it. `started` says whether the guest had begun. */
export class WorkerLostError extends Error {
  constructor(
    message: string,
    readonly started: boolean,
  ) {
    super(message);
    this.name = 'WorkerLostError';
  }
}

/** The guest failed; `broken` means the instance is unusable from now on. */
export class GuestError extends Error {
  constructor(
    message: string,
    readonly broken: boolean,
  ) {
    super(message);
    this.name = 'GuestError';
  }
}

type DistCommand<T> = T extends { id: number } ? Omit<T, 'id'> : never;
type OkReply = Extract<EngineReply, { type: 'reply'; ok: true }>;
type Job = { cmd: DistCommand<EngineCommand>; resolve(r: OkReply): void; reject(e: Error): void; id?: number; started: boolean };

/** One worker thread and its serial job queue. */
class EngineWorker {
  worker: Worker;
  readonly instances = new Set<string>();
  readonly loaded = new Map<string, Promise<number>>();
  private queue: Job[] = [];
  private running: Job | undefined;
  private runningSince = 0;
  private seq = 0;
  private dead: string | undefined;

  constructor(
    readonly index: number,
    private readonly script: URL,
    private readonly events: EngineEvents,
    private readonly onDeath: (w: EngineWorker, reason: string) => void,
  ) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(this.script, { stdout: false, stderr: false, workerData: { thread: `worker-${this.index}` } });
    w.on('message', (m: EngineReply) => this.onMessage(m));
    w.on('error', (e) => this.die(`engine worker ${this.index} crashed: ${e.message}`));
    w.on('exit', (code) => this.die(`engine worker ${this.index} exited (code ${code})`));
    // The pool's deadlines and the PoP server keep the host alive, never a worker.
    w.unref();
    return w;
  }

  /** Jobs waiting or running: placement prefers the least. */
  get load(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** How long the current job has run, ms (0 when idle). */
  busyMs(now: number): number {
    return this.running ? now - this.runningSince : 0;
  }

  call(cmd: DistCommand<EngineCommand>): Promise<OkReply> {
    if (this.dead) return Promise.reject(new WorkerLostError(this.dead, false));
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd, resolve, reject, started: false });
      this.next();
    });
  }

  post(cmd: EngineCommand): void {
    if (!this.dead) this.worker.postMessage(cmd);
  }

  private next(): void {
    if (this.running || this.dead) return;
    const job = this.queue.shift();
    if (!job) return;
    job.id = ++this.seq;
    job.started = true;
    this.running = job;
    this.runningSince = performance.now();
    this.worker.postMessage({ ...job.cmd, id: job.id } as EngineCommand);
  }

  private onMessage(m: EngineReply): void {
    if (m.type === 'log') return this.events.log(m.tenant, m.instanceId, m.text);
    if (m.type === 'stall') return this.events.stall(m.record);
    const job = this.running;
    if (!job || job.id !== m.id) return;
    this.running = undefined;
    if (m.ok) job.resolve(m);
    else job.reject(new GuestError(m.error, m.broken));
    this.next();
  }

  /**
   * A request's deadline passed: if that request is the one running, the guest is stuck and the
   * worker is terminated; if it is still queued, it is only taken out of the queue.
   */
  cancel(instanceId: string, reason: string): void {
    const isIt = (j: Job): boolean => j.cmd.type === 'request' && j.cmd.instanceId === instanceId;
    if (this.running && isIt(this.running)) return this.die(reason);
    const i = this.queue.findIndex(isIt);
    if (i >= 0) this.queue.splice(i, 1)[0]!.reject(new WorkerLostError('request cancelled before it started', false));
  }

  /** Stops the worker now; every job on it fails. */
  terminate(reason: string): void {
    this.die(reason);
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = reason;
    void this.worker.terminate();
    const jobs = [...(this.running ? [this.running] : []), ...this.queue];
    this.running = undefined;
    this.queue = [];
    for (const j of jobs) j.reject(new WorkerLostError(reason, j.started));
    this.onDeath(this, reason);
  }
}

/** The set of engine workers of a host. */
export class Engines implements EngineSet {
  private readonly workers: EngineWorker[] = [];
  private readonly modules = new Map<string, { artifact: Artifact; modules: CoreModules }>();
  private closed = false;

  constructor(
    count: number,
    private readonly events: EngineEvents,
    private readonly script: URL = new URL('./engine-worker.js', import.meta.url),
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`workers must be a positive integer, got ${count}`);
    for (let i = 0; i < count; i++) this.workers.push(this.make(i));
  }

  private make(index: number): EngineWorker {
    return new EngineWorker(index, this.script, this.events, (w, reason) => this.replace(w, reason));
  }

  /** A dead worker is replaced at once; its instances are reported lost. Compiled modules are re-posted on demand, not recompiled. */
  private replace(w: EngineWorker, reason: string): void {
    const ids = [...w.instances];
    w.instances.clear();
    if (!this.closed) this.workers[w.index] = this.make(w.index);
    this.events.lost(w.index, ids, reason);
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Registers an artifact's compiled modules (compiled by the caller, once). */
  addArtifact(id: string, artifact: Artifact, modules: CoreModules): void {
    this.modules.set(id, { artifact, modules });
  }

  /** The worker a new instance should live on: least queued work, then fewest instances. `avoid` is skipped when another exists. */
  place(avoid?: number): number {
    const now = performance.now();
    let best: EngineWorker | undefined;
    for (const w of this.workers) {
      if (w.index === avoid && this.workers.length > 1) continue;
      if (!best) best = w;
      else {
        const a = [w.load, w.busyMs(now), w.instances.size];
        const b = [best.load, best.busyMs(now), best.instances.size];
        if (a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && a[2]! < b[2]!)))) best = w;
      }
    }
    return best!.index;
  }

  /** Makes sure a worker has the artifact's glue loaded; resolves with the load time (0 if it already had it). */
  async ensureLoaded(worker: number, artifactId: string): Promise<number> {
    const w = this.workers[worker]!;
    let p = w.loaded.get(artifactId);
    if (p) {
      await p;
      return 0;
    }
    const entry = this.modules.get(artifactId);
    if (!entry) throw new Error(`artifact ${artifactId} is not registered`);
    p = w.call({ type: 'load', artifactId, dir: entry.artifact.dir, manifest: entry.artifact.manifest, modules: entry.modules }).then((r) => r.ms);
    w.loaded.set(artifactId, p);
    p.catch(() => w.loaded.delete(artifactId));
    return p;
  }

  /** Instantiates on a worker; resolves with the worker-side instantiation time and the GC time observed during it. */
  async instantiate(worker: number, artifactId: string, instanceId: string, tenant: string, prewarm?: GuestRequest): Promise<InstantiateResult> {
    const w = this.workers[worker]!;
    w.instances.add(instanceId);
    try {
      const r = await w.call({ type: 'instantiate', artifactId, instanceId, tenant, ...(prewarm ? { prewarm } : {}) });
      return { ms: r.ms, gcMs: r.gcMs ?? 0, gcCount: r.gcCount ?? 0, ...(r.prewarmMs !== undefined ? { prewarmMs: r.prewarmMs } : {}) };
    } catch (e) {
      w.instances.delete(instanceId);
      throw e;
    }
  }

  /** Runs one request on an instance; resolves with the response and the worker-side dispatch time. The deadline is the pool's to enforce (cancelRequest). */
  async request(worker: number, instanceId: string, req: GuestRequest): Promise<{ response: GuestResponse; ms: number }> {
    const w = this.workers[worker]!;
    const r = await w.call({ type: 'request', instanceId, req });
    return { response: r.response!, ms: r.ms };
  }

  /** Drops an instance. */
  dispose(worker: number, instanceId: string): void {
    const w = this.workers[worker]!;
    if (w.instances.delete(instanceId)) w.post({ type: 'dispose', instanceId });
  }

  /** A request's deadline passed: terminates its worker if the guest is running it (other instances there are reported lost), else dequeues it. */
  cancelRequest(worker: number, instanceId: string, reason: string): void {
    this.workers[worker]?.cancel(instanceId, reason);
  }

  /** Whether the instance still lives on that worker (false once its worker died). */
  holds(worker: number, instanceId: string): boolean {
    return this.workers[worker]?.instances.has(instanceId) ?? false;
  }

  /** Memory per instance of an artifact, measured with `count` probe instances on the least loaded worker. */
  async measure(artifactId: string, count: number, sample?: GuestRequest): Promise<ProbeMemory> {
    const worker = this.place();
    await this.ensureLoaded(worker, artifactId);
    const r = await this.workers[worker]!.call({ type: 'measure', artifactId, count, ...(sample ? { sample } : {}) });
    return r.memory!;
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate().catch(() => 0)));
  }
}
