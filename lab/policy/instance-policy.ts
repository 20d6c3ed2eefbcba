/**
 * The instance-lifecycle policy: keep-alive idle timeout, a cap on live instances per tenant,
 * and a memory budget that evicts the least recently used IDLE instance first.
 *
 * It only decides; the caller owns the instances, carries out every eviction it is handed and
 * reports state changes back. Live runners and the discrete-event simulator drive the same
 * class, so every operation is O(1) (amortised per eviction returned) and nothing depends on
 * wall time or iteration over unordered state.
 *
 * One global keep-alive timeout makes expiry order equal idle order, so a single intrusive
 * list of idle instances (head = idle longest) serves both the LRU budget and the idle timer;
 * a second per-tenant list gives "most recently used warm instance" and "a tenant's own
 * victim" in O(1).
 */
import type { KeepAliveSpec } from '../scenario/types.js';
import type { AdmitDecision, Clock, Eviction, EvictionCause } from './types.js';

const MIB = 1024 * 1024;

interface TenantState {
  /** Live instances: activating, busy or idle. */
  live: number;
  idleHead: Entry | undefined;
  idleTail: Entry | undefined;
}

interface Entry {
  instance: string;
  tenantId: string;
  tenant: TenantState;
  memoryBytes: number;
  idle: boolean;
  /** Clock time the instance last became idle. */
  idleSince: number;
  // Global idle list, least recently used first.
  prev: Entry | undefined;
  next: Entry | undefined;
  // The tenant's idle list, least recently used first.
  tPrev: Entry | undefined;
  tNext: Entry | undefined;
}

/** Options of one admission. */
export interface AdmitOptions {
  /** The request must not reuse a warm instance: at the tenant's cap, one of its idle instances is evicted. */
  forced: boolean;
}

/**
 * Instance bookkeeping and decisions for one PoP. Instances are keyed by an id unique across
 * tenants. The clock must never go backwards.
 *
 * Lifecycle: `admit` (registers the instance as busy: it is activating for a request or a
 * hand-over) -> `idle` / `busy` any number of times -> `removed` (or it leaves through an
 * eviction the policy returned, after which the caller must not report it again).
 */
export class InstancePolicy {
  private readonly idleTimeoutMs: number;
  private readonly maxPerTenant: number;
  private readonly budgetBytes: number;
  private readonly entries = new Map<string, Entry>();
  private readonly tenants = new Map<string, TenantState>();
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private total = 0;
  private idleTotal = 0;

  constructor(
    spec: KeepAliveSpec,
    private readonly clock: Clock,
  ) {
    if (!(spec.idleTimeoutSeconds >= 0)) throw new RangeError(`keepAlive.idleTimeoutSeconds must be >= 0, got ${spec.idleTimeoutSeconds}`);
    if (!Number.isInteger(spec.maxInstancesPerTenant) || spec.maxInstancesPerTenant < 1) {
      throw new RangeError(`keepAlive.maxInstancesPerTenant must be an integer >= 1, got ${spec.maxInstancesPerTenant}`);
    }
    if (!(spec.memoryBudgetMiB >= 0)) throw new RangeError(`keepAlive.memoryBudgetMiB must be >= 0, got ${spec.memoryBudgetMiB}`);
    this.idleTimeoutMs = spec.idleTimeoutSeconds * 1000;
    this.maxPerTenant = spec.maxInstancesPerTenant;
    this.budgetBytes = spec.memoryBudgetMiB * MIB;
  }

  /**
   * May `tenant` activate a new instance of `memoryBytes` now? On `admit: true` the new
   * instance is already registered (busy) under `instance` and the returned evictions are
   * already off the books: the caller must dispose them. On `admit: false` nothing changed.
   * Idle instances past their timeout that the memory budget evicts are labelled `idle`.
   */
  admit(tenant: string, instance: string, memoryBytes: number, opts: AdmitOptions): AdmitDecision {
    if (this.entries.has(instance)) throw new Error(`policy: instance ${instance} is already registered`);
    const t = this.tenantState(tenant);
    let victim: Entry | undefined;
    if (t.live >= this.maxPerTenant) {
      // Only a forced-cold request may displace one of the tenant's own idle instances; any
      // other request at the cap should have reused that idle instance (pickWarm).
      victim = opts.forced ? t.idleHead : undefined;
      if (!victim) return { admit: false, reason: 'max-instances' };
    }
    let need = 0;
    if (this.budgetBytes > 0) {
      const victimBytes = victim?.memoryBytes ?? 0;
      need = this.total - victimBytes + memoryBytes - this.budgetBytes;
      // Decide before touching anything: a refusal must leave the state unchanged.
      if (need > this.idleTotal - victimBytes) return { admit: false, reason: 'memory' };
    }
    const evict: Eviction[] = [];
    if (victim) evict.push(this.drop(victim, 'forced'));
    let freed = 0;
    while (freed < need) {
      const lru = this.head;
      if (!lru) break; // unreachable: feasibility was checked above
      freed += lru.memoryBytes;
      evict.push(this.drop(lru, this.isDue(lru) ? 'idle' : 'memory'));
    }
    const entry: Entry = {
      instance,
      tenantId: tenant,
      tenant: t,
      memoryBytes,
      idle: false,
      idleSince: 0,
      prev: undefined,
      next: undefined,
      tPrev: undefined,
      tNext: undefined,
    };
    this.entries.set(instance, entry);
    t.live++;
    this.total += memoryBytes;
    return { admit: true, evict };
  }

  /** The instance took a request (it was idle). */
  busy(instance: string): void {
    const e = this.entry(instance);
    if (!e.idle) return;
    this.unlinkIdle(e);
  }

  /** The instance finished its request (or its activation) and waits for the next one. */
  idle(instance: string): void {
    const e = this.entry(instance);
    if (e.idle) return;
    e.idle = true;
    e.idleSince = this.clock();
    this.idleTotal += e.memoryBytes;
    // Appending keeps both lists ordered by idleSince because the clock never goes back.
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    const t = e.tenant;
    e.tPrev = t.idleTail;
    e.tNext = undefined;
    if (t.idleTail) t.idleTail.tNext = e;
    else t.idleHead = e;
    t.idleTail = e;
  }

  /** The instance is gone for a reason the caller saw (crash, failed activation...). Returns whether it was known. */
  removed(instance: string): boolean {
    const e = this.entries.get(instance);
    if (!e) return false;
    this.forget(e);
    return true;
  }

  /**
   * The instance's measured size replaces the estimate given to `admit`. If that breaks the
   * budget, least recently used idle instances are evicted (returned) until it holds again or
   * none is left.
   */
  resize(instance: string, memoryBytes: number): Eviction[] {
    const e = this.entry(instance);
    this.total += memoryBytes - e.memoryBytes;
    if (e.idle) this.idleTotal += memoryBytes - e.memoryBytes;
    e.memoryBytes = memoryBytes;
    const evict: Eviction[] = [];
    if (this.budgetBytes <= 0) return evict;
    while (this.total > this.budgetBytes && this.head) {
      const lru = this.head;
      evict.push(this.drop(lru, this.isDue(lru) ? 'idle' : 'memory'));
    }
    return evict;
  }

  /** Idle instances whose keep-alive ran out by now (idle time >= the timeout), oldest first; already off the books. */
  expired(): Eviction[] {
    const evict: Eviction[] = [];
    while (this.head && this.isDue(this.head)) evict.push(this.drop(this.head, 'idle'));
    return evict;
  }

  /** Clock time of the next idle-timeout eviction, if any: when to call `expired()` next. */
  nextExpiryAt(): number | undefined {
    if (this.idleTimeoutMs <= 0 || !this.head) return undefined;
    return this.head.idleSince + this.idleTimeoutMs;
  }

  /**
   * The tenant's most recently used idle instance, to reuse (a warm start); `undefined` if none
   * or if its keep-alive already ran out (then all the tenant's idle ones did: call `expired()`).
   * A query: call `busy()` when actually using it.
   */
  pickWarm(tenant: string): string | undefined {
    const mru = this.tenants.get(tenant)?.idleTail;
    if (!mru || this.isDue(mru)) return undefined;
    return mru.instance;
  }

  /**
   * `pickWarm` and `busy` in one step, for the request path of the live pool and the
   * simulator: the tenant's most recently used idle instance, now busy, or `undefined`. One
   * lookup instead of two, which the simulator pays millions of times.
   */
  takeWarm(tenant: string): string | undefined {
    const mru = this.tenants.get(tenant)?.idleTail;
    if (!mru || this.isDue(mru)) return undefined;
    this.unlinkIdle(mru);
    return mru.instance;
  }

  /** Evicts every idle instance of `tenant` (or of all tenants), oldest first; busy ones stay. */
  evictIdle(tenant: string | undefined, cause: EvictionCause): Eviction[] {
    const evict: Eviction[] = [];
    if (tenant === undefined) {
      while (this.head) evict.push(this.drop(this.head, cause));
    } else {
      const t = this.tenants.get(tenant);
      while (t?.idleHead) evict.push(this.drop(t.idleHead, cause));
    }
    return evict;
  }

  /** Live instances of the tenant: activating, busy and idle. */
  liveCount(tenant: string): number {
    return this.tenants.get(tenant)?.live ?? 0;
  }

  /** Memory of all live instances as last given (estimate or measured), bytes. */
  totalMemory(): number {
    return this.total;
  }

  /** Live instances of all tenants. */
  size(): number {
    return this.entries.size;
  }

  private isDue(e: Entry): boolean {
    return this.idleTimeoutMs > 0 && this.clock() >= e.idleSince + this.idleTimeoutMs;
  }

  private drop(e: Entry, cause: EvictionCause): Eviction {
    this.forget(e);
    return { tenant: e.tenantId, instance: e.instance, cause };
  }

  private forget(e: Entry): void {
    if (e.idle) this.unlinkIdle(e);
    this.entries.delete(e.instance);
    e.tenant.live--;
    this.total -= e.memoryBytes;
  }

  private unlinkIdle(e: Entry): void {
    e.idle = false;
    this.idleTotal -= e.memoryBytes;
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = undefined;
    const t = e.tenant;
    if (e.tPrev) e.tPrev.tNext = e.tNext;
    else t.idleHead = e.tNext;
    if (e.tNext) e.tNext.tPrev = e.tPrev;
    else t.idleTail = e.tPrev;
    e.tPrev = e.tNext = undefined;
  }

  private entry(instance: string): Entry {
    const e = this.entries.get(instance);
    if (!e) throw new Error(`policy: unknown instance ${instance}`);
    return e;
  }

  private tenantState(tenant: string): TenantState {
    let t = this.tenants.get(tenant);
    if (!t) {
      t = { live: 0, idleHead: undefined, idleTail: undefined };
      this.tenants.set(tenant, t);
    }
    return t;
  }
}
