/**
 * The conformance behaviours (lab/pop/conformance.ts names them), each a check of one runner
 * through nothing but its PoP endpoint: HTTP requests, `/_lab/stats`, `/_lab/memory`,
 * `/_lab/evict`. Every check launches what it needs and stops it again, whatever happens.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PopClient } from '../../lab/pop/client.js';
import type { BehaviourId, ConformanceDeclaration } from '../../lab/pop/conformance.js';
import { POP_HEADERS, type PopHandle, type TenantAssignment } from '../../lab/pop/contract.js';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import { fixtureExpectedBody, fixtureRequestBody, listWorkloads, loadWorkload } from '../../workloads/registry.js';
import { directCall, httpEndpoint, type Endpoint } from '../../workloads/testkit/packagings.js';
import { resolveOptions } from '../kit/options.js';
import type { RegisteredRunner } from '../registry.js';
import { processTree } from '../../lab/proc/process-tree.js';
import { plantProbeTargets, runProbes } from '../../lab/isolation/probe-run.js';

/** The workload the lifecycle behaviours use: the smallest JS one. */
const WORKLOAD = 'hello';
const MIB = 1024 * 1024;

/** A launched PoP of the runner under test. */
export interface Launched {
  url: string;
  runId: string;
  handle: PopHandle;
  pop: PopClient;
  stop(): Promise<void>;
}

/** What a behaviour check gets: the runner, its declaration, and a launcher with the declared options. */
export interface SuiteContext {
  runner: RegisteredRunner;
  declaration: ConformanceDeclaration;
  /** The declared variant's options `identity` runs under (absent: the runner's defaults). */
  variant?: Record<string, unknown>;
  /** Launches with the declared options under `options`; `defaults` launches with the runner's own defaults instead of the declared options. */
  launch(o: { tenants: TenantAssignment[]; keepAlive?: Partial<KeepAliveSpec>; requestTimeoutMs?: number; options?: Record<string, unknown>; defaults?: boolean }): Promise<Launched>;
}

let launches = 0;

/** The suite's launcher for `runner`: a scratch work folder, a unique run id, the declared options under the behaviour's own. */
export function suiteContext(runner: RegisteredRunner, variant?: Record<string, unknown>): SuiteContext {
  const declaration = runner.conformance;
  return {
    runner,
    declaration,
    ...(variant ? { variant } : {}),
    async launch(o) {
      const runId = `conformance-${runner.name}-${process.pid}-${++launches}`;
      const workDir = mkdtempSync(join(tmpdir(), `lab-conformance-${runner.name}-`));
      const options = resolveOptions(runner, { ...(o.defaults ? {} : declaration.options), ...o.options });
      let handle: PopHandle;
      try {
        handle = await runner.launch({
          runId,
          tenants: o.tenants,
          keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 2, memoryBudgetMiB: 0, ...o.keepAlive },
          options,
          requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
          workDir,
        });
      } catch (e) {
        rmSync(workDir, { recursive: true, force: true });
        throw e;
      }
      let stopped: Promise<void> | undefined;
      return {
        url: handle.url,
        runId,
        handle,
        pop: new PopClient(handle.url),
        stop: () =>
          (stopped ??= (async () => {
            await handle.stop();
            rmSync(workDir, { recursive: true, force: true });
          })()),
      };
    },
  };
}

/** What one tenant request returned, with the PoP headers. */
interface Answer {
  status: number;
  activation: string | null;
  instance: string | null;
  queueMs: string | null;
  error: string | null;
  text: string;
  ms: number;
}

/** Where a tenant's requests go: its PoP route, or, on a plain endpoint, its workload's base URL. */
function routeOf(l: Launched, tenant: string, workload: string): string {
  return l.handle.plain ? l.handle.plain.urls[workload]! : `${l.url}/t/${tenant}`;
}

/** Sends `tenant` the workload's first traffic fixture (or a GET of `path`). */
async function send(l: Launched, tenant: string, opts: { path?: string; forceCold?: boolean } = {}): Promise<Answer> {
  const f = loadWorkload(WORKLOAD).trafficFixtures[0]!;
  const path = opts.path ?? f.request.path;
  const init: RequestInit = opts.path !== undefined ? {} : { method: f.request.method, headers: f.request.headers, ...(f.request.method === 'GET' ? {} : { body: fixtureRequestBody(f) }) };
  const headers = new Headers(init.headers);
  if (opts.forceCold) headers.set(POP_HEADERS.forceCold, '1');
  const t = performance.now();
  const res = await fetch(`${routeOf(l, tenant, WORKLOAD)}${path}`, { ...init, headers });
  const text = await res.text();
  const h = (n: string): string | null => res.headers.get(n);
  return { status: res.status, activation: h(POP_HEADERS.activation), instance: h(POP_HEADERS.instance), queueMs: h(POP_HEADERS.queue), error: h(POP_HEADERS.error), text, ms: performance.now() - t };
}

/** Launches, runs `body`, stops, whatever happens. */
async function withPop<T>(ctx: SuiteContext, o: Parameters<SuiteContext['launch']>[0], body: (l: Launched) => Promise<T>): Promise<T> {
  const l = await ctx.launch(o);
  try {
    return await body(l);
  } finally {
    await l.stop();
  }
}

/** Polls `check` every 50 ms until it holds or `ms` pass; fails naming `what`. */
async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what} did not happen within ${ms} ms`);
}

const tenant = (id: string, workload = WORKLOAD): TenantAssignment => ({ id, workload });

/**
 * Mismatches between an answer and its reference's direct call, one line each. A PoP must frame
 * the body with its content-length; a plain endpoint (a reference host) may stream it chunked.
 */
function mismatches(what: string, got: { status: number; headers: Record<string, string>; body: Uint8Array }, ref: { status: number; headers: Record<string, string>; body: Uint8Array }, expected: { status: number; body?: Uint8Array }, chunkedAllowed: boolean): string[] {
  const out: string[] = [];
  if (got.status !== expected.status) out.push(`${what}: status ${got.status}, fixture expects ${expected.status}`);
  if (got.status !== ref.status) out.push(`${what}: status ${got.status}, direct call ${ref.status}`);
  if (!Buffer.from(got.body).equals(Buffer.from(ref.body))) out.push(`${what}: body differs from a direct call (${got.body.length} vs ${ref.body.length} bytes): ${Buffer.from(got.body).toString().slice(0, 120)}`);
  if (expected.body && !Buffer.from(got.body).equals(Buffer.from(expected.body))) out.push(`${what}: body differs from the fixture's`);
  for (const [k, v] of Object.entries(ref.headers)) if (got.headers[k] !== v) out.push(`${what}: handler header ${k} is ${JSON.stringify(got.headers[k])}, direct call ${JSON.stringify(v)}`);
  const chunked = chunkedAllowed && got.headers['content-length'] === undefined && /chunked/i.test(got.headers['transfer-encoding'] ?? '');
  if (!chunked && got.headers['content-length'] !== String(ref.body.length)) out.push(`${what}: content-length ${got.headers['content-length']}, body ${ref.body.length} bytes`);
  return out;
}


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Each behaviour's check. A check that cannot even start on a runner (no misbehaving tenant) fails like any other. */
export const BEHAVIOURS: Record<BehaviourId, (ctx: SuiteContext) => Promise<void>> = {
  async identity(ctx) {
    const workloads = listWorkloads().map((n) => loadWorkload(n));
    // The runner's defaults, as scenarios run it (the declared options serve the lifecycle checks).
    await withPop(ctx, { tenants: workloads.map((w) => tenant(`id-${w.name}`, w.name)), requestTimeoutMs: 30_000, defaults: true, ...(ctx.variant ? { options: ctx.variant } : {}) }, async (l) => {
      const problems: string[] = [];
      const refs = new Map<string, Endpoint>();
      try {
        for (const w of workloads) {
          // A port answers its reference workload's fixtures exactly as the reference's handler does.
          if (!refs.has(w.reference)) refs.set(w.reference, await directCall.start(loadWorkload(w.reference)));
          const pop = l.handle.plain ? httpEndpoint(l.handle.plain.urls[w.name]!, async () => {}) : httpEndpoint(l.url, async () => {}, `/t/id-${w.name}`);
          for (const f of w.fixtures) {
            const body = fixtureRequestBody(f);
            const got = await pop.call(f.request, body);
            const ref = await refs.get(w.reference)!.call(f.request, body);
            const expected = fixtureExpectedBody(f);
            problems.push(...mismatches(`${w.name}/${f.name}`, got, ref, { status: f.expect.status, ...(expected ? { body: expected } : {}) }, l.handle.plain !== undefined));
          }
        }
      } finally {
        for (const r of refs.values()) await r.stop();
      }
      assert.deepEqual(problems, [], `${problems.length} fixture mismatches:\n${problems.join('\n')}`);
    });
  },

  async 'cold-then-warm'(ctx) {
    await withPop(ctx, { tenants: [tenant('t1')] }, async (l) => {
      const first = await send(l, 't1');
      const second = await send(l, 't1');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.activation, 'cold');
      assert.equal(second.status, 200, second.text);
      assert.equal(second.activation, 'warm', 'the second request reuses the idle instance');
      assert.equal(second.instance, first.instance);
    });
  },

  async 'forced-cold'(ctx) {
    await withPop(ctx, { tenants: [tenant('t1')] }, async (l) => {
      const first = await send(l, 't1');
      const forced = await send(l, 't1', { forceCold: true });
      assert.equal(forced.status, 200, forced.text);
      assert.equal(forced.activation, 'cold');
      assert.notEqual(forced.instance, first.instance, 'a forced cold start activates a new instance');
      const s = await l.pop.stats();
      assert.ok(s.activations.some((a) => a.path === 'request' && a.reason === 'forced'), 'the activation records say why: forced');
    });
  },

  async 'evict-on-command'(ctx) {
    await withPop(ctx, { tenants: [tenant('t1'), tenant('t2')] }, async (l) => {
      await send(l, 't1');
      await send(l, 't2');
      const r = await l.pop.evict('t1');
      assert.equal(r.evicted, 1);
      const after = await send(l, 't1');
      assert.equal(after.activation, 'cold', 'the evicted tenant starts cold');
      assert.equal((await send(l, 't2')).activation, 'warm', 'eviction of one tenant leaves the others');
      const s = await l.pop.stats();
      assert.ok((s.counters.evictionsBy.command ?? 0) >= 1, JSON.stringify(s.counters));
    });
  },

  async 'keep-alive-expiry'(ctx) {
    await withPop(ctx, { tenants: [tenant('t1')], keepAlive: { idleTimeoutSeconds: 1 } }, async (l) => {
      const first = await send(l, 't1');
      assert.equal(first.status, 200, first.text);
      await eventually('idle eviction after 1 s', 8000, async () => ((await l.pop.stats()).counters.evictionsBy.idle ?? 0) >= 1);
      assert.equal((await l.pop.stats()).instances.t1 ?? 0, 0);
      assert.equal((await send(l, 't1')).activation, 'cold');
    });
  },

  async 'instance-cap-queueing'(ctx) {
    await withPop(ctx, { tenants: [tenant('q1')], keepAlive: { maxInstancesPerTenant: 1 } }, async (l) => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => send(l, 'q1')));
      assert.deepEqual(
        answers.map((a) => a.status),
        answers.map(() => 200),
        answers.map((a) => a.text).join('\n'),
      );
      assert.ok(answers.some((a) => a.queueMs !== null), 'at the cap, later requests wait in the tenant queue (x-lab-queue-ms)');
      const s = await l.pop.stats();
      assert.ok((s.instances.q1 ?? 0) <= 1, `at most one live instance, got ${s.instances.q1}`);
    });
  },

  async 'memory-budget-lru'(ctx) {
    // First the instance's measured size, on a launch of its own.
    const perInstance = await withPop(ctx, { tenants: [tenant('m1')] }, async (l) => {
      await send(l, 'm1');
      const m = await l.pop.memory();
      return Math.max(m.perInstanceUssBytes, ...m.instances.map((i) => i.ussBytes));
    });
    assert.ok(perInstance > 0, 'the runner reports a per-instance size');
    // A budget for fewer than two instances at the first launch's figure; three tenants, so the
    // check holds while a host's own estimate lies anywhere from 0.6x to 1.8x of it (they vary
    // between launches).
    const budgetMiB = (1.8 * perInstance) / MIB;
    await withPop(ctx, { tenants: [tenant('m1'), tenant('m2'), tenant('m3')], keepAlive: { memoryBudgetMiB: budgetMiB } }, async (l) => {
      for (const t of ['m1', 'm2', 'm3']) {
        const r = await send(l, t);
        assert.equal(r.status, 200, `${t}: ${r.text}`);
        // The PoP measures a new instance off the request path; a memory report waits for that measurement.
        await l.pop.memory();
      }
      await eventually('an eviction for memory', 5000, async () => ((await l.pop.stats()).counters.evictionsBy.memory ?? 0) >= 1);
      assert.equal((await send(l, 'm1')).activation, 'cold', "the least recently used tenant's instance made room");
    });
  },

  async 'crash-answered'(ctx) {
    assert.ok(ctx.declaration.misbehaving, 'the runner declares no misbehaving tenant');
    const m = await ctx.declaration.misbehaving();
    await withPop(ctx, { tenants: [tenant('mis', m.workload)], options: m.options, requestTimeoutMs: 5000 }, async (l) => {
      assert.equal((await send(l, 'mis', { path: m.okPath })).status, 200);
      const crash = await send(l, 'mis', { path: m.crashPath });
      assert.ok(crash.status >= 500, `crash answered ${crash.status}`);
      assert.ok(crash.error, 'x-lab-error names the failure kind');
      assert.match(crash.text, /\bmis\b/, 'the body names the tenant');
      const after = await send(l, 'mis', { path: m.okPath });
      assert.equal(after.status, 200, `after the crash: ${after.text}`);
    });
  },

  async 'hang-answered'(ctx) {
    assert.ok(ctx.declaration.misbehaving, 'the runner declares no misbehaving tenant');
    const m = await ctx.declaration.misbehaving();
    const timeoutMs = 1500;
    await withPop(ctx, { tenants: [tenant('mis', m.workload)], options: m.options, requestTimeoutMs: timeoutMs }, async (l) => {
      // Warm first: the hang must be timed on the request, not on a cold start.
      assert.equal((await send(l, 'mis', { path: m.okPath })).status, 200);
      const hang = await send(l, 'mis', { path: m.hangPath });
      assert.ok(hang.status >= 500, `hang answered ${hang.status}`);
      assert.ok(hang.error, 'x-lab-error names the failure kind');
      assert.match(hang.text, /\bmis\b/, 'the body names the tenant');
      assert.ok(hang.ms < timeoutMs + 5000, `answered after ${Math.round(hang.ms)} ms, timeout ${timeoutMs} ms`);
      const after = await send(l, 'mis', { path: m.okPath });
      assert.equal(after.status, 200, `after the hang: ${after.text}`);
    });
  },

  async 'escape-probes'(ctx) {
    const expected = ctx.declaration.probes;
    assert.ok(expected, `${ctx.runner.name} declares no probe matrix (conformance.probes): say what its sandbox allows`);
    const hostile = [tenant('h-js', 'hostile'), tenant('h-c', 'hostile-c')];
    // The runner's defaults: the sandbox a scenario gets when it asks for nothing else.
    await withPop(ctx, { tenants: hostile, requestTimeoutMs: 20_000, defaults: true }, async (l) => {
      const targets = await plantProbeTargets(Number(new URL(l.url).port));
      try {
        const wrong: string[] = [];
        for (const t of hostile) {
          for (const r of await runProbes(routeOf(l, t.id, t.workload), t.id, targets)) {
            if (r.outcome !== expected[r.probe]) wrong.push(`${t.workload} ${r.probe}: ${r.outcome} (${r.detail}), declared ${expected[r.probe]}`);
          }
        }
        assert.deepEqual(wrong, [], `${wrong.length} probes differ from the declaration:\n${wrong.join('\n')}`);
      } finally {
        targets.remove();
      }
    });
  },

  async 'stop-leaves-nothing'(ctx) {
    const l = await ctx.launch({ tenants: [tenant('s1'), tenant('s2')] });
    let pids: number[] = [];
    try {
      assert.equal((await send(l, 's1')).status, 200);
      assert.equal((await send(l, 's2')).status, 200);
      const hostPid = (l.handle as { hostPid?: number }).hostPid;
      if (hostPid !== undefined) pids = processTree(hostPid);
    } finally {
      await l.stop();
    }
    await assert.rejects(fetch(`${l.url}/_lab/health`), 'the endpoint is gone');
    await eventually(`processes ${pids.join(', ')} to exit`, 10_000, async () => pids.every((p) => !alive(p)));
    if (ctx.declaration.leftovers) {
      const left = ctx.declaration.leftovers;
      await eventually('the run to leave nothing behind', 15_000, async () => (await left(l.runId)).length === 0);
    }
  },
};
