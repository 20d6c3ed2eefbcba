/**
 * The instance pool every TypeScript PoP host shares: warm reuse, activation on the request
 * path (a cold start), queueing at the tenant's cap, spare instances filled off the request
 * path, keep-alive expiry on a timer, eviction on command, crash and deadline handling,
 * activation records and the PopStats counters.
 *
 * Decisions (what to reuse, admit or evict) belong to `InstancePolicy`; the substrate (child
 * process, Wasm instance, container) is behind `InstanceFactory`. The pool only sequences them.
 *
 * Spare instances are outside the policy until handed to a request: they are not counted
 * against the tenant's cap or the memory budget (their number is fixed by the `spares` option)
 * and are never expired, since refilling them would only churn.
 */
import { performance } from 'node:perf_hooks';
import type { ActivationKind, ActivationRecord, ColdReason, EngineCpuReport, InstanceMemory, MemoryReport, Phase, PopStats, TenantAssignment } from '../../lab/pop/contract.js';
import { GuestDeadlineError, type Activation, type DisposeCause, type Instance, type InstanceFactory, type InstanceRequest, type InstanceResponse } from './instance.js';
import { summarizeMemory } from './memory/report.js';
import type { StallLog } from './stalls.js';
import { PopError } from './pop-error.js';
import { InstancePolicy } from '../../lab/policy/instance-policy.js';
import type { Clock, Eviction, EvictionCause } from '../../lab/policy/types.js';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';

/** How a host describes memory measurement to the pool. */
export interface PoolMemoryOptions {
  /** One sentence for the report: how instance figures were obtained. */
  method: string;
  /** Memory the runtime needs regardless of instance count, bytes (e.g. the host's own USS). */
  fixedOverheadBytes(): Promise<number>;
  /** Extra figures for the report. */
  extra?(): Promise<Record<string, number>>;
}

/** How a pool with `handlerDeadlineMs` enforces it, as a line of a runner's `isolation` list. */
export function handlerDeadlineLine(ms: number): string {
  return ms > 0 ? `per-request deadline ${ms} ms (wall, from hand-off to the instance; limits.cpuMsPerRequest): past it the PoP kills the instance` : 'per-request deadline: none beyond the request timeout (limits.cpuMsPerRequest is 0): past it the PoP kills the instance';
}

/** Configuration of a pool. */
export interface PoolOptions {
  /** Runtime name reported in stats and memory reports. */
  runtime: string;
  tenants: TenantAssignment[];
  keepAlive: KeepAliveSpec;
  /** Deadline of one request from its arrival at the PoP, milliseconds: queueing, activation and answer included. */
  requestTimeoutMs: number;
  /**
   * Deadline of one request's hand-off to its instance, wall milliseconds (the scenario's
   * `limits.cpuMsPerRequest`), for substrates that cannot stop a guest call themselves
   * (processes, containers): past it the instance is killed and the request answered 504, as a
   * platform stops a request that overruns its limit. Absent or 0: the request timeout only.
   */
  handlerDeadlineMs?: number;
  factory: InstanceFactory;
  /** Spare instances kept ready per tenant, refilled off the request path. Default 0. */
  spares?: number;
  /** Activation strategy label for activation records. Default `cold`. */
  strategy?: string;
  /** Clock driving keep-alive decisions, milliseconds. Default performance.now (tests inject their own). */
  clock?: Clock;
  memory?: PoolMemoryOptions;
  /** The substrate's engine CPU so far, for hosts that drive one (container). */
  engineCpu?(): EngineCpuReport;
  /** The host's stall records (kit/stalls.ts), reported with the stats. */
  stalls?: StallLog;
}

/** A tenant request arriving at the PoP. */
export interface PopRequest extends InstanceRequest {
  tenant: string;
  /** `x-lab-force-cold: 1`: must not reuse a warm instance. */
  forceCold: boolean;
  /** performance.now() when the request arrived at the PoP: cold-start totals start here. */
  arrivedAt: number;
  /** Date.now() at arrival, for activation records. */
  arrivedAtEpochMs: number;
}

/** A served request. */
export interface PopResult {
  response: InstanceResponse;
  activation: ActivationKind;
  instance: string;
  /** Set on a cold start: the id of its activation record. */
  activationId?: string;
  /** Milliseconds the request waited in its tenant's queue (0: it did not wait). */
  waitedMs: number;
}

/** What `evict` did. */
export interface EvictResult {
  /** Idle and spare instances disposed now. */
  evicted: number;
  /** Busy or activating instances that will be disposed when their request finishes. */
  retiring: number;
}

type SlotState = 'activating' | 'busy' | 'idle' | 'filling' | 'spare' | 'gone';

/** One instance the pool tracks, from the start of its activation to its disposal. */
interface Slot {
  id: string;
  tenant: TenantAssignment;
  state: SlotState;
  instance: Instance | undefined;
  /** Dispose instead of going idle when the current request finishes. */
  retire: EvictionCause | undefined;
  /** Set once the substrate reported the instance dead. */
  exitReason: string | undefined;
  /** The in-flight request's crash hook; one at a time, so no listener piles up on long-lived instances. */
  onExit: ((reason: string) => void) | undefined;
}

interface Lease {
  slot: Slot;
  kind: ActivationKind;
  reason?: ColdReason;
  waitedMs: number;
}

interface Waiter {
  tenant: TenantAssignment;
  forced: boolean;
  enqueuedAt: number;
  resolve(lease: Lease): void;
  reject(e: PopError): void;
}

/** `aborted` with `sent: false`: the deadline passed before the request reached the instance, which is still sound. */
type Settled<T> = { kind: 'ok'; value: T } | { kind: 'aborted'; sent: boolean } | { kind: 'crashed'; reason: string } | { kind: 'deadline'; reason: string };

const SHUTDOWN = 'shutdown';
const TIMEOUT = 'timeout';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Warm instances, cold starts, queueing and eviction for one PoP. */
export class InstancePool {
  private readonly policy: InstancePolicy;
  private readonly clock: Clock;
  private readonly tenants = new Map<string, TenantAssignment>();
  private readonly slots = new Map<string, Slot>();
  private readonly spares = new Map<string, Slot[]>();
  private readonly fills = new Map<string, Promise<void>>();
  /** No spare fill for a tenant before this time (performance.now) after a failed one. */
  private readonly spareRetryAt = new Map<string, number>();
  /** FIFO of waiting requests, only for tenants that have some. */
  private readonly queues = new Map<string, Waiter[]>();
  /** Every abortable operation (request, spare fill), so shutdown can cut them all. */
  private readonly aborts = new Set<AbortController>();
  /** Pending work that shutdown must wait for: disposals, requests, fills, measurements. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Last measured USS per workload, the admission estimate for its next instance. */
  private readonly estimates = new Map<string, number>();
  private readonly log: ActivationRecord[] = [];
  private readonly counters: PopStats['counters'] = { requests: 0, cold: 0, warm: 0, spare: 0, errors: 0, evictions: 0, evictionsBy: {} };
  private readonly spareTarget: number;
  private readonly strategy: string;
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiryAt: number | undefined;
  private pumping = false;
  private pumpAgain = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private instanceSeq = 0;
  private activationSeq = 0;

  constructor(private readonly opts: PoolOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.policy = new InstancePolicy(opts.keepAlive, this.clock);
    this.spareTarget = opts.spares ?? 0;
    this.strategy = opts.strategy ?? 'cold';
    if (!Number.isInteger(this.spareTarget) || this.spareTarget < 0) throw new RangeError(`spares must be a non-negative integer, got ${opts.spares}`);
    if (!(opts.requestTimeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be > 0, got ${opts.requestTimeoutMs}`);
    for (const t of opts.tenants) this.tenants.set(t.id, t);
  }

  /** Fills every tenant's spare pool; resolves when all fills settled (failures are recorded, not thrown). */
  async start(): Promise<void> {
    await Promise.all([...this.tenants.values()].map((t) => this.fillSpares(t)));
  }

  /** Serves one tenant request; rejects with a `PopError` (status, x-lab-error kind, message naming the tenant). */
  async handle(req: PopRequest): Promise<PopResult> {
    this.counters.requests++;
    const work = this.serve(req);
    this.track(work);
    try {
      return await work;
    } catch (e) {
      this.counters.errors++;
      throw e instanceof PopError ? e : new PopError(500, 'internal', req.tenant, message(e));
    }
  }

  /** Evicts every instance (idle and spare now, busy ones after their request) of one tenant, or of all. */
  async evict(tenantId?: string): Promise<EvictResult> {
    if (tenantId !== undefined && !this.tenants.has(tenantId)) throw new PopError(404, 'unknown-tenant', tenantId, 'unknown tenant (not assigned to this PoP)');
    const disposals: Promise<void>[] = [];
    const evictions = this.policy.evictIdle(tenantId, 'command');
    disposals.push(...this.carryOut(evictions));
    let evicted = evictions.length;
    let retiring = 0;
    for (const slot of this.slots.values()) {
      if (tenantId !== undefined && slot.tenant.id !== tenantId) continue;
      if (slot.state === 'spare') {
        this.takeSpare(slot);
        this.countEviction('command');
        disposals.push(this.forget(slot, 'command'));
        evicted++;
      } else if (slot.state === 'busy' || slot.state === 'activating') {
        slot.retire = 'command';
        retiring++;
      }
    }
    await Promise.all(disposals);
    this.scheduleExpiry();
    this.pumpAll();
    // The spare pool keeps its size: that is what a spare pool is.
    for (const t of this.tenants.values()) if (tenantId === undefined || t.id === tenantId) void this.fillSpares(t);
    return { evicted, retiring };
  }

  /** PopStats now; `drain` also empties the activation log. */
  stats(drain: boolean): PopStats {
    const instances: Record<string, number> = {};
    const spares: Record<string, number> = {};
    for (const id of this.tenants.keys()) {
      instances[id] = this.policy.liveCount(id);
      spares[id] = this.spares.get(id)?.length ?? 0;
    }
    return {
      runtime: this.opts.runtime,
      instances,
      spares,
      counters: { ...this.counters, evictionsBy: { ...this.counters.evictionsBy } },
      activations: drain ? this.log.splice(0) : this.log.slice(),
      ...(this.opts.engineCpu ? { engine: this.opts.engineCpu() } : {}),
      ...(this.opts.stalls ? { timeline: this.opts.stalls.timeline(drain) } : {}),
    };
  }

  /** The host's stall records, when it keeps them. */
  get stallLog(): StallLog | undefined {
    return this.opts.stalls;
  }

  /** Measures every live instance (spares included) now. Instances that die while measured are left out. */
  async memoryReport(): Promise<MemoryReport> {
    const live = [...this.slots.values()].filter((s) => (s.state === 'idle' || s.state === 'busy' || s.state === 'spare') && s.instance?.memory);
    const measured = await Promise.all(
      live.map(async (s): Promise<InstanceMemory | undefined> => {
        try {
          const m = await s.instance!.memory!();
          return { tenant: s.tenant.id, instance: s.id, ussBytes: m.ussBytes, pssBytes: m.pssBytes, rssBytes: m.rssBytes };
        } catch {
          return undefined;
        }
      }),
    );
    const mem = this.opts.memory;
    return summarizeMemory({
      runtime: this.opts.runtime,
      method: mem?.method ?? 'not measured by this runtime',
      instances: measured.filter((m): m is InstanceMemory => m !== undefined),
      fixedOverheadBytes: mem ? await mem.fixedOverheadBytes() : 0,
      extra: mem?.extra ? await mem.extra() : {},
    });
  }

  /** Processes keep-alive expiries due now and lets waiters in. The timer calls it; tests with a manual clock call it directly. */
  tick(): void {
    this.expire();
    this.pumpAll();
    this.scheduleExpiry();
  }

  /** Fails waiting requests, aborts activations and requests, disposes every instance. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearTimeout(this.expiryTimer);
      this.expiryTimer = undefined;
      for (const [id, queue] of this.queues) for (const w of queue.splice(0)) w.reject(new PopError(503, 'shutting-down', id, 'PoP is shutting down'));
      this.queues.clear();
      for (const c of this.aborts) c.abort(SHUTDOWN);
      for (const slot of [...this.slots.values()]) {
        if (slot.state === 'idle' || slot.state === 'spare') {
          if (slot.state === 'idle') this.policy.removed(slot.id);
          else this.takeSpare(slot);
          void this.forget(slot, 'shutdown');
        }
      }
      // New work can be queued while we wait (a request's cleanup disposes its instance).
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    })();
    return this.closed;
  }

  // ---- request path ------------------------------------------------------------------

  private async serve(req: PopRequest): Promise<PopResult> {
    const tenant = this.tenants.get(req.tenant);
    if (!tenant) throw new PopError(404, 'unknown-tenant', req.tenant, 'unknown tenant (not assigned to this PoP)');
    if (this.closing) throw new PopError(503, 'shutting-down', tenant.id, 'PoP is shutting down');
    const abort = new AbortController();
    this.aborts.add(abort);
    const left = this.opts.requestTimeoutMs - (performance.now() - req.arrivedAt);
    const timer = setTimeout(() => abort.abort(TIMEOUT), Math.max(0, left));
    try {
      const lease = await this.acquire(tenant, req.forceCold, abort.signal);
      return await this.run(lease, req, abort.signal);
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  /** An instance for the request: now if possible, else after waiting in the tenant's FIFO. */
  private acquire(tenant: TenantAssignment, forced: boolean, signal: AbortSignal): Promise<Lease> {
    // Expiries due now count before this request, whether or not the timer fired yet.
    if (this.expire() > 0) {
      this.pumpAll();
      this.scheduleExpiry();
    }
    // Joining behind earlier waiters keeps the tenant's queue first come, first served.
    if (!this.queues.has(tenant.id)) {
      const r = this.tryLease(tenant, forced);
      if ('lease' in r) return Promise.resolve({ ...r.lease, waitedMs: 0 });
      if (r.refused === 'memory' && !this.anythingActive()) return Promise.reject(this.memoryError(tenant));
    }
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = (): void => {
        const q = this.queues.get(tenant.id);
        const i = q?.indexOf(waiter) ?? -1;
        if (q && i >= 0) {
          q.splice(i, 1);
          if (q.length === 0) this.queues.delete(tenant.id);
        }
        reject(this.abortError(tenant.id, signal, 'queued'));
      };
      const waiter: Waiter = {
        tenant,
        forced,
        enqueuedAt: performance.now(),
        resolve: (lease) => {
          signal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let q = this.queues.get(tenant.id);
      if (!q) this.queues.set(tenant.id, (q = []));
      q.push(waiter);
    });
  }

  /** Warm instance first (unless forced), then a spare, then admission of a cold start. Synchronous: decisions never interleave. */
  private tryLease(tenant: TenantAssignment, forced: boolean): { lease: Omit<Lease, 'waitedMs'> } | { refused: 'max-instances' | 'memory' } {
    if (!forced) {
      const warm = this.policy.takeWarm(tenant.id);
      if (warm !== undefined) {
        const slot = this.slots.get(warm)!;
        slot.state = 'busy';
        this.counters.warm++;
        this.scheduleExpiry();
        return { lease: { slot, kind: 'warm' } };
      }
    }
    const spares = this.spares.get(tenant.id);
    const spare = spares?.[spares.length - 1];
    const id = spare?.id ?? `${tenant.id}.${++this.instanceSeq}`;
    const liveBefore = this.policy.liveCount(tenant.id);
    const d = this.policy.admit(tenant.id, id, this.estimate(tenant), { forced });
    if (!d.admit) return { refused: d.reason };
    this.carryOut(d.evict);
    this.scheduleExpiry();
    if (spare) {
      this.takeSpare(spare);
      spare.state = 'busy';
      this.counters.spare++;
      void this.fillSpares(tenant);
      return { lease: { slot: spare, kind: 'spare' } };
    }
    const slot: Slot = { id, tenant, state: 'activating', instance: undefined, retire: undefined, exitReason: undefined, onExit: undefined };
    this.slots.set(id, slot);
    this.counters.cold++;
    const reason: ColdReason = forced ? 'forced' : liveBefore === 0 ? 'no-instance' : 'all-busy';
    return { lease: { slot, kind: 'cold', reason } };
  }

  /** Activates (on a cold lease), sends the request, and settles the instance's fate. */
  private async run(lease: Lease, req: PopRequest, signal: AbortSignal): Promise<PopResult> {
    const { slot } = lease;
    const tenantId = slot.tenant.id;
    const cold = lease.kind === 'cold';
    const activationId = cold ? `a${++this.activationSeq}` : undefined;
    const assigned = { activation: lease.kind, instance: slot.id, ...(activationId ? { activationId } : {}) };
    const phases: Phase[] = lease.waitedMs > 0 ? [{ name: 'queue', ms: lease.waitedMs }] : [];
    const record = (ok: boolean, endAt: number, error?: string): void => {
      if (!cold) return;
      this.log.push({
        id: activationId!,
        tenant: tenantId,
        workload: slot.tenant.workload,
        instance: slot.id,
        path: 'request',
        reason: lease.reason ?? 'no-instance',
        strategy: this.strategy,
        startedAtMs: req.arrivedAtEpochMs,
        totalMs: endAt - req.arrivedAt,
        phases,
        ok,
        ...(error !== undefined ? { error } : {}),
      });
    };

    let readyAt = 0;
    if (cold) {
      try {
        const act = await this.activate(slot, signal);
        slot.state = 'busy';
        phases.push(...act.phases);
        readyAt = performance.now();
      } catch (e) {
        this.policy.removed(slot.id);
        this.slots.delete(slot.id);
        slot.state = 'gone';
        const err = signal.aborted
          ? this.abortError(tenantId, signal, 'activating', assigned)
          : new PopError(502, 'activation', tenantId, `activation failed: ${message(e)}`, assigned);
        record(false, performance.now(), err.message);
        this.pumpAll();
        throw err;
      }
    }

    const outcome = await this.send(slot, req, signal);
    if (outcome.kind === 'ok') {
      const res = outcome.value;
      if (cold) phases.push({ name: 'firstResponse', ms: res.firstByteAt - readyAt });
      record(true, res.firstByteAt);
      this.release(slot);
      if (cold) this.measureLater(slot);
      return { response: res, ...assigned, waitedMs: lease.waitedMs };
    }
    if (outcome.kind === 'aborted' && !outcome.sent) {
      // The deadline passed between lease and send: the instance did nothing wrong, keep it.
      const err = this.abortError(tenantId, signal, cold ? 'activating' : 'queued', assigned);
      record(false, performance.now(), err.message);
      if (signal.reason === SHUTDOWN) this.removeBusy(slot, 'shutdown');
      else this.release(slot);
      throw err;
    }
    const err =
      outcome.kind === 'aborted'
        ? this.abortError(tenantId, signal, 'handling', assigned)
        : outcome.kind === 'deadline'
          ? new PopError(504, 'timeout', tenantId, outcome.reason, assigned)
          : new PopError(502, 'crash', tenantId, outcome.reason, assigned);
    record(false, performance.now(), err.message);
    this.removeBusy(slot, outcome.kind === 'aborted' ? (signal.reason === SHUTDOWN ? 'shutdown' : 'timeout') : outcome.kind === 'deadline' ? 'timeout' : 'crash');
    throw err;
  }

  /** Sends the request, racing it against the deadlines and the instance's death. */
  private send(slot: Slot, req: PopRequest, signal: AbortSignal): Promise<Settled<InstanceResponse>> {
    const instance = slot.instance!;
    return new Promise((resolve) => {
      let done = false;
      let overran: NodeJS.Timeout | undefined;
      const finish = (s: Settled<InstanceResponse>): void => {
        if (done) return;
        done = true;
        clearTimeout(overran);
        slot.onExit = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve(s);
      };
      const onAbort = (): void => finish({ kind: 'aborted', sent: true });
      if (slot.exitReason !== undefined) return finish({ kind: 'crashed', reason: slot.exitReason });
      if (signal.aborted) return finish({ kind: 'aborted', sent: false });
      signal.addEventListener('abort', onAbort, { once: true });
      slot.onExit = (reason) => finish({ kind: 'crashed', reason });
      const { method, path, headers, body } = req;
      const deadlineAt = req.arrivedAt + this.opts.requestTimeoutMs;
      const handlerMs = this.opts.handlerDeadlineMs ?? 0;
      if (handlerMs > 0) {
        overran = setTimeout(() => finish({ kind: 'deadline', reason: `instance ran past the per-request deadline of ${handlerMs} ms (limits.cpuMsPerRequest; instance killed)` }), handlerMs);
      }
      instance.handle({ method, path, headers, body, deadlineAt }, signal).then(
        (value) => finish({ kind: 'ok', value }),
        (e) => finish(e instanceof GuestDeadlineError ? { kind: 'deadline', reason: e.message } : { kind: 'crashed', reason: message(e) }),
      );
    });
  }

  /** The request is done with the instance: back to idle (keep-alive starts) or, if retired, disposed. */
  private release(slot: Slot): void {
    if (this.closing) {
      this.removeBusy(slot, 'shutdown');
      return;
    }
    if (slot.retire) {
      this.removeBusy(slot, slot.retire);
      return;
    }
    this.policy.idle(slot.id);
    slot.state = 'idle';
    this.pumpAll();
    this.scheduleExpiry();
  }

  /** A busy instance leaves (crash, deadline, retirement, shutdown). */
  private removeBusy(slot: Slot, cause: DisposeCause): void {
    this.policy.removed(slot.id);
    if (cause !== 'shutdown' && cause !== 'failed-activation') this.countEviction(cause);
    void this.forget(slot, cause);
    this.pumpAll();
  }

  // ---- activation and spares ---------------------------------------------------------

  /** Runs the factory for a slot; the slot holds the instance on success. Rejects on failure, abort or death during activation. */
  private async activate(slot: Slot, signal: AbortSignal, purpose: 'request' | 'spare' = 'request'): Promise<Activation> {
    const act = await this.opts.factory.activate({
      tenant: slot.tenant,
      instanceId: slot.id,
      purpose,
      signal,
      exited: (reason) => this.onExit(slot, reason),
    });
    slot.instance = act.instance;
    // A factory may resolve after the abort, or the instance may have died right after ready.
    if (signal.aborted || slot.exitReason !== undefined) {
      await act.instance.dispose('failed-activation').catch(() => {});
      throw new Error(slot.exitReason ?? 'activation aborted');
    }
    return act;
  }

  /** Keeps the tenant's spare pool at its target, one activation at a time, off the request path. */
  private fillSpares(tenant: TenantAssignment): Promise<void> {
    const running = this.fills.get(tenant.id);
    if (running) return running;
    if (this.spareTarget <= 0 || this.closing) return Promise.resolve();
    const fill = (async () => {
      while (!this.closing && (this.spares.get(tenant.id)?.length ?? 0) < this.spareTarget) {
        // After a failure, wait one request timeout before trying again: a broken workload must
        // not turn every request into a background activation.
        if ((this.spareRetryAt.get(tenant.id) ?? 0) > performance.now()) break;
        if (!(await this.fillOne(tenant))) {
          this.spareRetryAt.set(tenant.id, performance.now() + this.opts.requestTimeoutMs);
          break;
        }
      }
    })().finally(() => this.fills.delete(tenant.id));
    this.fills.set(tenant.id, fill);
    this.track(fill);
    return fill;
  }

  private async fillOne(tenant: TenantAssignment): Promise<boolean> {
    const id = `${tenant.id}.${++this.instanceSeq}`;
    const slot: Slot = { id, tenant, state: 'filling', instance: undefined, retire: undefined, exitReason: undefined, onExit: undefined };
    this.slots.set(id, slot);
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(TIMEOUT), this.opts.requestTimeoutMs);
    const startedAt = performance.now();
    const startedAtMs = Date.now();
    const record = (ok: boolean, phases: Phase[], error?: string): void => {
      this.log.push({
        id: `a${++this.activationSeq}`,
        tenant: tenant.id,
        workload: tenant.workload,
        instance: id,
        path: 'spare-fill',
        reason: 'pool',
        strategy: this.strategy,
        startedAtMs,
        totalMs: performance.now() - startedAt,
        phases,
        ok,
        ...(error !== undefined ? { error } : {}),
      });
    };
    try {
      const act = await this.activate(slot, abort.signal, 'spare');
      record(true, act.phases);
      if (this.closing) {
        void this.forget(slot, 'shutdown');
        return false;
      }
      slot.state = 'spare';
      let list = this.spares.get(tenant.id);
      if (!list) this.spares.set(tenant.id, (list = []));
      list.push(slot);
      return true;
    } catch (e) {
      this.slots.delete(id);
      slot.state = 'gone';
      record(false, [], abort.signal.reason === TIMEOUT ? `spare activation did not finish within ${this.opts.requestTimeoutMs} ms` : message(e));
      return false;
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  private takeSpare(slot: Slot): void {
    const list = this.spares.get(slot.tenant.id);
    const i = list?.indexOf(slot) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  // ---- instance departures -----------------------------------------------------------

  /** The substrate reports an instance dead on its own. */
  private onExit(slot: Slot, reason: string): void {
    if (slot.exitReason !== undefined) return;
    slot.exitReason = reason;
    switch (slot.state) {
      case 'idle':
        this.policy.removed(slot.id);
        this.countEviction('crash');
        void this.forget(slot, 'crash');
        this.scheduleExpiry();
        this.pumpAll();
        break;
      case 'spare':
        this.takeSpare(slot);
        this.countEviction('crash');
        void this.forget(slot, 'crash');
        break;
      case 'busy':
        // The request path removes it and answers 5xx.
        slot.onExit?.(reason);
        break;
      default:
        // activating / filling: `activate` notices; gone: already handled.
        break;
    }
  }

  /** Carries out evictions the policy decided (already off its books). */
  private carryOut(evictions: Eviction[]): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (const e of evictions) {
      const slot = this.slots.get(e.instance);
      if (!slot) continue;
      this.countEviction(e.cause);
      out.push(this.forget(slot, e.cause));
    }
    return out;
  }

  /** Drops the slot and disposes its instance in the background (shutdown waits for it). */
  private forget(slot: Slot, cause: DisposeCause): Promise<void> {
    slot.state = 'gone';
    this.slots.delete(slot.id);
    const instance = slot.instance;
    if (!instance) return Promise.resolve();
    const p = instance.dispose(cause).catch(() => {});
    this.track(p);
    return p;
  }

  /** Disposes instances whose keep-alive ran out; returns how many. */
  private expire(): number {
    const due = this.policy.expired();
    if (due.length > 0) this.carryOut(due);
    return due.length;
  }

  private scheduleExpiry(): void {
    if (this.closing) return;
    const at = this.policy.nextExpiryAt();
    if (at === this.expiryAt) return;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.expiryAt = at;
    if (at === undefined) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      this.expiryAt = undefined;
      this.tick();
    }, Math.max(0, Math.ceil(at - this.clock())));
    // The pool alone never keeps a process alive; its host's server does.
    this.expiryTimer.unref();
  }

  // ---- queue ---------------------------------------------------------------------------

  /** Lets waiting requests in wherever an instance or capacity became free. */
  private pumpAll(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const [id, queue] of this.queues) {
          while (queue.length > 0) {
            const w = queue[0]!;
            const r = this.tryLease(w.tenant, w.forced);
            if ('refused' in r) {
              if (r.refused === 'memory' && !this.anythingActive()) {
                queue.shift();
                w.reject(this.memoryError(w.tenant));
                continue;
              }
              break;
            }
            queue.shift();
            w.resolve({ ...r.lease, waitedMs: performance.now() - w.enqueuedAt });
          }
          if (queue.length === 0) this.queues.delete(id);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /** Whether some instance is busy or activating, i.e. memory will be freed eventually. */
  private anythingActive(): boolean {
    for (const s of this.slots.values()) if (s.state === 'busy' || s.state === 'activating') return true;
    return false;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private estimate(tenant: TenantAssignment): number {
    return this.estimates.get(tenant.workload) ?? this.opts.factory.memoryEstimateBytes?.(tenant) ?? 0;
  }

  /** With a memory budget, replaces the estimate by the measured USS, off the request path. */
  private measureLater(slot: Slot): void {
    if (this.opts.keepAlive.memoryBudgetMiB <= 0 || !slot.instance?.memory) return;
    const p = slot.instance
      .memory()
      .then((m) => {
        this.estimates.set(slot.tenant.workload, m.ussBytes);
        if (slot.state === 'gone' || this.closing) return;
        this.carryOut(this.policy.resize(slot.id, m.ussBytes));
        this.scheduleExpiry();
        this.pumpAll();
      })
      .catch(() => {});
    this.track(p);
  }

  private countEviction(cause: string): void {
    this.counters.evictions++;
    this.counters.evictionsBy[cause] = (this.counters.evictionsBy[cause] ?? 0) + 1;
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => {},
      () => {},
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  private memoryError(tenant: TenantAssignment): PopError {
    return new PopError(503, 'memory', tenant.id, `an instance (${this.estimate(tenant)} bytes) does not fit the memory budget of ${this.opts.keepAlive.memoryBudgetMiB} MiB even with every idle instance evicted`);
  }

  private abortError(tenantId: string, signal: AbortSignal, stage: 'queued' | 'activating' | 'handling', assigned?: PopError['assigned']): PopError {
    if (signal.reason === SHUTDOWN) return new PopError(503, 'shutting-down', tenantId, 'PoP is shutting down', assigned);
    const ms = this.opts.requestTimeoutMs;
    const detail = {
      queued: `no instance became free within the request timeout of ${ms} ms (tenant at its instance cap or memory budget full)`,
      activating: `activation did not finish within the request timeout of ${ms} ms`,
      handling: `instance did not answer within the request timeout of ${ms} ms (instance killed)`,
    }[stage];
    return new PopError(504, 'timeout', tenantId, detail, assigned);
  }
}
