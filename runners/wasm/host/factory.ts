/**
 * The Wasm substrate behind runners/pool.ts: an instance is a component instance living in one
 * engine worker. Activation = (compile, once per artifact) + (load glue, once per worker and
 * artifact) + instantiate; the phases say which of them this activation paid for.
 */
import { performance } from 'node:perf_hooks';
import type { Phase, TenantAssignment } from '../../../lab/pop/contract.js';
import { GuestDeadlineError, type Activation, type ActivationContext, type DisposeCause, type Instance, type InstanceFactory, type InstanceMemoryFigures, type InstanceRequest, type InstanceResponse } from '../../kit/instance.js';
import { readSmapsRollup } from '../../kit/memory/smaps.js';
import type { StallLog } from '../../kit/stalls.js';
import type { Artifact } from '../artifacts/artifact.js';
import { compileCoreModules, type CoreModules, type GuestRequest } from './engine.js';
import type { EngineEvents, EngineSet } from './engine-set.js';
import { Engines, GuestError, WorkerLostError } from './engines.js';
import { GuardTimeoutError } from './guard.js';
import { InlineEngines } from './inline-engines.js';
import type { ProbeMemory } from './protocol.js';

/** Configuration of the factory. */
export interface WasmFactoryOptions {
  /** Artifact per workload name (a tenant's workload). */
  artifacts: Record<string, Artifact>;
  /** Engine workers (one per core by default); 0 runs guests on the host's main thread (inline-engines.ts). */
  workers: number;
  /** Bound of a guest call that carries no deadline of its own (same-thread engine only). */
  requestTimeoutMs?: number;
  /**
   * Serve each new spare instance its workload's probe request before it joins the spare pool,
   * so the tenant's first request does not pay the guest's first-call cost. Off by default: the
   * guest then has served one synthetic request, which a stateful guest can observe.
   */
  prewarmSpares?: boolean;
  /** Probe instances per memory measurement. */
  memoryProbes: number;
  /** A request per workload used to bring probe instances to their idle-after-a-request state. */
  probeRequests?: Record<string, GuestRequest>;
  /** The host's stall records: engine threads forward theirs into it (the same-thread engine uses its main recorder). */
  stalls?: StallLog;
  /** Where guest output goes (the host's stderr by default). */
  log?: (line: string) => void;
  /** Linear memory limit of one instance, MiB, written into each core module's memory maximum (memory-cap.ts); absent = none. */
  memoryMiB?: number;
  /** How long one guest call may run, ms (scenario `limits.cpuMsPerRequest`); 0 or absent = the request deadline only. */
  cpuMsPerRequest?: number;
}

/** Per-artifact facts for the memory report. */
export interface ArtifactStats {
  workload: string;
  compileMs: number;
  /** Process USS growth across the compilation, bytes (machine code and metadata of the module). */
  compiledBytes: number;
}

/** Bound of a same-thread guest call when the host was given no request timeout. */
const DEFAULT_CALL_BOUND_MS = 10_000;

/** Compiled-module cache: one compilation per distinct artifact, shared by every worker. */
class ModuleCache {
  private readonly compiled = new Map<string, Promise<number>>();
  readonly stats = new Map<string, ArtifactStats>();

  constructor(
    private readonly engines: EngineSet,
    private readonly stalls?: StallLog,
    private readonly memoryMaxPages?: number,
  ) {}

  /** Compiles the artifact unless done; resolves with the time this call spent compiling (0 when it was cached). */
  ensure(workload: string, artifact: Artifact): Promise<number> {
    const id = artifact.manifest.key;
    const done = this.compiled.get(id);
    if (done) return done.then(() => 0);
    const p = (async () => {
      const before = await readSmapsRollup(process.pid);
      const t = performance.now();
      // The runner checked at launch that the cap fits every component (runners/wasm/runner.ts).
      const compile = (): CoreModules => compileCoreModules(artifact.dir, artifact.manifest, this.memoryMaxPages);
      const modules = this.stalls ? this.stalls.main.time('compile', workload, compile) : compile();
      const ms = performance.now() - t;
      const after = await readSmapsRollup(process.pid);
      this.engines.addArtifact(id, artifact, modules);
      this.stats.set(id, { workload, compileMs: ms, compiledBytes: after.ussBytes - before.ussBytes });
      return ms;
    })();
    this.compiled.set(id, p);
    p.catch(() => this.compiled.delete(id));
    return p;
  }
}

/** One component instance of one tenant. */
class WasmInstance implements Instance {
  /** Set while a request is in `handle` (a lost worker then re-homes it instead of reporting it dead). */
  inRequest = false;

  constructor(
    readonly id: string,
    readonly tenant: TenantAssignment,
    public worker: number,
    private readonly factory: WasmFactory,
    readonly exited: (reason: string) => void,
  ) {}

  async handle(req: InstanceRequest, signal: AbortSignal): Promise<InstanceResponse> {
    const engines = this.factory.engines;
    this.inRequest = true;
    const onAbort = (): void =>
      engines.cancelRequest(this.worker, this.id, `tenant ${this.tenant.id}: request past its deadline; engine worker ${this.worker} terminated to stop instance ${this.id}`);
    signal.addEventListener('abort', onAbort, { once: true });
    // The per-call budget: the same-thread engine takes it as an earlier deadline; an engine
    // worker is terminated when it passes, the only way V8 lets an embedder stop a running guest.
    const budgetMs = this.factory.cpuMsPerRequest;
    const budgetAt = budgetMs > 0 ? performance.now() + budgetMs : Infinity;
    // Only built when a guest overruns it: nothing is added to a request's path otherwise. The pool names the tenant.
    const overBudget = (how: string): GuestDeadlineError => new GuestDeadlineError(`guest call past its budget of ${budgetMs} ms (limits.cpuMsPerRequest); ${how}`);
    let budgetHit = false;
    const budgetTimer =
      budgetMs > 0 && !this.factory.inline
        ? setTimeout(() => {
            budgetHit = true;
            engines.cancelRequest(this.worker, this.id, `tenant ${this.tenant.id}: guest call past its budget of ${budgetMs} ms`);
          }, budgetMs)
        : undefined;
    try {
      for (;;) {
        try {
          const deadlineAt = Math.min(req.deadlineAt ?? Infinity, budgetAt);
          const { response } = await engines.request(this.worker, this.id, req, Number.isFinite(deadlineAt) ? deadlineAt : undefined);
          return { ...response, firstByteAt: performance.now() };
        } catch (e) {
          if (e instanceof GuardTimeoutError && budgetAt < (req.deadlineAt ?? Infinity)) throw overBudget('instance discarded');
          if (budgetHit && e instanceof WorkerLostError) throw overBudget(`engine worker ${this.worker} terminated to stop instance ${this.id}`);
          // The same-thread watchdog stopped the guest at the deadline, before the pool's own
          // timer could run: let that timer fire, so the request ends as a timeout, as it does
          // when a worker is terminated.
          if (e instanceof GuardTimeoutError) {
            await aborted(signal);
            throw new Error(`tenant ${this.tenant.id}: ${e.message}`);
          }
          // The worker died under a request that had not started (another tenant's guest was
          // stopped there): serve it from a new instance elsewhere rather than fail an innocent tenant.
          if (e instanceof WorkerLostError && !e.started && !signal.aborted) {
            await this.factory.rehome(this);
            continue;
          }
          if (e instanceof GuestError || e instanceof WorkerLostError) throw new Error(e.message);
          throw e;
        }
      }
    } finally {
      clearTimeout(budgetTimer);
      signal.removeEventListener('abort', onAbort);
      this.inRequest = false;
    }
  }

  async dispose(_cause: DisposeCause): Promise<void> {
    this.factory.forget(this);
  }

  async memory(): Promise<InstanceMemoryFigures> {
    const m = await this.factory.measure(this.tenant.workload);
    return { ussBytes: m.ussBytes, pssBytes: m.pssBytes, rssBytes: m.rssBytes };
  }
}

/** Resolves once `signal` is aborted. */
function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Creates component instances for the pool. */
export class WasmFactory implements InstanceFactory {
  readonly engines: EngineSet;
  private readonly modules: ModuleCache;
  private readonly live = new Map<string, WasmInstance>();
  /** Memory per instance of each workload's artifact, measured once (`measureAll` at launch). */
  private readonly measured = new Map<string, Promise<ProbeMemory>>();
  private readonly lastUss = new Map<string, number>();
  /** Requests served by a new instance after their worker was terminated under them. */
  rehomed = 0;
  /** Instances lost because their worker was terminated or crashed. */
  lostInstances = 0;

  /** Per-call budget of a guest, ms (0: none). */
  readonly cpuMsPerRequest: number;
  /** Guests run on this thread (workers: 0), bounded by the same-thread guard instead of worker termination. */
  readonly inline: boolean;

  constructor(private readonly opts: WasmFactoryOptions) {
    this.cpuMsPerRequest = opts.cpuMsPerRequest ?? 0;
    this.inline = opts.workers === 0;
    const log = opts.log ?? ((line: string) => process.stderr.write(line));
    const events: EngineEvents = {
      lost: (_worker, ids, reason) => {
        for (const id of ids) {
          const inst = this.live.get(id);
          if (!inst) continue;
          this.lostInstances++;
          // An instance in a request learns it from its job's failure; an idle or spare one is dead now.
          if (!inst.inRequest) {
            this.live.delete(id);
            inst.exited(`instance lost: ${reason}`);
          }
        }
      },
      log: (tenant, instanceId, text) => log(`[wasm ${tenant} ${instanceId}] ${text}${text.endsWith('\n') ? '' : '\n'}`),
      stall: (record) => opts.stalls?.add(record),
    };
    this.engines = opts.workers === 0 ? new InlineEngines(events, opts.requestTimeoutMs ?? DEFAULT_CALL_BOUND_MS, opts.stalls?.main) : new Engines(opts.workers, events);
    this.modules = new ModuleCache(this.engines, opts.stalls, opts.memoryMiB === undefined ? undefined : opts.memoryMiB * 16);
  }

  /** Per-artifact compile figures, for the memory report. */
  artifactStats(): ArtifactStats[] {
    return [...this.modules.stats.values()];
  }

  private artifactOf(workload: string): Artifact {
    const a = this.opts.artifacts[workload];
    if (!a) throw new Error(`no Wasm artifact prepared for workload ${workload}`);
    return a;
  }

  async activate(ctx: ActivationContext): Promise<Activation> {
    const artifact = this.artifactOf(ctx.tenant.workload);
    const id = artifact.manifest.key;
    const phases: Phase[] = [];
    // The pool starts a refill while it hands the spare out, before that request reached its
    // engine. Yield one turn so the request goes first: on the same thread the refill's
    // synchronous instantiation would otherwise run inside the hand-out, and on a worker it would
    // queue ahead of the request (or be placed without seeing the request's load).
    if (ctx.purpose === 'spare') await new Promise((resolve) => setImmediate(resolve));
    const compileMs = await this.modules.ensure(ctx.tenant.workload, artifact);
    if (compileMs > 0) phases.push({ name: 'compile', ms: compileMs });
    const worker = this.engines.place();
    const loadMs = await this.engines.ensureLoaded(worker, id);
    if (loadMs > 0) phases.push({ name: 'load', ms: loadMs });
    if (ctx.signal.aborted) throw new Error('activation aborted');
    const prewarm = ctx.purpose === 'spare' && this.opts.prewarmSpares ? this.opts.probeRequests?.[ctx.tenant.workload] : undefined;
    const t = performance.now();
    const inst = await this.engines.instantiate(worker, id, ctx.instanceId, ctx.tenant.id, prewarm);
    const wall = performance.now() - t;
    const prewarmMs = inst.prewarmMs ?? 0;
    phases.push({ name: 'instantiate', ms: inst.ms });
    // A spare's synthetic request is its own phase, so a pre-warmed spare is never read as a cheaper instantiation.
    if (inst.prewarmMs !== undefined) phases.push({ name: 'prewarm', ms: prewarmMs });
    phases.push({ name: 'handoff', ms: Math.max(0, wall - inst.ms - prewarmMs) }, { name: 'gc', ms: inst.gcMs });
    const instance = new WasmInstance(ctx.instanceId, ctx.tenant, worker, this, ctx.exited);
    this.live.set(instance.id, instance);
    if (ctx.signal.aborted) {
      this.forget(instance);
      throw new Error('activation aborted');
    }
    return { instance, phases };
  }

  /** Moves an instance whose worker died to another worker (a fresh instance: its state is gone). */
  async rehome(inst: WasmInstance): Promise<void> {
    const artifact = this.artifactOf(inst.tenant.workload);
    const worker = this.engines.place(inst.worker);
    await this.engines.ensureLoaded(worker, artifact.manifest.key);
    await this.engines.instantiate(worker, artifact.manifest.key, inst.id, inst.tenant.id);
    inst.worker = worker;
    this.rehomed++;
  }

  /** Drops an instance (disposal). */
  forget(inst: WasmInstance): void {
    this.live.delete(inst.id);
    this.engines.dispose(inst.worker, inst.id);
  }

  /**
   * Memory per instance of a workload's artifact, measured once with probe instances. The probe
   * instantiates `memoryProbes` instances and forces full GCs on an engine thread: seconds of
   * stall if it ran under traffic (it did, every 10 s of a run with a memory budget, before it
   * moved to launch). So `measureAll` takes it before the host reports ready, and the figure,
   * a property of the artifact, answers every later question; a workload it could not measure
   * then is measured on demand, and that probe is on the stall record as the lab's own.
   */
  measure(workload: string): Promise<ProbeMemory> {
    const hit = this.measured.get(workload);
    if (hit) return hit;
    const artifact = this.artifactOf(workload);
    const value = this.modules.ensure(workload, artifact).then(() => this.engines.measure(artifact.manifest.key, this.opts.memoryProbes, this.opts.probeRequests?.[workload]));
    this.measured.set(workload, value);
    value.then(
      (m) => this.lastUss.set(workload, m.ussBytes),
      () => this.measured.delete(workload),
    );
    return value;
  }

  /** Compiles every artifact and measures its memory per instance, one after the other: at launch, before any traffic. Failures are left for `measure` to report. */
  async measureAll(): Promise<void> {
    for (const workload of Object.keys(this.opts.artifacts)) await this.measure(workload).catch(() => undefined);
  }

  /** The last measured per-instance USS of a workload, for the pool's memory budget (0 before any measurement). */
  memoryEstimateBytes(tenant: TenantAssignment): number {
    return this.lastUss.get(tenant.workload) ?? 0;
  }

  /** Stops every worker. */
  close(): Promise<void> {
    return this.engines.close();
  }
}
