/**
 * Integration tests of the `wasm` runner with real components and a real host process on
 * 127.0.0.1: isolation of a trapping and a looping tenant, forced cold starts, spare refill,
 * eviction, bring-your-own components and rejection of broken ones at prepare time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBrokenComponentsRejected, stats, until } from '../kit/wasm-testkit.js';
import { wasmRunner } from './runner.js';
import { call, launchTestHost, misbehavingComponent, type TestHost } from './test-support.js';
import { optionProblems, resolveOptions } from '../kit/options.js';
import { classifyContainment } from '../../lab/isolation/containment.js';
import { assertIdleDripThroughHost, DRIP_HEADERS, dripPath, timedGet } from '../../workloads/testkit/drip.js';

/** Request deadline of the isolation host. */
const TIMEOUT_MS = 1500;
/**
 * The stated bound for a well-behaved tenant while another tenant loops: its instance may share
 * the looping guest's engine thread, so it can wait until that guest's deadline, the thread's
 * replacement and a cold start elsewhere. Generous on a loaded 2-core machine.
 */
const STALL_BOUND_MS = TIMEOUT_MS + 2000;

let mis: string;
before(async () => {
  mis = await misbehavingComponent();
});

describe('isolation: a memory-hungry tenant', () => {
  test('a memory limit below what a component starts with is refused at launch, naming the field and the workload', async () => {
    await assert.rejects(
      launchTestHost([{ id: 't1', workload: 'hello' }], {}, TIMEOUT_MS, undefined, { memoryMiB: 6, cpus: 1, pids: 128, cpuMsPerRequest: 0 }),
      /limits\.memoryMiB \(6 MiB\) cannot be enforced on workload hello's component: memory 0 starts at \d+ pages/,
    );
  });


  test("the scenario's limits.memoryMiB caps each instance's linear memory: the hog fails naming its tenant, its neighbour is served", async () => {
    const host = await launchTestHost(
      [
        { id: 'hog', workload: 'mis' },
        { id: 'good', workload: 'hello' },
      ],
      { workers: 2, components: { mis } },
      TIMEOUT_MS,
      undefined,
      { memoryMiB: 32, cpus: 1, pids: 128, cpuMsPerRequest: 0 },
    );
    try {
      const hog = await call(host.url, 'hog', '/hog');
      assert.ok(hog.status >= 500, `${hog.status} ${hog.text}`);
      assert.match(hog.text, /^tenant hog: /);
      assert.doesNotMatch(hog.text, /deadline|timeout/, 'stopped by the memory cap, not by the request deadline');
      assert.equal(hog.error, 'crash', 'the guest traps when memory.grow fails (SpiderMonkey aborts on out-of-memory)');
      assert.equal((await call(host.url, 'good', '/')).status, 200);
      assert.equal((await call(host.url, 'hog', '/ok')).status, 200, 'the tenant is served again on a fresh instance');
      assert.match(host.handle.isolation?.[0] ?? '', /^linear memory: 32 MiB per instance/);
    } finally {
      await host.stop();
    }
  });
});

describe('isolation: trapping and looping tenants', () => {
  let host: TestHost;
  before(async () => {
    host = await launchTestHost(
      [
        { id: 'good', workload: 'hello' },
        { id: 'loop', workload: 'mis' },
        { id: 'trap', workload: 'mis' },
      ],
      { workers: 2, components: { mis } },
      TIMEOUT_MS,
    );
  });
  after(async () => host?.stop());

  test("an escape probe: a guest's request to the PoP's own control port is denied by capability", async () => {
    const probe = await call(host.url, 'trap', `/connect?port=${new URL(host.url).port}`);
    assert.equal(probe.status, 200, probe.text);
    assert.equal(probe.text, 'denied HTTP-request-denied');
  });

  test('a trapping instance is discarded with a 5xx naming the tenant; the next request gets a fresh instance', async () => {
    const first = await call(host.url, 'trap', '/ok');
    assert.equal(first.status, 200);
    const trapped = await call(host.url, 'trap', '/trap');
    assert.equal(trapped.status, 502);
    assert.equal(trapped.error, 'crash');
    assert.match(trapped.text, /^tenant trap: guest trapped/);
    const unset = await call(host.url, 'trap', '/unset');
    assert.equal(unset.status, 502);
    assert.match(unset.text, /^tenant trap: .*without setting the response/);
    const again = await call(host.url, 'trap', '/ok');
    assert.equal(again.status, 200);
    assert.equal(again.activation, 'cold');
    assert.equal(again.text, 'ok 1', 'a fresh instance has served one request');
    const good = await call(host.url, 'good', '/');
    assert.equal(good.status, 200);
  });

  test(`a looping instance is terminated at the deadline; another tenant is served within ${STALL_BOUND_MS} ms meanwhile`, async () => {
    assert.equal((await call(host.url, 'good', '/')).status, 200);
    const looping = call(host.url, 'loop', '/loop');
    const slowest = { ms: 0 };
    const started = performance.now();
    // Keep the other tenant busy for the whole loop, deadline and worker replacement included.
    while (performance.now() - started < TIMEOUT_MS + 500) {
      const r = await call(host.url, 'good', '/');
      assert.equal(r.status, 200, r.text);
      slowest.ms = Math.max(slowest.ms, r.ms);
    }
    const l = await looping;
    assert.equal(l.status, 504);
    assert.equal(l.error, 'timeout');
    assert.match(l.text, /^tenant loop: /);
    assert.ok(slowest.ms < STALL_BOUND_MS, `slowest request of the other tenant took ${slowest.ms.toFixed(0)} ms`);
    const s = await stats(host.url);
    assert.equal(s.instances.loop, 0, 'the looping instance is gone');
    assert.ok((s.counters.evictionsBy.timeout ?? 0) >= 1);
    // The tenant itself recovers on a fresh instance.
    const after = await call(host.url, 'loop', '/ok');
    assert.equal(after.status, 200);
    assert.equal(after.text, 'ok 1');
  });
});

describe('pool behaviour through the wasm host', () => {
  let host: TestHost;
  before(async () => {
    host = await launchTestHost(
      [
        { id: 'a', workload: 'hello' },
        { id: 'b', workload: 'hello' },
      ],
      { workers: 2, spares: 2 },
      10_000,
    );
  });
  after(async () => host?.stop());

  test('spare pools are filled, handed out and refilled off the request path', async () => {
    await until('spare pool of a filled', 15_000, async () => (await stats(host.url)).spares.a === 2);
    const r = await call(host.url, 'a', '/');
    assert.equal(r.status, 200);
    assert.equal(r.activation, 'spare');
    await until('spare pool of a refilled', 15_000, async () => (await stats(host.url)).spares.a === 2);
    const s = await stats(host.url);
    assert.ok(s.activations.filter((x) => x.tenant === 'a' && x.path === 'spare-fill' && x.ok).length >= 3);
    for (const x of s.activations.filter((y) => y.ok)) assert.ok(x.phases.some((p) => p.name === 'instantiate' && p.ms > 0), 'instantiate phase recorded');
  });

  test('a forced cold request never reuses the warm instance', async () => {
    const warm1 = await call(host.url, 'b', '/');
    const warm2 = await call(host.url, 'b', '/');
    assert.equal(warm2.activation, 'warm');
    assert.equal(warm2.instance, warm1.instance);
    const forced = await call(host.url, 'b', '/', { 'x-lab-force-cold': '1' });
    assert.equal(forced.status, 200);
    assert.notEqual(forced.activation, 'warm');
    assert.notEqual(forced.instance, warm2.instance);
  });

  test('evict on command drops the tenant\'s instances; the next request activates again', async () => {
    assert.equal((await call(host.url, 'b', '/')).status, 200);
    const res = await fetch(`${host.url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 'b' }) });
    const ev = (await res.json()) as { evicted: number };
    assert.ok(ev.evicted >= 1);
    const s = await stats(host.url);
    assert.equal(s.instances.b, 0);
    const next = await call(host.url, 'b', '/');
    assert.equal(next.status, 200);
    assert.notEqual(next.activation, 'warm');
  });

  test('memory per instance is measured, not declared', async () => {
    const m = (await (await fetch(`${host.url}/_lab/memory`)).json()) as { perInstanceUssBytes: number; extra: Record<string, number>; method: string };
    assert.ok(m.perInstanceUssBytes > 0);
    // A StarlingMonkey instance declares far more linear memory than it dirties.
    assert.match(m.method, /smaps_rollup/);
    assert.ok(m.extra['artifact.hello.perInstancePrivateDirtyBytes']! > 0);
  });
});

describe('same-thread engine (workers: 0)', () => {
  let host: TestHost;
  before(async () => {
    host = await launchTestHost(
      [
        { id: 'good', workload: 'hello' },
        { id: 'loop', workload: 'mis' },
        { id: 'warmed', workload: 'mis' },
      ],
      { workers: 0, spares: 1, prewarmSpares: true, components: { mis } },
      TIMEOUT_MS,
    );
  });
  after(async () => host?.stop());

  test('a looping guest on the main thread is stopped at its deadline; the host and the tenant recover', async () => {
    assert.equal((await call(host.url, 'loop', '/ok')).status, 200);
    const l = await call(host.url, 'loop', '/loop');
    assert.equal(l.status, 504);
    assert.equal(l.error, 'timeout');
    assert.match(l.text, /^tenant loop: /);
    const good = await call(host.url, 'good', '/');
    assert.equal(good.status, 200);
    const after = await call(host.url, 'loop', '/ok');
    assert.equal(after.status, 200);
    assert.notEqual(after.activation, 'warm', 'the looping instance was discarded');
  });

  test('server-timing gives the host-side total and the guest part; a pre-warmed spare has served one synthetic request', async () => {
    await until('spare of warmed filled', 15_000, async () => (await stats(host.url)).spares.warmed === 1);
    const res = await fetch(`${host.url}/t/warmed/ok`);
    const text = await res.text();
    assert.equal(res.headers.get('x-lab-activation'), 'spare');
    assert.equal(text, 'ok 2', 'the probe request was the first');
    const m = /^pop;dur=([0-9.]+), guest;dur=([0-9.]+)$/.exec(res.headers.get('server-timing') ?? '');
    assert.ok(m, `server-timing: ${res.headers.get('server-timing')}`);
    assert.ok(Number(m[2]) <= Number(m[1]), 'the guest part is inside the host-side total');
    const fill = (await stats(host.url)).activations.find((a) => a.tenant === 'warmed' && a.path === 'spare-fill' && a.ok);
    assert.ok(fill?.phases.some((p) => p.name === 'prewarm'), 'pre-warming is reported as its own phase');
  });
});

describe('bring your own component, and broken ones', () => {
  test('a component given by path runs as a tenant', async () => {
    const prepared = await wasmRunner.prepare(['mine'], resolveOptions(wasmRunner, { components: { mine: mis } }));
    assert.equal(prepared.artifacts[0]!.packaging, 'wasm-component');
    assert.match(prepared.artifacts[0]!.digest, /^sha256:/);
    const host = await launchTestHost([{ id: 'byo', workload: 'mine' }], { workers: 1, components: { mine: mis } });
    try {
      const r = await call(host.url, 'byo', '/ok');
      assert.equal(r.status, 200);
      assert.equal(r.text, 'ok 1');
      assert.equal((await call(host.url, 'byo', '/ok')).text, 'ok 2');
    } finally {
      await host.stop();
    }
  });

  test('a broken component file is rejected at prepare time, naming the file', () => assertBrokenComponentsRejected(wasmRunner));

  test('options are validated, every problem named', () => {
    const problems = optionProblems(wasmRunner, { spares: -1, allowNetwork: true, components: { 'Bad Name': 3 }, nope: 1 });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('options.allowNetwork')));
    assert.ok(problems.some((p) => p.startsWith('options.nope')));
    assert.deepEqual(optionProblems(wasmRunner, { spares: 0, workers: 1, allowNetwork: false }), []);
    const packaging = optionProblems(wasmRunner, { packaging: 'snapshot', preinitFallback: 'yes' });
    assert.deepEqual(packaging.map((p) => p.split(':')[0]), ['options.packaging', 'options.preinitFallback'], packaging.join('\n'));
    assert.match(packaging[0]!, /wasm-component, wasm-component-preinit, wasm-component-aot/);
    assert.deepEqual(optionProblems(wasmRunner, { packaging: 'wasm-component-preinit', preinitFallback: true }), []);
  });
});

describe('stall record: the lab bookkeeping stays out of the serving threads after launch', () => {
  let host: TestHost;
  before(async () => {
    // A memory budget makes the pool ask for each new instance's memory: before the fix that was
    // a memory probe (instantiations and full GCs) on a serving engine thread every 10 s.
    host = await launchTestHost([{ id: 'a', workload: 'hello' }, { id: 'b', workload: 'hello' }], { workers: 1 }, 5000, { memoryBudgetMiB: 512 });
  });
  after(async () => host?.stop());

  test('activations under a memory budget run no memory probe; the drain itself is on the record', async () => {
    await fetch(`${host.url}/_lab/stats?drain=1`).then((r) => r.arrayBuffer());
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${host.url}/t/${i % 2 ? 'a' : 'b'}/`, { headers: { 'x-lab-force-cold': '1' } });
      assert.equal(r.status, 200, await r.text());
    }
    await fetch(`${host.url}/_lab/memory`).then((r) => r.arrayBuffer());
    await fetch(`${host.url}/_lab/stats`).then((r) => r.arrayBuffer());
    const s = (await (await fetch(`${host.url}/_lab/stats?drain=1`)).json()) as { timeline?: { stalls: { cause: string; thread: string }[] } };
    assert.ok(s.timeline, 'the V8 host reports a timeline');
    const causes = s.timeline.stalls.map((x) => x.cause);
    assert.deepEqual(causes.filter((c) => c === 'lab-memory-probe'), [], JSON.stringify(s.timeline.stalls));
    assert.ok(s.timeline.stalls.some((x) => x.cause === 'lab-stats' && x.thread === 'main'), JSON.stringify(s.timeline.stalls));
  });
});

describe("isolation: the scenario's per-call budget (limits.cpuMsPerRequest)", () => {
  for (const workers of [1, 0]) {
    test(`a looping guest is stopped at its budget, long before the request timeout, answered 504 naming the tenant; it recovers (workers: ${workers})`, async () => {
      const host = await launchTestHost(
        [
          { id: 'loop', workload: 'mis' },
          { id: 'good', workload: 'hello' },
        ],
        { workers, components: { mis } },
        10_000,
        undefined,
        { memoryMiB: 256, cpus: 1, pids: 128, cpuMsPerRequest: 100 },
      );
      try {
        assert.match(host.handle.isolation!.join('; '), /guest call deadline: 100 ms wall \(limits\.cpuMsPerRequest\)/);
        const l = await call(host.url, 'loop', '/loop');
        assert.equal(l.status, 504, l.text);
        assert.equal(l.error, 'timeout');
        assert.match(l.text, /^tenant loop: guest call past its budget of 100 ms/);
        assert.ok(l.ms < 3000, `stopped after ${l.ms.toFixed(0)} ms, not at the 10 s request timeout`);
        assert.equal((await call(host.url, 'good', '/')).status, 200);
        const after = await call(host.url, 'loop', '/ok');
        assert.equal(after.status, 200, after.text);
      } finally {
        await host.stop();
      }
    });
  }
});

describe('a slow drip (x-lab-hostile: drip) on the V8 host', () => {
  const CHUNKS = 4;
  const PAUSE_MS = 80;
  const tenants = [
    { id: 'h-js', workload: 'hostile' },
    { id: 'h-c', workload: 'hostile-c' },
    { id: 'good', workload: 'hello' },
  ];

  test('the guest sleeps in a clock pollable (JS: a StarlingMonkey timer; C: subscribe-duration) and the host forwards the body in one piece at its end', async () => {
    const host = await launchTestHost(tenants, { workers: 1 }, 10_000);
    try {
      for (const tenant of ['h-js', 'h-c']) {
        assert.equal((await call(host.url, tenant, '/')).status, 200);
        await assertIdleDripThroughHost(host.url, tenant, host.handle.hostPid, CHUNKS, PAUSE_MS);
      }
    } finally {
      await host.stop();
    }
  });

  test('a drip holds its engine worker: a neighbour placed there waits for the drip to end', async () => {
    const host = await launchTestHost(tenants, { workers: 1 }, 10_000);
    try {
      assert.equal((await call(host.url, 'good', '/')).status, 200);
      assert.equal((await call(host.url, 'h-js', '/')).status, 200);
      const drip = timedGet(`${host.url}/t/h-js${dripPath(5, 100)}`, DRIP_HEADERS);
      await new Promise((r) => setTimeout(r, 60));
      const neighbour = await call(host.url, 'good', '/');
      assert.equal(neighbour.status, 200, neighbour.text);
      assert.equal((await drip).status, 200);
      assert.ok(neighbour.ms >= 250, `the neighbour waited ${neighbour.ms.toFixed(0)} ms behind the drip's 400 ms on the one worker`);
    } finally {
      await host.stop();
    }
  });

  test('on the same-thread engine (workers: 0) a drip holds the whole host until the budget terminates it', async () => {
    const host = await launchTestHost(tenants, { workers: 0 }, 10_000, undefined, { memoryMiB: 256, cpus: 1, pids: 128, cpuMsPerRequest: 100 });
    try {
      assert.equal((await call(host.url, 'good', '/')).status, 200);
      assert.equal((await call(host.url, 'h-c', '/')).status, 200);
      const drip = call(host.url, 'h-c', dripPath(10, 100), DRIP_HEADERS);
      await new Promise((r) => setTimeout(r, 20));
      const neighbour = await call(host.url, 'good', '/');
      const r = await drip;
      assert.equal(r.status, 504, r.text);
      assert.deepEqual(classifyContainment(r.status, r.error, r.text, { behaviour: 'drip' }), { outcome: 'contained', by: 'wall-clock deadline (guest terminated on its thread)' });
      assert.ok(r.ms < 700, `stopped after ${r.ms.toFixed(0)} ms, before the drip's 900 ms`);
      assert.equal(neighbour.status, 200, neighbour.text);
      assert.ok(neighbour.ms >= 50, `the neighbour waited ${neighbour.ms.toFixed(0)} ms: the host's one thread slept in the drip`);
    } finally {
      await host.stop();
    }
  });

  test('limits.cpuMsPerRequest stops a drip on the wall clock by terminating the engine worker; the instances on it go too', async () => {
    const host = await launchTestHost(tenants, { workers: 1 }, 10_000, undefined, { memoryMiB: 256, cpus: 1, pids: 128, cpuMsPerRequest: 100 });
    try {
      for (const tenant of ['h-js', 'h-c']) {
        assert.equal((await call(host.url, 'good', '/')).status, 200);
        assert.equal((await call(host.url, tenant, '/')).status, 200);
        const r = await call(host.url, tenant, dripPath(10, 100), DRIP_HEADERS);
        assert.equal(r.status, 504, r.text);
        assert.ok(r.ms < 700, `${tenant}: stopped after ${r.ms.toFixed(0)} ms, before the drip's 900 ms`);
        assert.deepEqual(classifyContainment(r.status, r.error, r.text, { behaviour: 'drip' }), { outcome: 'contained', by: 'wall-clock deadline (engine worker terminated)' });
        const after = await call(host.url, 'good', '/');
        assert.equal(after.status, 200, after.text);
        assert.equal(after.activation, 'cold', "the neighbour's instance went with the worker");
      }
    } finally {
      await host.stop();
    }
  });
});
