/**
 * The discrete-event simulation of one PoP host running one runtime: the traffic schedule the
 * live runs send (lab/traffic `openSchedule`), the instance policy the live pool uses
 * (lab/policy `InstancePolicy`, the same class), per-tenant FIFO queues at the instance cap and
 * the memory budget (as runners/pool.ts queues), and `cores` processor-sharing cores (lab/sim
 * shared-cores.ts) that every warm request and the CPU part of every activation share, so cold
 * starts slow warm requests down as they do on a real host, without holding a core
 * exclusively for their whole wall time.
 *
 * Hot-path discipline: requests and instances live in growable typed arrays indexed by slot,
 * lists are intrusive (one `next` array), events are a typed binary heap, and the warm path
 * allocates nothing. The cold path calls `InstancePolicy.admit`, which allocates its own
 * bookkeeping: one entry per activation, not per request.
 */
import { InstancePolicy } from '../policy/instance-policy.js';
import type { Eviction } from '../policy/types.js';
import type { TimeseriesPoint } from '../results/model.js';
import { seededRng } from '../traffic/rng.js';
import { blankRequest } from '../traffic/plan.js';
import type { TrafficSchedule } from '../traffic/types.js';
import { EventQueue } from './event-queue.js';
import { KILLED, SharedCores } from './shared-cores.js';
import { FastHistogram } from './fast-histogram.js';
import { grown } from './typed-arrays.js';
import { SIM_PHASES, type HostModel } from './host-model.js';
import { InputError } from '../errors.js';

/** Random streams of the simulator, forked from the scenario seed apart from the plan's own streams. */
export const SIM_STREAMS = {
  root: 'simulator',
  service: 'service-time',
  activation: 'activation',
  artifactMiss: 'artifact-miss',
  artifactPull: 'artifact-pull',
} as const;

/** What one simulation measured, before it becomes a `RuntimeResult`. */
export interface SimOutcome {
  planned: number;
  warmup: number;
  /** Measured requests: completed + errors. */
  measured: number;
  completed: number;
  cold: number;
  warm: number;
  forcedCold: number;
  errors: Record<string, number>;
  /** Latency of completed measured requests per workload index, warm and cold. */
  latency: { warm: FastHistogram; cold: FastHistogram }[];
  /** Per `HostModel.phaseKeys` entry: phase durations of measured cold starts. */
  phases: FastHistogram[];
  /** Activations of measured requests per strategy index. */
  activationsByStrategy: number[];
  peakInstances: number;
  /** Peak of the instances' memory (the policy's total), bytes; fixed overhead not included. */
  peakInstanceBytes: number;
  evictionsBy: Record<string, number>;
  timeseries: TimeseriesPoint[];
  measuredSeconds: number;
  /** Busy share of the cores over the measured window (from the end of warm-up to the last arrival's second). */
  cpuUtilisation: number;
  /** Simulated time of the last event, ms. */
  endMs: number;
}

const NONE = -1;
const FORCED = 1;
const MEASURED = 2;
const COLD = 4;
/** A slot that is no request but the engine's background CPU (a removal, a reserve fill): it only occupies the cores. */
const BACKGROUND = 8;
/** An activation's off-core part (its wall time less its CPU time) is over: its CPU part starts. */
const EV_READY = 0;
/** An activation's artifact pull is over. */
const EV_PULLED = 1;
/** A warm request's off-core part is over: its CPU part starts. */
const EV_WARM_READY = 2;
const LEASED = 0;
const REFUSED_CAP = 1;
const REFUSED_MEMORY = 2;

/** One finished request, for tests and debugging (tracing allocates; the benchmark never traces). */
export interface TracedRequest {
  tenant: number;
  arrivalMs: number;
  endMs: number;
  cold: boolean;
  /** `completed`, or the error kind. */
  outcome: string;
}

/** Options of one simulation. */
export interface SimOptions {
  /** Seed of the simulator's own streams (service, activation, artifact); the schedule has its own. */
  seed: number;
  /**
   * Repetition number (default 0): repetition k > 0 forks its own simulator streams, so the
   * same schedule is served with independent draws of service and activation times.
   */
  repetition?: number;
  /** Called once per request (warm-up included) when it ends. */
  trace?: (r: TracedRequest) => void;
}

/**
 * Runs the schedule through the modelled host and returns what was measured. Deterministic:
 * the same schedule, model and seed give the same outcome.
 */
export function simulateHost(schedule: TrafficSchedule, model: HostModel, opts: SimOptions): SimOutcome {
  return createSimulation(schedule, model, opts).run();
}

/** A simulation not yet run, exposing the policy object it drives (the test that it is the live pool's class reads it). */
export function createSimulation(schedule: TrafficSchedule, model: HostModel, opts: SimOptions): { readonly policy: InstancePolicy; run(): SimOutcome } {
  return new HostSimulation(schedule, model, opts);
}

/** The loop's state; one instance per simulation. */
class HostSimulation {
  private now = 0;
  // Core-ms busy at the start and end of the measured window; -1 until the clock passes them.
  private busyStart = -1;
  private busyEnd = -1;
  readonly policy: InstancePolicy;
  private readonly trace: ((r: TracedRequest) => void) | undefined;
  private readonly events = new EventQueue(4096);
  private readonly serviceRng;
  private readonly activationRng;
  private readonly artifactMissRng;
  private readonly artifactPullRng;

  // Tenants.
  private readonly tenantIds: string[];
  private readonly tenantWorkload: Int32Array;
  private readonly waitHead: Int32Array;
  private readonly waitTail: Int32Array;
  /** Tenants whose head waiter was refused for memory, in the order they were refused (a ring; each tenant at most once). */
  private readonly memoryBlocked: Uint8Array;
  private readonly blockedRing: Int32Array;
  private blockedHead = 0;
  private blockedCount = 0;

  // Requests, by slot.
  private reqArrival: Float64Array = new Float64Array(1024);
  private reqTenant: Int32Array = new Int32Array(1024).fill(NONE);
  private reqFlags: Int32Array = new Int32Array(1024);
  private reqInstance: Int32Array = new Int32Array(1024).fill(NONE);
  private reqActivation: Int32Array = new Int32Array(1024).fill(NONE);
  private reqNext: Int32Array = new Int32Array(1024).fill(NONE);
  /** CPU demand of a warm request waiting out its off-core part. */
  private reqDemand: Float64Array = new Float64Array(1024);
  private reqFree = NONE;
  private reqCount = 0;

  // Instances, by slot; ids are strings because the policy keys instances by string.
  private readonly instanceIds: string[] = [];
  private instanceFree: Int32Array = new Int32Array(256).fill(NONE);
  private instanceFreeTop = 0;
  private activeInstances = 0;

  private readonly cores: SharedCores;

  // Measurement.
  private readonly out: SimOutcome;
  private second = 0;
  private secSent = 0;
  private secCompleted = 0;
  private secErrors = 0;
  private secCold = 0;
  private readonly secHist = new FastHistogram();

  constructor(
    private readonly schedule: TrafficSchedule,
    private readonly model: HostModel,
    opts: SimOptions,
  ) {
    this.policy = new InstancePolicy(model.keepAlive, () => this.now);
    this.trace = opts.trace;
    const base = seededRng(opts.seed).fork(SIM_STREAMS.root);
    const root = opts.repetition ? base.fork(`repetition-${opts.repetition}`) : base;
    this.serviceRng = root.fork(SIM_STREAMS.service);
    this.activationRng = root.fork(SIM_STREAMS.activation);
    this.artifactMissRng = root.fork(SIM_STREAMS.artifactMiss);
    this.artifactPullRng = root.fork(SIM_STREAMS.artifactPull);
    const names = model.workloads.map((w) => w.name);
    const tenants = schedule.tenants;
    this.tenantIds = tenants.map((t) => t.id);
    this.tenantWorkload = Int32Array.from(tenants, (t) => {
      const i = names.indexOf(t.workload);
      if (i < 0) throw new InputError(`simulator: tenant ${t.id} runs workload ${t.workload}, which the calibration lacks (calibrate from a run that served it)`);
      return i;
    });
    this.waitHead = new Int32Array(tenants.length).fill(NONE);
    this.waitTail = new Int32Array(tenants.length).fill(NONE);
    this.memoryBlocked = new Uint8Array(tenants.length);
    this.blockedRing = new Int32Array(tenants.length);
    this.cores = new SharedCores(model.cores);
    this.out = {
      planned: 0,
      warmup: 0,
      measured: 0,
      completed: 0,
      cold: 0,
      warm: 0,
      forcedCold: 0,
      errors: {},
      latency: model.workloads.map(() => ({ warm: new FastHistogram(), cold: new FastHistogram() })),
      phases: model.phaseKeys.map(() => new FastHistogram()),
      activationsByStrategy: model.strategies.map(() => 0),
      peakInstances: 0,
      peakInstanceBytes: 0,
      evictionsBy: {},
      timeseries: [],
      measuredSeconds: (schedule.spanMs - schedule.warmupMs) / 1000,
      cpuUtilisation: 0,
      endMs: 0,
    };
  }

  run(): SimOutcome {
    const req = blankRequest();
    let pending = this.schedule.next(req);
    for (;;) {
      const nextArrival = pending ? req.atMs : Infinity;
      const nextEvent = this.events.peekTime();
      const nextCpu = this.cores.nextTime();
      if (nextEvent === Infinity && nextCpu === Infinity && !pending) break;
      // At one instant: jobs leaving the cores first (an instance freed at t serves an arrival
      // at t), then activation steps, then the arrival.
      if (nextCpu <= nextEvent && nextCpu <= nextArrival) {
        this.advance(nextCpu);
        const x = this.cores.take(nextCpu);
        if ((x & KILLED) !== 0) this.kill(x & ~KILLED);
        else this.done(x);
      } else if (nextEvent <= nextArrival) {
        this.advance(nextEvent);
        const p = this.events.pop();
        const kind = p & 3;
        if (kind === EV_READY) this.activationReady(p >> 2);
        else if (kind === EV_PULLED) this.startActivation(p >> 2);
        else this.warmReady(p >> 2);
      } else {
        this.advance(nextArrival);
        this.arrive(req.tenant, req.forceCold, req.warmup);
        pending = this.schedule.next(req);
      }
    }
    this.flushSecond();
    this.out.endMs = this.now;
    this.busyMark(Infinity);
    const windowMs = this.schedule.spanMs - this.schedule.warmupMs;
    this.out.cpuUtilisation = windowMs > 0 ? (this.busyEnd - Math.max(0, this.busyStart)) / (windowMs * this.model.cores) : 0;
    return this.out;
  }

  /** Moves the clock, closing finished seconds and carrying out keep-alive expiries due by now. */
  private advance(t: number): void {
    this.busyMark(t);
    while (t >= (this.second + 1) * 1000) this.flushSecond();
    this.now = t;
    const due = this.policy.nextExpiryAt();
    if (due !== undefined && due <= t) {
      this.carryOut(this.policy.expired());
      this.pumpMemoryBlocked();
    }
  }

  /** Notes the cores' busy time at the ends of the measured window as the clock passes them (before it moves to `t`). */
  private busyMark(t: number): void {
    if (this.busyStart < 0 && t >= this.schedule.warmupMs) this.busyStart = this.cores.busyAt(this.schedule.warmupMs);
    if (this.busyEnd < 0 && t >= this.schedule.spanMs) this.busyEnd = this.cores.busyAt(this.schedule.spanMs);
  }

  private flushSecond(): void {
    const h = this.secHist;
    const p50 = h.percentileMs(50);
    const p99 = h.percentileMs(99);
    this.out.timeseries.push({ second: this.second, sent: this.secSent, completed: this.secCompleted, errors: this.secErrors, cold: this.secCold, p50Ms: p50, p99Ms: p99, liveInstances: this.policy.size() });
    h.reset();
    this.secSent = this.secCompleted = this.secErrors = this.secCold = 0;
    this.second++;
  }

  // ---- requests ------------------------------------------------------------------------

  private arrive(tenant: number, forced: boolean, warmup: boolean): void {
    this.out.planned++;
    if (warmup) this.out.warmup++;
    else {
      this.secSent++;
      // Counted when sent, as the load generator counts it.
      if (forced) this.out.forcedCold++;
    }
    const r = this.allocRequest();
    this.reqArrival[r] = this.now;
    this.reqTenant[r] = tenant;
    this.reqFlags[r] = (forced ? FORCED : 0) | (warmup ? 0 : MEASURED);
    this.reqInstance[r] = NONE;
    this.reqActivation[r] = NONE;
    this.reqNext[r] = NONE;
    // Like the pool: behind earlier waiters of the tenant without trying, first come first served.
    if (this.waitHead[tenant] !== NONE) {
      this.appendWaiter(tenant, r);
      return;
    }
    const got = this.tryLease(r);
    if (got === LEASED) return;
    if (got === REFUSED_MEMORY && this.activeInstances === 0) {
      this.fail(r, 'memory');
      return;
    }
    this.appendWaiter(tenant, r);
    if (got === REFUSED_MEMORY) this.markMemoryBlocked(tenant);
  }

  /** A warm instance (unless forced), else admission of a cold start; the request then goes to the cores (or to its pull). */
  private tryLease(r: number): number {
    const tenant = this.reqTenant[r] as number;
    const tid = this.tenantIds[tenant] as string;
    const forced = ((this.reqFlags[r] as number) & FORCED) !== 0;
    if (!forced) {
      const warm = this.policy.takeWarm(tid);
      if (warm !== undefined) {
        this.reqInstance[r] = +warm;
        this.activeInstances++;
        const w = this.model.workloads[this.tenantWorkload[tenant] as number]!;
        const t = w.warmServiceMs.at(this.serviceRng.next());
        const cpu = t * w.warmCpuShare;
        // The off-core part first (the live wait for a CPU, the network), then the CPU part; no
        // event when there is no off-core part, which keeps the all-CPU path as cheap as before.
        if (cpu < t) {
          this.reqDemand[r] = cpu;
          this.events.push(Math.min(this.now + (t - cpu), this.deadlineOf(r)), (r << 2) | EV_WARM_READY);
        } else this.toCores(r, cpu);
        return LEASED;
      }
    }
    const w = this.model.workloads[this.tenantWorkload[tenant] as number]!;
    const slot = this.allocInstance();
    const id = this.instanceIds[slot] as string;
    const d = this.policy.admit(tid, id, w.memoryBytes, { forced });
    if (!d.admit) {
      this.instanceFree[this.instanceFreeTop++] = slot;
      return d.reason === 'memory' ? REFUSED_MEMORY : REFUSED_CAP;
    }
    this.carryOut(d.evict);
    this.activeInstances++;
    const size = this.policy.size();
    if (size > this.out.peakInstances) this.out.peakInstances = size;
    const bytes = this.policy.totalMemory();
    if (bytes > this.out.peakInstanceBytes) this.out.peakInstanceBytes = bytes;

    const flags = (this.reqFlags[r] as number) | COLD;
    this.reqFlags[r] = flags;
    this.reqInstance[r] = slot;
    const act = Math.floor(this.activationRng.next() * w.activationCpuMs.length);
    this.reqActivation[r] = act;
    const measured = (flags & MEASURED) !== 0;
    const strategy = w.activationStrategy[act] as number;
    if (measured) {
      this.out.activationsByStrategy[strategy] = (this.out.activationsByStrategy[strategy] as number) + 1;
      const waited = this.now - (this.reqArrival[r] as number);
      if (waited > 0) this.recordPhase(strategy, SIM_PHASES.queue, waited);
      for (let k = w.phaseStart[act] as number; k < (w.phaseStart[act + 1] as number); k++) {
        this.out.phases[w.phaseKey[k] as number]!.recordMs(w.phaseMs[k] as number);
      }
    }
    if (this.model.engineFillCpuMs > 0) this.engineWork(this.model.engineFillCpuMs);
    // One draw per activation whatever the rate, so the stream's position is the activation count.
    const miss = this.artifactMissRng.next() < this.model.artifactMissRate;
    if (miss && w.artifactPullMs) {
      const pull = w.artifactPullMs.at(this.artifactPullRng.next());
      if (measured) this.recordPhase(strategy, SIM_PHASES.pull, pull);
      this.events.push(this.now + pull, (r << 2) | EV_PULLED);
    } else this.startActivation(r);
    return LEASED;
  }

  private recordPhase(strategy: number, phase: string, ms: number): void {
    const keys = this.model.phaseKeys;
    const name = this.model.strategies[strategy];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k.strategy === name && k.phase === phase) {
        this.out.phases[i]!.recordMs(ms);
        return;
      }
    }
  }

  /** The deadline of request `r`: its arrival plus the request timeout. */
  private deadlineOf(r: number): number {
    return (this.reqArrival[r] as number) + this.model.timeoutMs;
  }

  /** The activation's off-core part (wall time less CPU time), cut at the deadline; without one, straight to its CPU part. */
  private startActivation(r: number): void {
    const deadline = this.deadlineOf(r);
    if (this.now >= deadline) {
      // The deadline passed during the pull: the pool aborts an activation that never ran.
      this.abandon(r);
      return;
    }
    const w = this.model.workloads[this.tenantWorkload[this.reqTenant[r] as number] as number]!;
    const off = w.activationOffMs[this.reqActivation[r] as number] as number;
    if (off > 0) this.events.push(Math.min(this.now + off, deadline), (r << 2) | EV_READY);
    else this.activationReady(r);
  }

  private activationReady(r: number): void {
    if (this.now >= this.deadlineOf(r)) {
      this.kill(r);
      return;
    }
    const w = this.model.workloads[this.tenantWorkload[this.reqTenant[r] as number] as number]!;
    this.toCores(r, w.activationCpuMs[this.reqActivation[r] as number] as number);
  }

  /** A warm request's off-core part is over; past the deadline, the pool kills the instance it was sent to. */
  private warmReady(r: number): void {
    if (this.now >= this.deadlineOf(r)) this.kill(r);
    else this.cores.add(r, this.reqDemand[r] as number, this.deadlineOf(r), this.now);
  }

  /** A leased request's CPU work joins the shared cores; it is cut at its deadline if still running then. */
  private toCores(r: number, demandMs: number): void {
    const deadline = this.deadlineOf(r);
    if (this.now >= deadline) {
      this.abandon(r);
      return;
    }
    this.cores.add(r, demandMs, deadline, this.now);
  }

  /** The request's CPU work is done: its instance goes idle and the response is complete. */
  private done(r: number): void {
    const flags = this.reqFlags[r] as number;
    if ((flags & BACKGROUND) !== 0) {
      this.freeRequest(r);
      return;
    }
    const id = this.instanceIds[this.reqInstance[r] as number] as string;
    const tenant = this.reqTenant[r] as number;
    this.activeInstances--;
    this.policy.idle(id);
    this.complete(r, flags);
    if (this.waitHead[tenant] !== NONE) this.pump(tenant);
    this.pumpMemoryBlocked();
  }

  /**
   * The deadline passed while the instance worked: the pool kills it. A warm instance's death
   * is an eviction (cause `timeout`); a cold one dies as an aborted activation, which the pool
   * does not count as an eviction.
   */
  private kill(r: number): void {
    const flags = this.reqFlags[r] as number;
    const slot = this.reqInstance[r] as number;
    const tenant = this.reqTenant[r] as number;
    this.activeInstances--;
    this.policy.removed(this.instanceIds[slot] as string);
    if ((flags & COLD) === 0) this.countEviction('timeout');
    this.freeInstance(slot);
    this.fail(r, 'timeout');
    if (this.waitHead[tenant] !== NONE) this.pump(tenant);
    this.pumpMemoryBlocked();
  }

  private complete(r: number, flags: number): void {
    if ((flags & MEASURED) !== 0) {
      const o = this.out;
      o.measured++;
      o.completed++;
      this.secCompleted++;
      const lat = this.now - (this.reqArrival[r] as number);
      const byW = o.latency[this.tenantWorkload[this.reqTenant[r] as number] as number]!;
      if ((flags & COLD) !== 0) {
        o.cold++;
        this.secCold++;
        byW.cold.recordMs(lat);
      } else {
        o.warm++;
        byW.warm.recordMs(lat);
      }
      this.secHist.recordMs(lat);
    }
    if (this.trace) this.traceEnd(r, 'completed');
    this.freeRequest(r);
  }

  /** The deadline passed before the request ran: release what it held and count the timeout. */
  private abandon(r: number): void {
    const flags = this.reqFlags[r] as number;
    const slot = this.reqInstance[r] as number;
    const tenant = this.reqTenant[r] as number;
    if (slot !== NONE) {
      const id = this.instanceIds[slot] as string;
      this.activeInstances--;
      if ((flags & COLD) !== 0) {
        this.policy.removed(id);
        this.freeInstance(slot);
      } else this.policy.idle(id);
    }
    this.fail(r, 'timeout');
    if (this.waitHead[tenant] !== NONE) this.pump(tenant);
    this.pumpMemoryBlocked();
  }

  private fail(r: number, kind: string): void {
    const flags = this.reqFlags[r] as number;
    if ((flags & MEASURED) !== 0) {
      this.out.measured++;
      this.out.errors[kind] = (this.out.errors[kind] ?? 0) + 1;
      this.secErrors++;
      // Like the load generator, only a response says how it was served: errors are not cold.
    }
    if (this.trace) this.traceEnd(r, kind);
    this.freeRequest(r);
  }

  private traceEnd(r: number, outcome: string): void {
    this.trace?.({ tenant: this.reqTenant[r] as number, arrivalMs: this.reqArrival[r] as number, endMs: this.now, cold: ((this.reqFlags[r] as number) & COLD) !== 0, outcome });
  }

  // ---- tenant queues -------------------------------------------------------------------

  private appendWaiter(tenant: number, r: number): void {
    this.reqNext[r] = NONE;
    const tail = this.waitTail[tenant] as number;
    if (tail === NONE) this.waitHead[tenant] = r;
    else this.reqNext[tail] = r;
    this.waitTail[tenant] = r;
  }

  /**
   * Lets the tenant's waiters in, first come first served, until one cannot get an instance;
   * returns why it stopped (LEASED when the queue emptied). Marking a memory refusal is the
   * caller's business.
   */
  private pumpQueue(tenant: number): number {
    for (;;) {
      const r = this.waitHead[tenant] as number;
      if (r === NONE) return LEASED;
      // Detached before leasing: `reqNext` is the request's link in whatever list holds it.
      const next = this.reqNext[r] as number;
      this.waitHead[tenant] = next;
      if (next === NONE) this.waitTail[tenant] = NONE;
      if (this.now >= (this.reqArrival[r] as number) + this.model.timeoutMs) {
        this.fail(r, 'timeout');
        continue;
      }
      const got = this.tryLease(r);
      if (got === LEASED) continue;
      if (got === REFUSED_MEMORY && this.activeInstances === 0) {
        this.fail(r, 'memory');
        continue;
      }
      // Refused: back at the head of its queue.
      this.reqNext[r] = this.waitHead[tenant] as number;
      this.waitHead[tenant] = r;
      if (this.waitTail[tenant] === NONE) this.waitTail[tenant] = r;
      return got;
    }
  }

  /** `pumpQueue` for a tenant whose own instance freed up; a memory refusal joins the blocked ring. */
  private pump(tenant: number): void {
    if (this.pumpQueue(tenant) === REFUSED_MEMORY) this.markMemoryBlocked(tenant);
  }

  private markMemoryBlocked(tenant: number): void {
    if (this.memoryBlocked[tenant]) return;
    this.memoryBlocked[tenant] = 1;
    const n = this.blockedRing.length;
    this.blockedRing[(this.blockedHead + this.blockedCount) % n] = tenant;
    this.blockedCount++;
  }

  /**
   * Memory may have been freed: retry the memory-blocked tenants in the order they were
   * refused, stopping at the first that is still refused. Instances are alike enough in size
   * that the next one would be refused too, and stopping there keeps each event O(1) under
   * memory pressure instead of O(blocked tenants).
   */
  private pumpMemoryBlocked(): void {
    const n = this.blockedRing.length;
    while (this.blockedCount > 0) {
      const t = this.blockedRing[this.blockedHead] as number;
      if (this.pumpQueue(t) === REFUSED_MEMORY) return;
      this.memoryBlocked[t] = 0;
      this.blockedHead = (this.blockedHead + 1) % n;
      this.blockedCount--;
    }
  }

  // ---- instances -----------------------------------------------------------------------

  private carryOut(evictions: Eviction[]): void {
    for (let i = 0; i < evictions.length; i++) {
      const e = evictions[i]!;
      this.countEviction(e.cause);
      this.freeInstance(+e.instance);
    }
  }

  private countEviction(cause: string): void {
    this.out.evictionsBy[cause] = (this.out.evictionsBy[cause] ?? 0) + 1;
  }

  private allocInstance(): number {
    if (this.instanceFreeTop > 0) return this.instanceFree[--this.instanceFreeTop] as number;
    const slot = this.instanceIds.length;
    // The id is the slot number in decimal: V8 caches a string's array-index value, so `+id` is cheap.
    this.instanceIds.push(String(slot));
    this.instanceFree = grown(this.instanceFree, slot + 1, NONE);
    return slot;
  }

  /** The instance is gone: its slot is free again, and the engine removes it (background CPU). */
  private freeInstance(slot: number): void {
    this.instanceFree[this.instanceFreeTop++] = slot;
    if (this.model.engineDisposalCpuMs > 0) this.engineWork(this.model.engineDisposalCpuMs);
  }

  /** Engine CPU off every request's path: shares the cores with the requests until done, never cut. */
  private engineWork(demandMs: number): void {
    const r = this.allocRequest();
    this.reqFlags[r] = BACKGROUND;
    this.reqInstance[r] = NONE;
    this.cores.add(r, demandMs, Infinity, this.now);
  }

  // ---- request slots -------------------------------------------------------------------

  private allocRequest(): number {
    if (this.reqFree !== NONE) {
      const r = this.reqFree;
      this.reqFree = this.reqNext[r] as number;
      return r;
    }
    const r = this.reqCount++;
    if (r >= this.reqArrival.length) {
      this.reqArrival = grown(this.reqArrival, r);
      this.reqTenant = grown(this.reqTenant, r, NONE);
      this.reqFlags = grown(this.reqFlags, r, NONE);
      this.reqInstance = grown(this.reqInstance, r, NONE);
      this.reqActivation = grown(this.reqActivation, r, NONE);
      this.reqNext = grown(this.reqNext, r, NONE);
      this.reqDemand = grown(this.reqDemand, r);
    }
    return r;
  }

  private freeRequest(r: number): void {
    this.reqNext[r] = this.reqFree;
    this.reqFree = r;
  }
}
