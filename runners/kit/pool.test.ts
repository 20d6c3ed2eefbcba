import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../../lab/pop/contract.js';
import type { Activation, ActivationContext, DisposeCause, Instance, InstanceFactory, InstanceRequest, InstanceResponse } from './instance.js';
import { InstancePool, type PoolOptions, type PopRequest, type PopResult } from './pool.js';
import { PopError } from './pop-error.js';

const MIB = 1024 * 1024;

/** How a test workload behaves. */
interface Behaviour {
  activationMs?: number;
  serviceMs?: number;
  /** `crash`: the instance dies mid-request; `hang`: it never answers; `fail-activation`: activation rejects. */
  mode?: 'ok' | 'crash' | 'hang' | 'fail-activation';
  memoryBytes?: number;
}

class TestInstance implements Instance {
  disposedWith: DisposeCause | undefined;
  served = 0;
  constructor(
    readonly id: string,
    private readonly ctx: ActivationContext,
    private readonly b: Behaviour,
  ) {}
  async handle(req: InstanceRequest, signal: AbortSignal): Promise<InstanceResponse> {
    assert.equal(this.disposedWith, undefined, `request sent to disposed instance ${this.id}`);
    this.served++;
    if (this.b.mode === 'crash') {
      this.die('instance crashed (exit code 3)');
      return new Promise(() => {});
    }
    if (this.b.mode === 'hang') return new Promise(() => {});
    await sleep(this.b.serviceMs ?? 0, undefined, { signal });
    return { status: 200, headers: { 'x-served-by': this.id }, body: new TextEncoder().encode(`${this.id} ${req.path}`), firstByteAt: performance.now() };
  }
  /** Simulates the substrate noticing the instance died on its own. */
  die(reason: string): void {
    this.ctx.exited(reason);
  }
  async dispose(cause: DisposeCause): Promise<void> {
    this.disposedWith ??= cause;
  }
  async memory() {
    const b = this.b.memoryBytes ?? MIB;
    return { ussBytes: b, pssBytes: b / 2, rssBytes: b * 2 };
  }
}

/** Factory whose behaviour is set per workload; keeps every instance for inspection. */
class TestFactory implements InstanceFactory {
  readonly instances = new Map<string, TestInstance>();
  activations = 0;
  constructor(private readonly behaviours: Record<string, Behaviour>) {}
  async activate(ctx: ActivationContext): Promise<Activation> {
    this.activations++;
    const b = this.behaviours[ctx.tenant.workload] ?? {};
    const started = performance.now();
    await sleep(b.activationMs ?? 0, undefined, { signal: ctx.signal });
    if (b.mode === 'fail-activation') throw new Error('handler module not found');
    const instance = new TestInstance(ctx.instanceId, ctx, b);
    this.instances.set(instance.id, instance);
    return { instance, phases: [{ name: 'init', ms: performance.now() - started }] };
  }
  memoryEstimateBytes(t: TenantAssignment): number {
    return this.behaviours[t.workload]?.memoryBytes ?? MIB;
  }
  live(): TestInstance[] {
    return [...this.instances.values()].filter((i) => i.disposedWith === undefined);
  }
}

const tenants: TenantAssignment[] = [
  { id: 'ta', workload: 'ok' },
  { id: 'tb', workload: 'ok' },
  { id: 'tc', workload: 'ok' },
  { id: 'crashy', workload: 'crash' },
  { id: 'hangy', workload: 'hang' },
  { id: 'broken', workload: 'fail-activation' },
  { id: 'slow', workload: 'slow' },
];

function keepAlive(over: Partial<KeepAliveSpec> = {}): KeepAliveSpec {
  return { idleTimeoutSeconds: 60, maxInstancesPerTenant: 2, memoryBudgetMiB: 0, ...over };
}

function makePool(over: Partial<PoolOptions> = {}, behaviours: Record<string, Behaviour> = {}): { pool: InstancePool; factory: TestFactory } {
  const factory = new TestFactory({ ok: {}, crash: { mode: 'crash' }, hang: { mode: 'hang' }, 'fail-activation': { mode: 'fail-activation' }, slow: { serviceMs: 60 }, ...behaviours });
  const pool = new InstancePool({
    runtime: 'test',
    tenants,
    keepAlive: keepAlive(),
    requestTimeoutMs: 5000,
    factory,
    memory: { method: 'test figures', fixedOverheadBytes: async () => 7 * MIB },
    ...over,
  });
  return { pool, factory };
}

function request(tenant: string, opts: { forceCold?: boolean; path?: string } = {}): PopRequest {
  return {
    tenant,
    method: 'GET',
    path: opts.path ?? '/',
    headers: {},
    body: new Uint8Array(),
    forceCold: opts.forceCold ?? false,
    arrivedAt: performance.now(),
    arrivedAtEpochMs: Date.now(),
  };
}

async function rejection(p: Promise<PopResult>): Promise<PopError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PopError, `expected a PopError, got ${String(e)}`);
    return e;
  }
  assert.fail('request unexpectedly succeeded');
}

/** Polls until `cond` holds; fails after a generous bound. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!cond()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('InstancePool warm reuse and cold starts', () => {
  it('cold-starts the first request and reuses the instance warm after', async () => {
    const { pool, factory } = makePool();
    const r1 = await pool.handle(request('ta', { path: '/x?q=1' }));
    assert.equal(r1.activation, 'cold');
    assert.ok(r1.activationId);
    assert.equal(new TextDecoder().decode(r1.response.body), `${r1.instance} /x?q=1`);
    const r2 = await pool.handle(request('ta'));
    assert.equal(r2.activation, 'warm');
    assert.equal(r2.instance, r1.instance);
    assert.equal(r2.activationId, undefined);
    assert.equal(factory.activations, 1);
    const s = pool.stats(false);
    assert.equal(s.instances.ta, 1);
    assert.deepEqual([s.counters.requests, s.counters.cold, s.counters.warm, s.counters.errors], [2, 1, 1, 0]);
    const [rec] = s.activations;
    assert.ok(rec);
    assert.equal(rec.id, r1.activationId);
    assert.equal(rec.reason, 'no-instance');
    assert.equal(rec.path, 'request');
    assert.deepEqual(
      rec.phases.map((p) => p.name),
      ['init', 'firstResponse'],
    );
    // Total runs from arrival to first byte, so it covers every phase.
    assert.ok(rec.totalMs + 1e-6 >= rec.phases.reduce((a, p) => a + p.ms, 0));
    await pool.close();
  });

  it('activates another instance when all are busy, up to the cap, then queues', async () => {
    const { pool, factory } = makePool({ keepAlive: keepAlive({ maxInstancesPerTenant: 2 }) });
    const results = await Promise.all([0, 1, 2, 3].map(() => pool.handle(request('slow'))));
    assert.equal(factory.activations, 2, 'the cap bounds activations');
    assert.deepEqual(
      results.map((r) => r.activation),
      ['cold', 'cold', 'warm', 'warm'],
    );
    assert.deepEqual(
      results.map((r) => r.waitedMs > 0),
      [false, false, true, true],
      'the queued requests report their wait in the tenant queue',
    );
    assert.deepEqual(
      pool.stats(false).activations.map((a) => a.reason),
      ['no-instance', 'all-busy'],
    );
    assert.equal(pool.stats(false).instances.slow, 2);
    await pool.close();
  });

  it('times out a request that waits in the queue too long', async () => {
    const { pool } = makePool({ keepAlive: keepAlive({ maxInstancesPerTenant: 1 }), requestTimeoutMs: 150 });
    const first = pool.handle(request('hangy'));
    // The second arrived earlier at the PoP, so its deadline comes while the first still hangs.
    const second = pool.handle({ ...request('hangy'), arrivedAt: performance.now() - 100 });
    const [e1, e2] = await Promise.all([rejection(first), rejection(second)]);
    assert.equal(e1.kind, 'timeout');
    assert.equal(e2.kind, 'timeout');
    assert.match(e2.message, /^tenant hangy: no instance became free/);
    await pool.close();
  });
});

describe('InstancePool forced cold', () => {
  it('activates a fresh instance and, at the cap, evicts the idle one', async () => {
    const { pool, factory } = makePool({ keepAlive: keepAlive({ maxInstancesPerTenant: 1 }) });
    const r1 = await pool.handle(request('ta'));
    const r2 = await pool.handle(request('ta', { forceCold: true }));
    assert.equal(r2.activation, 'cold');
    assert.notEqual(r2.instance, r1.instance);
    assert.equal(factory.instances.get(r1.instance)?.disposedWith, 'forced');
    const s = pool.stats(false);
    assert.equal(s.instances.ta, 1);
    assert.equal(s.counters.evictionsBy.forced, 1);
    assert.equal(s.activations[1]?.reason, 'forced');
    await pool.close();
  });

  it('waits for a busy instance at the cap, then replaces it', async () => {
    const { pool, factory } = makePool({ keepAlive: keepAlive({ maxInstancesPerTenant: 1 }) });
    const busy = pool.handle(request('slow'));
    const forced = pool.handle(request('slow', { forceCold: true }));
    const [r1, r2] = await Promise.all([busy, forced]);
    assert.equal(r2.activation, 'cold');
    assert.notEqual(r2.instance, r1.instance);
    assert.equal(factory.activations, 2);
    assert.deepEqual(
      pool.stats(false).activations[1]?.phases.map((p) => p.name),
      ['queue', 'init', 'firstResponse'],
    );
    await pool.close();
  });
});

describe('InstancePool failures', () => {
  it('answers 502 naming the tenant when the instance crashes mid-request; others keep serving', async () => {
    const { pool, factory } = makePool();
    const e = await rejection(pool.handle(request('crashy')));
    assert.equal(e.status, 502);
    assert.equal(e.kind, 'crash');
    assert.equal(e.message, 'tenant crashy: instance crashed (exit code 3)');
    assert.equal(e.assigned?.activation, 'cold');
    const s = pool.stats(false);
    assert.equal(s.instances.crashy, 0);
    assert.equal(s.counters.evictionsBy.crash, 1);
    assert.equal(s.counters.errors, 1);
    assert.equal(s.activations[0]?.ok, false);
    assert.equal(factory.live().length, 0);
    assert.equal((await pool.handle(request('ta'))).response.status, 200);
    await pool.close();
  });

  it('removes an idle instance that dies and cold-starts the next request', async () => {
    const { pool, factory } = makePool();
    const r1 = await pool.handle(request('ta'));
    factory.instances.get(r1.instance)!.die('instance crashed (signal SIGSEGV)');
    assert.equal(pool.stats(false).instances.ta, 0);
    const r2 = await pool.handle(request('ta'));
    assert.equal(r2.activation, 'cold');
    assert.equal(pool.stats(false).counters.evictionsBy.crash, 1);
    await pool.close();
  });

  it('kills an instance that exceeds the request timeout and answers 504', async () => {
    const { pool, factory } = makePool({ requestTimeoutMs: 100 });
    const e = await rejection(pool.handle(request('hangy')));
    assert.equal(e.status, 504);
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /^tenant hangy: instance did not answer within .*100 ms/);
    assert.equal([...factory.instances.values()][0]?.disposedWith, 'timeout');
    assert.equal(pool.stats(false).counters.evictionsBy.timeout, 1);
    assert.equal(pool.stats(false).instances.hangy, 0);
    await pool.close();
  });

  it('kills an instance past its per-request deadline (handlerDeadlineMs) long before the request timeout; the tenant is served again', async () => {
    const { pool, factory } = makePool({ requestTimeoutMs: 5000, handlerDeadlineMs: 80 });
    const started = performance.now();
    const e = await rejection(pool.handle(request('hangy')));
    assert.equal(e.status, 504);
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /^tenant hangy: instance ran past the per-request deadline of 80 ms \(limits.cpuMsPerRequest; instance killed\)/);
    assert.ok(performance.now() - started < 4000, 'the deadline, not the request timeout');
    assert.equal([...factory.instances.values()][0]?.disposedWith, 'timeout');
    assert.equal(pool.stats(false).instances.hangy, 0);
    // A request within the deadline is untouched by it.
    const ok = await pool.handle(request('slow'));
    assert.equal(ok.response.status, 200, 'a 60 ms answer is within the 80 ms deadline');
    await pool.close();
  });

  it('times out a hanging activation', async () => {
    const { pool } = makePool({ requestTimeoutMs: 80 }, { ok: { activationMs: 10_000 } });
    const e = await rejection(pool.handle(request('ta')));
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /^tenant ta: activation did not finish/);
    assert.equal(pool.stats(false).instances.ta, 0);
    await pool.close();
  });

  it('answers 502 on a failed activation and records it', async () => {
    const { pool } = makePool();
    const e = await rejection(pool.handle(request('broken')));
    assert.equal(e.kind, 'activation');
    assert.equal(e.message, 'tenant broken: activation failed: handler module not found');
    const [rec] = pool.stats(false).activations;
    assert.equal(rec?.ok, false);
    assert.equal(rec?.error, e.message);
    assert.equal(pool.stats(false).instances.broken, 0);
    await pool.close();
  });

  it('answers 404 naming an unknown tenant', async () => {
    const { pool } = makePool();
    const e = await rejection(pool.handle(request('nobody')));
    assert.equal(e.status, 404);
    assert.equal(e.message, 'tenant nobody: unknown tenant (not assigned to this PoP)');
    await pool.close();
  });
});

describe('InstancePool spares', () => {
  it('fills spares off the request path, hands one to a request, and refills', async () => {
    const { pool, factory } = makePool({ spares: 1, tenants: [{ id: 'ta', workload: 'ok' }] });
    await pool.start();
    assert.equal(factory.activations, 1);
    assert.deepEqual(pool.stats(false).spares, { ta: 1 });
    const fill = pool.stats(true).activations[0];
    assert.equal(fill?.path, 'spare-fill');
    assert.equal(fill?.reason, 'pool');
    const r1 = await pool.handle(request('ta'));
    assert.equal(r1.activation, 'spare');
    assert.equal(r1.instance, fill?.instance);
    await until(() => pool.stats(false).spares.ta === 1, 'the spare pool to refill');
    // A forced-cold request may take a spare too: it is a fresh instance.
    const r2 = await pool.handle(request('ta', { forceCold: true }));
    assert.equal(r2.activation, 'spare');
    assert.notEqual(r2.instance, r1.instance);
    const s = pool.stats(false);
    assert.deepEqual([s.counters.spare, s.counters.cold], [2, 0]);
    await pool.close();
    assert.equal(factory.live().length, 0);
  });
});

describe('InstancePool eviction', () => {
  it('evicts on command: idle now, busy after their request', async () => {
    const { pool, factory } = makePool();
    const idle = await pool.handle(request('ta'));
    await pool.handle(request('tb'));
    const running = pool.handle(request('slow'));
    await until(() => pool.stats(false).instances.slow === 1, 'the slow request to start');
    assert.deepEqual(await pool.evict('ta'), { evicted: 1, retiring: 0 });
    assert.equal(factory.instances.get(idle.instance)?.disposedWith, 'command');
    assert.equal(pool.stats(false).instances.tb, 1, 'other tenants untouched');
    assert.deepEqual(await pool.evict(), { evicted: 1, retiring: 1 });
    const r = await running;
    assert.equal(r.response.status, 200);
    assert.equal(factory.instances.get(r.instance)?.disposedWith, 'command');
    assert.deepEqual(Object.values(pool.stats(false).instances), [0, 0, 0, 0, 0, 0, 0]);
    assert.equal(pool.stats(false).counters.evictionsBy.command, 3);
    await assert.rejects(pool.evict('nobody'), /tenant nobody/);
    await pool.close();
  });

  it('expires idle instances at the keep-alive boundary (manual clock)', async () => {
    let now = 0;
    const { pool, factory } = makePool({ clock: () => now, keepAlive: keepAlive({ idleTimeoutSeconds: 2 }) });
    const r = await pool.handle(request('ta'));
    now = 1999;
    pool.tick();
    assert.equal(pool.stats(false).instances.ta, 1);
    now = 2000;
    pool.tick();
    assert.equal(pool.stats(false).instances.ta, 0);
    assert.equal(factory.instances.get(r.instance)?.disposedWith, 'idle');
    assert.equal(pool.stats(false).counters.evictionsBy.idle, 1);
    await pool.close();
  });

  it('expires idle instances on its own timer (real clock)', async () => {
    const { pool } = makePool({ keepAlive: keepAlive({ idleTimeoutSeconds: 0.05 }) });
    await pool.handle(request('ta'));
    await until(() => pool.stats(false).instances.ta === 0, 'the keep-alive timer');
    assert.equal(pool.stats(false).counters.evictionsBy.idle, 1);
    await pool.close();
  });

  it('evicts the least recently used idle instance under the memory budget', async () => {
    const { pool, factory } = makePool({ keepAlive: keepAlive({ memoryBudgetMiB: 2 }) });
    const a = await pool.handle(request('ta'));
    const b = await pool.handle(request('tb'));
    await pool.handle(request('ta')); // ta becomes the most recently used
    await pool.handle(request('tc'));
    assert.equal(factory.instances.get(b.instance)?.disposedWith, 'memory');
    assert.equal(factory.instances.get(a.instance)?.disposedWith, undefined);
    assert.equal(pool.stats(false).counters.evictionsBy.memory, 1);
    await pool.close();
  });

  it('queues a request until memory frees, and refuses one that can never fit', async () => {
    const { pool } = makePool({ keepAlive: keepAlive({ memoryBudgetMiB: 1 }) }, { huge: { memoryBytes: 2 * MIB } });
    const busy = pool.handle(request('slow'));
    await until(() => pool.stats(false).instances.slow === 1, 'the slow request to start');
    const waiting = pool.handle(request('ta'));
    const [, r] = await Promise.all([busy, waiting]);
    assert.equal(r.activation, 'cold');
    assert.equal(pool.stats(false).counters.evictionsBy.memory, 1);
    await pool.close();

    const big = makePool({ keepAlive: keepAlive({ memoryBudgetMiB: 1 }), tenants: [{ id: 'big', workload: 'huge' }] }, { huge: { memoryBytes: 2 * MIB } });
    const e = await rejection(big.pool.handle(request('big')));
    assert.equal(e.status, 503);
    assert.equal(e.kind, 'memory');
    assert.match(e.message, /^tenant big: /);
    await big.pool.close();
  });
});

describe('InstancePool reporting and shutdown', () => {
  it('reports memory per instance, their mean and the fixed overhead', async () => {
    const { pool } = makePool({}, { ok: { memoryBytes: 2 * MIB }, slow: { memoryBytes: 4 * MIB, serviceMs: 0 } });
    await pool.handle(request('ta'));
    await pool.handle(request('slow'));
    const m = await pool.memoryReport();
    assert.equal(m.runtime, 'test');
    assert.equal(m.instances.length, 2);
    assert.equal(m.perInstanceUssBytes, 3 * MIB);
    assert.equal(m.perInstancePssBytes, 1.5 * MIB);
    assert.equal(m.fixedOverheadBytes, 7 * MIB);
    await pool.close();
  });

  it('drains the activation log on request', async () => {
    const { pool } = makePool();
    await pool.handle(request('ta'));
    assert.equal(pool.stats(true).activations.length, 1);
    assert.equal(pool.stats(true).activations.length, 0);
    assert.equal(pool.stats(false).counters.cold, 1, 'counters survive a drain');
    await pool.close();
  });

  it('fails in-flight and waiting requests on close and disposes every instance', async () => {
    const { pool, factory } = makePool({ keepAlive: keepAlive({ maxInstancesPerTenant: 1 }) });
    await pool.handle(request('ta'));
    const hanging = pool.handle(request('hangy'));
    const queued = pool.handle(request('hangy'));
    await until(() => pool.stats(false).instances.hangy === 1, 'the hanging request to start');
    await pool.close();
    const [e1, e2] = await Promise.all([rejection(hanging), rejection(queued)]);
    assert.equal(e1.kind, 'shutting-down');
    assert.equal(e2.kind, 'shutting-down');
    assert.equal(factory.live().length, 0);
    assert.equal((await rejection(pool.handle(request('ta')))).kind, 'shutting-down');
  });
});
