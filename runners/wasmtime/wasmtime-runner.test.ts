/**
 * Integration tests of the `wasmtime` runner with real components and a real Rust host on
 * 127.0.0.1: isolation of trapping, looping and memory-hungry tenants; WASI 0.2 fresh instances
 * and the reuse option (warm, spare, forced cold, eviction, idle expiry); memory report;
 * bring-your-own components; the host dying with its parent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryReport } from '../../lab/pop/contract.js';
import { assertBrokenComponentsRejected } from '../kit/wasm-testkit.js';
import { buildHost } from './host-build.js';
import { precompiledCacheDir, wasmtimeRunner } from './runner.js';
import { alive, call, misbehavingComponent, launchTestHost, stats, until, type TestHost } from './test-support.js';
import { optionProblems, resolveOptions } from '../kit/options.js';
import { classifyContainment } from '../../lab/isolation/containment.js';
import { assertIdleDripThroughHost, DRIP_HEADERS, dripPath } from '../../workloads/testkit/drip.js';

/** Request deadline of the isolation host; the CPU deadline is well below it so the epoch, not the request timer, must stop the loop. */
const TIMEOUT_MS = 5000;
const CPU_DEADLINE_MS = 300;
const INSTANCE_MEMORY_MIB = 48;

let iso: string;
before(async () => {
  iso = await misbehavingComponent();
});

describe('isolation: trapping, looping and memory-hungry tenants', () => {
  let host: TestHost;
  before(async () => {
    host = await launchTestHost(
      [
        { id: 'good', workload: 'hello' },
        { id: 'trap', workload: 'iso' },
        { id: 'loop', workload: 'iso' },
        { id: 'hog', workload: 'iso' },
      ],
      { components: { iso }, cpuDeadlineMs: CPU_DEADLINE_MS, instanceMemoryMiB: INSTANCE_MEMORY_MIB },
      TIMEOUT_MS,
    );
  });
  after(async () => host?.stop());

  test("an escape probe: a guest's request to the PoP's own control port is denied by capability", async () => {
    const probe = await call(host.url, 'trap', `/connect?port=${new URL(host.url).port}`);
    assert.equal(probe.status, 200, probe.text);
    assert.equal(probe.text, 'denied HTTP-request-denied');
  });

  test('a trap and a missing response answer 502 naming the tenant; the tenant recovers on a fresh instance', async () => {
    assert.equal((await call(host.url, 'trap', '/ok')).status, 200);
    const trapped = await call(host.url, 'trap', '/trap');
    assert.equal(trapped.status, 502);
    assert.equal(trapped.error, 'crash');
    assert.match(trapped.text, /^tenant trap: guest trapped/);
    const unset = await call(host.url, 'trap', '/unset');
    assert.equal(unset.status, 502);
    assert.match(unset.text, /^tenant trap: guest returned without setting the response/);
    const again = await call(host.url, 'trap', '/ok');
    assert.equal(again.status, 200);
    assert.equal(again.text, 'ok 1');
    assert.equal((await call(host.url, 'good', '/')).status, 200);
    assert.ok(((await stats(host.url)).counters.evictionsBy.crash ?? 0) >= 2);
  });

  test(`a looping tenant is stopped by the epoch deadline (${CPU_DEADLINE_MS} ms), not the request timeout; another tenant is served meanwhile`, async () => {
    const started = performance.now();
    const looping = call(host.url, 'loop', '/loop');
    let slowest = 0;
    let served = 0;
    while (performance.now() - started < CPU_DEADLINE_MS) {
      const r = await call(host.url, 'good', '/');
      assert.equal(r.status, 200, r.text);
      slowest = Math.max(slowest, r.ms);
      served++;
    }
    const l = await looping;
    const took = performance.now() - started;
    assert.equal(l.status, 504);
    assert.equal(l.error, 'timeout');
    assert.match(l.text, /^tenant loop: guest interrupted at its deadline of 300 ms \(epoch interruption\)/);
    assert.ok(took < TIMEOUT_MS, `the loop was stopped after ${took.toFixed(0)} ms, at the request timeout rather than the CPU deadline`);
    assert.ok(served >= 1 && slowest < CPU_DEADLINE_MS, `other tenant: ${served} requests, slowest ${slowest.toFixed(1)} ms`);
    assert.equal((await call(host.url, 'loop', '/ok')).text, 'ok 1');
    assert.ok(((await stats(host.url)).counters.evictionsBy.timeout ?? 0) >= 1);
  });

  test(`a memory-hungry tenant is stopped at its ${INSTANCE_MEMORY_MIB} MiB limit; others are unaffected`, async () => {
    const hog = await call(host.url, 'hog', '/hog');
    assert.equal(hog.status, 502);
    assert.equal(hog.error, 'crash');
    assert.match(hog.text, new RegExp(`^tenant hog: guest trapped: .*instance memory limit of ${INSTANCE_MEMORY_MIB} MiB exceeded`));
    assert.equal((await call(host.url, 'hog', '/ok')).status, 200);
    assert.equal((await call(host.url, 'good', '/')).status, 200);
    assert.equal((await call(host.url, 'trap', '/ok')).status, 200);
  });

  test('unknown tenants and bad control requests get 4xx with x-lab-error', async () => {
    const r = await call(host.url, 'nobody', '/');
    assert.equal(r.status, 404);
    assert.equal(r.error, 'unknown-tenant');
    assert.match(r.text, /^tenant nobody: /);
    const bad = await fetch(`${host.url}/_lab/evict`, { method: 'POST', body: '{"tenant": 3}' });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${host.url}/_lab/nothing`)).status, 404);
  });
});

describe('WASI 0.2 semantics (default): a fresh instance per request', () => {
  let host: TestHost;
  before(async () => {
    host = await launchTestHost([{ id: 'f', workload: 'iso' }], { components: { iso } });
  });
  after(async () => host?.stop());

  test('every request is a cold start on a new instance, with instantiate and firstResponse phases', async () => {
    await stats(host.url, true);
    const a = await call(host.url, 'f', '/ok');
    const b = await call(host.url, 'f', '/ok');
    for (const r of [a, b]) {
      assert.equal(r.status, 200);
      assert.equal(r.activation, 'cold');
      assert.equal(r.text, 'ok 1', 'a fresh instance has served one request');
      assert.ok(r.activationId);
    }
    assert.notEqual(a.instance, b.instance);
    const s = await stats(host.url, true);
    assert.equal(s.runtime, 'wasmtime');
    assert.equal(s.instances.f, 0, 'nothing stays live between requests');
    const recs = s.activations.filter((x) => x.tenant === 'f' && x.path === 'request');
    assert.equal(recs.length, 2);
    for (const rec of recs) {
      assert.ok(rec.ok);
      assert.deepEqual(rec.phases.map((p) => p.name), ['instantiate', 'firstResponse']);
      assert.ok(rec.totalMs >= rec.phases[0]!.ms + rec.phases[1]!.ms - 0.01);
    }
    assert.equal((await stats(host.url)).activations.length, 0, 'drained');
  });

  test('memory per instance is measured with probes (smaps_rollup delta), with the pooling allocator\'s own accounting', async () => {
    const m = (await (await fetch(`${host.url}/_lab/memory`)).json()) as MemoryReport;
    assert.equal(m.runtime, 'wasmtime');
    assert.match(m.method, /smaps_rollup/);
    assert.ok(m.perInstanceUssBytes > 0, 'a live StarlingMonkey instance dirties memory');
    assert.ok(m.extra['artifact.iso.perInstancePrivateDirtyBytes']! > 0);
    assert.ok(m.fixedOverheadBytes > 0);
    assert.ok('pooling.componentInstances' in m.extra && 'pooling.unusedWarmMemories' in m.extra);
  });
});

describe('reuse option: warm instances, spares, forced cold, eviction, idle expiry', () => {
  let host: TestHost;
  before(async () => {
    host = await launchTestHost(
      [
        { id: 'a', workload: 'iso' },
        { id: 'b', workload: 'iso' },
        { id: 's', workload: 'hello' },
      ],
      { components: { iso }, reuse: true, spares: 1 },
      5000,
      { idleTimeoutSeconds: 1 },
    );
  });
  after(async () => host?.stop());

  test('a spare is handed out and refilled; the instance then serves warm', async () => {
    await until('spare pool of s filled', 5000, async () => (await stats(host.url)).spares.s === 1);
    const first = await call(host.url, 's', '/');
    assert.equal(first.activation, 'spare');
    await until('spare pool of s refilled', 5000, async () => (await stats(host.url)).spares.s === 1);
    const second = await call(host.url, 's', '/');
    assert.equal(second.activation, 'warm');
    assert.equal(second.instance, first.instance);
    assert.ok((await stats(host.url)).activations.some((x) => x.tenant === 's' && x.path === 'spare-fill' && x.ok));
  });

  test('a forced cold request never reuses the warm instance', async () => {
    const w1 = await call(host.url, 'a', '/ok');
    const w2 = await call(host.url, 'a', '/ok');
    assert.equal(w2.activation, 'warm');
    assert.equal(w2.instance, w1.instance);
    assert.match(w2.text, /^ok [2-9]/, 'the same instance counts on');
    const forced = await call(host.url, 'a', '/ok', { 'x-lab-force-cold': '1' });
    assert.equal(forced.status, 200);
    assert.notEqual(forced.activation, 'warm');
    assert.notEqual(forced.instance, w2.instance);
    assert.equal(forced.text, 'ok 1');
  });

  test('evict on command drops the tenant\'s instances only', async () => {
    assert.equal((await call(host.url, 'b', '/ok')).status, 200);
    assert.equal((await call(host.url, 'a', '/ok')).status, 200);
    const ev = (await (await fetch(`${host.url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 'b' }) })).json()) as { evicted: number; retiring: number };
    assert.ok(ev.evicted >= 1);
    const s = await stats(host.url);
    assert.equal(s.instances.b, 0);
    assert.ok(s.instances.a! >= 1);
    assert.ok((s.counters.evictionsBy.command ?? 0) >= 1);
    const next = await call(host.url, 'b', '/ok');
    assert.notEqual(next.activation, 'warm');
    assert.equal(next.text, 'ok 1');
  });

  test('idle instances expire after the keep-alive timeout', async () => {
    assert.equal((await call(host.url, 'a', '/ok')).status, 200);
    await until('idle expiry of a', 4000, async () => (await stats(host.url)).instances.a === 0);
    assert.ok(((await stats(host.url)).counters.evictionsBy.idle ?? 0) >= 1);
  });
});

describe('keep-alive policy: instance cap and memory budget', () => {
  test('at the instance cap a request queues until the tenant\'s instance frees up', async () => {
    const host = await launchTestHost([{ id: 'c', workload: 'iso' }], { components: { iso }, cpuDeadlineMs: CPU_DEADLINE_MS }, TIMEOUT_MS, { maxInstancesPerTenant: 1 });
    try {
      const looping = call(host.url, 'c', '/loop');
      await until('the looping instance is live', 2000, async () => (await stats(host.url)).instances.c === 1);
      const queued = await call(host.url, 'c', '/ok');
      assert.equal(queued.status, 200);
      assert.equal((await looping).status, 504);
      const rec = (await stats(host.url)).activations.find((a) => a.instance === queued.instance);
      assert.ok(rec?.phases.some((p) => p.name === 'queue' && p.ms > 0), 'the queued request records its wait');
      assert.ok(Number(queued.queueMs) > 0, `the client is told the wait (x-lab-queue-ms: ${queued.queueMs})`);
    } finally {
      await host.stop();
    }
  });

  test('a full memory budget evicts the least recently used idle instance of another tenant', async () => {
    // A budget of 1.5 instances, from this machine's own measurement: it holds one idle instance, not two.
    const probe = await launchTestHost([{ id: 'p', workload: 'iso' }], { components: { iso } });
    let perInstanceMiB: number;
    try {
      perInstanceMiB = ((await (await fetch(`${probe.url}/_lab/memory`)).json()) as MemoryReport).perInstanceUssBytes / (1024 * 1024);
    } finally {
      await probe.stop();
    }
    assert.ok(perInstanceMiB > 0);
    const host = await launchTestHost(
      [
        { id: 'm1', workload: 'iso' },
        { id: 'm2', workload: 'iso' },
      ],
      { components: { iso }, reuse: true },
      TIMEOUT_MS,
      { memoryBudgetMiB: perInstanceMiB * 1.5 },
    );
    try {
      assert.equal((await call(host.url, 'm1', '/ok')).status, 200);
      assert.equal((await stats(host.url)).instances.m1, 1);
      assert.equal((await call(host.url, 'm2', '/ok')).status, 200);
      const s = await stats(host.url);
      assert.equal(s.instances.m1, 0, 'the idle instance of m1 made room');
      assert.equal(s.instances.m2, 1);
      assert.equal(s.counters.evictionsBy.memory, 1);
    } finally {
      await host.stop();
    }
  });
});

describe('bring your own component, broken ones, options', () => {
  test('a component given by path runs as a tenant', async () => {
    const prepared = await wasmtimeRunner.prepare(['mine'], resolveOptions(wasmtimeRunner, { components: { mine: iso } }));
    assert.equal(prepared.artifacts[0]!.packaging, 'wasm-component');
    assert.match(prepared.artifacts[0]!.digest, /^sha256:/);
    assert.equal(prepared.versions.wasmtime, '48.0.8');
    const host = await launchTestHost([{ id: 'byo', workload: 'mine' }], { components: { mine: iso }, reuse: true });
    try {
      assert.equal((await call(host.url, 'byo', '/ok')).text, 'ok 1');
      assert.equal((await call(host.url, 'byo', '/ok')).text, 'ok 2');
    } finally {
      await host.stop();
    }
  });

  test('a broken component file is rejected at prepare time, naming the file', () => assertBrokenComponentsRejected(wasmtimeRunner));

  test('options are validated, every problem named', () => {
    const problems = optionProblems(wasmtimeRunner, { spares: -1, reuse: 'yes', allowNetwork: true, components: { 'Bad Name': 3 }, nope: 1, instanceMemoryMiB: 1e6 });
    assert.equal(problems.length, 7, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('options.reuse')));
    assert.ok(problems.some((p) => p.startsWith('options.nope') && p.includes('reuse')));
    assert.deepEqual(optionProblems(wasmtimeRunner, { spares: 0, reuse: true, cpuDeadlineMs: 50, allowNetwork: false }), []);
  });

  test('the host exits when its parent dies (SIGKILL), through the closed stdin pipe', async () => {
    const binary = await buildHost();
    const dir = mkdtempSync(join(tmpdir(), 'lab-wasmtime-orphan-'));
    try {
      const plan = join(dir, 'plan.json');
      writeFileSync(
        plan,
        JSON.stringify({
          runtime: 'wasmtime', tenants: [{ id: 't', workload: 'iso' }], components: { iso }, keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
          requestTimeoutMs: 1000, cpuDeadlineMs: 1000, instanceMemoryMiB: 64, reuse: false, spares: 0, poolInstances: 8, workers: 1, memoryProbes: 1, probeRequests: {}, cacheDir: precompiledCacheDir(),
        }),
      );
      // A parent that starts the host the way the runner does, prints its pid, then is killed.
      const script = `const { spawn } = require('node:child_process'); const h = spawn(${JSON.stringify(binary)}, [${JSON.stringify(plan)}], { stdio: ['pipe', 'pipe', 'ignore'], detached: true }); h.stdout.once('data', () => console.log(h.pid)); setInterval(() => {}, 1000);`;
      const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const hostPid = await new Promise<number>((resolve, reject) => {
        parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
        parent.once('exit', () => reject(new Error('parent exited early')));
      });
      assert.ok(alive(hostPid));
      parent.kill('SIGKILL');
      await until(`host ${hostPid} exit`, 5000, async () => !alive(hostPid));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a slow drip (x-lab-hostile: drip) on the Wasmtime host', () => {
  const tenants = [
    { id: 'h-js', workload: 'hostile' },
    { id: 'h-c', workload: 'hostile-c' },
  ];

  test('the guest sleeps in a host poll (no CPU) and the host forwards the body in one piece at its end', async () => {
    const [chunks, pauseMs] = [4, 80];
    const host = await launchTestHost(tenants, {}, TIMEOUT_MS);
    try {
      for (const tenant of ['h-js', 'h-c']) {
        assert.equal((await call(host.url, tenant, '/')).status, 200);
        await assertIdleDripThroughHost(host.url, tenant, host.handle.hostPid, chunks, pauseMs);
      }
    } finally {
      await host.stop();
    }
  });

  test('the epoch deadline does not fire while the guest is blocked in a host poll: a drip is stopped when it wakes past it', async () => {
    // Deadline 100 ms, pauses of 300 ms: the first check after the deadline is at the first wake.
    const host = await launchTestHost(tenants, { cpuDeadlineMs: 100 }, TIMEOUT_MS);
    try {
      for (const tenant of ['h-js', 'h-c']) {
        const r = await call(host.url, tenant, dripPath(3, 300), DRIP_HEADERS);
        assert.equal(r.status, 504, r.text);
        assert.deepEqual(classifyContainment(r.status, r.error, r.text, { behaviour: 'drip' }), { outcome: 'contained', by: 'wall-clock deadline (checked at an epoch, once the guest woke)' });
        assert.ok(r.ms >= 270, `${tenant}: stopped after ${r.ms.toFixed(0)} ms: not before the guest woke from its first 300 ms pause`);
        assert.ok(r.ms < 600, `${tenant}: stopped after ${r.ms.toFixed(0)} ms: at its first wake, before the drip's 600 ms`);
      }
    } finally {
      await host.stop();
    }
  });
});
