import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadWorkload } from '../../workloads/registry.js';
import { POP_HEADERS, type PopStats } from '../../lab/pop/contract.js';
import { PopClient } from '../../lab/pop/client.js';
import { processRunner, type ProcessPopHandle } from './runner.js';
import { optionProblems, resolveOptions } from '../kit/options.js';
import { descendants, isRunning } from './testdata/procs.js';
import { cgroupsUnavailable } from './host/cgroups.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { classifyContainment } from '../../lab/isolation/containment.js';
import { assertArrivedWhole, DRIP_HEADERS, dripPath, processCpuMs, timedGet } from '../../workloads/testkit/drip.js';

const misbehaveHandler = fileURLToPath(new URL('../testdata/misbehave-handler.js', import.meta.url));
const holderScript = fileURLToPath(new URL('./testdata/launch-holder.js', import.meta.url));
/** Short enough to keep the hang test quick, long enough for a cold start on a loaded machine. */
const REQUEST_TIMEOUT_MS = 2500;

const runner = processRunner;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function until(cond: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('process runner', () => {
  let workDir: string;
  let handle: ProcessPopHandle;
  let pop: PopClient;
  const seenPids = new Set<number>();

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'process-runner-test-'));
    handle = (await runner.launch({
      runId: 'test',
      tenants: [
        { id: 'a', workload: 'hello' },
        { id: 'b', workload: 'hello' },
        { id: 'bad', workload: 'misbehave' },
      ],
      keepAlive: { idleTimeoutSeconds: 600, maxInstancesPerTenant: 2, memoryBudgetMiB: 0 },
      options: resolveOptions(runner, { handlers: { misbehave: misbehaveHandler } }),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      workDir,
    })) as ProcessPopHandle;
    pop = new PopClient(handle.url);
  });

  after(async () => {
    await handle?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('serves on 127.0.0.1 and answers health', async () => {
    assert.match(handle.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await pop.healthy(), true);
  });

  it('cold-starts, then reuses the instance warm', async () => {
    const cold = await get(handle.url, '/t/a/');
    assert.equal(cold.status, 200);
    assert.equal(cold.text, 'hello from edge-pop-lab\n');
    assert.equal(cold.headers.get(POP_HEADERS.activation), 'cold');
    assert.ok(cold.headers.get(POP_HEADERS.activationId));
    const warm = await get(handle.url, '/t/a/');
    assert.equal(warm.headers.get(POP_HEADERS.activation), 'warm');
    assert.equal(warm.headers.get(POP_HEADERS.instance), cold.headers.get(POP_HEADERS.instance));
    assert.equal(warm.headers.get(POP_HEADERS.activationId), null);
    const stats = await pop.stats({ drain: true });
    const rec = stats.activations.find((a) => a.id === cold.headers.get(POP_HEADERS.activationId));
    assert.ok(rec, 'the activation record of the cold start');
    assert.deepEqual(
      rec.phases.map((p) => p.name),
      ['spawn', 'init', 'firstResponse'],
    );
    assert.ok(rec.phases.every((p) => p.ms >= 0));
    assert.ok(rec.totalMs > 0 && rec.totalMs + 1e-6 >= rec.phases.reduce((a, p) => a + p.ms, 0));
  });

  it('honours x-lab-force-cold with a fresh instance', async () => {
    const before = await get(handle.url, '/t/a/');
    const forced = await get(handle.url, '/t/a/', { [POP_HEADERS.forceCold]: '1' });
    assert.equal(forced.status, 200);
    assert.equal(forced.headers.get(POP_HEADERS.activation), 'cold');
    assert.notEqual(forced.headers.get(POP_HEADERS.instance), before.headers.get(POP_HEADERS.instance));
    const stats = await pop.stats({ drain: true });
    assert.equal(stats.activations.at(-1)?.reason, 'forced');
    assert.equal(stats.instances.a, 2);
  });

  it('reports non-zero USS and PSS per instance, and the host as fixed overhead', async () => {
    await get(handle.url, '/t/b/');
    const m = await pop.memory();
    assert.equal(m.runtime, 'process');
    assert.equal(m.instances.length, 3);
    for (const i of m.instances) {
      assert.ok(i.ussBytes > 0 && i.pssBytes > 0, `instance ${i.instance} measured`);
      assert.ok(i.ussBytes <= i.rssBytes, 'USS never exceeds RSS');
    }
    const mean = m.instances.reduce((a, i) => a + i.ussBytes, 0) / m.instances.length;
    assert.equal(m.perInstanceUssBytes, Math.round(mean));
    assert.ok(m.fixedOverheadBytes > 0);
    for (const pid of descendants(handle.hostPid)) seenPids.add(pid);
    assert.ok(seenPids.size >= 3, 'one child process per instance');
  });

  it('answers 502 naming the tenant when an instance crashes, and keeps serving others', async () => {
    assert.equal((await get(handle.url, '/t/bad/ok')).status, 200);
    const crash = await get(handle.url, '/t/bad/crash');
    assert.equal(crash.status, 502);
    assert.equal(crash.headers.get(POP_HEADERS.error), 'crash');
    assert.match(crash.text, /^tenant bad: instance crashed \(exit code 3\)/);
    assert.equal((await get(handle.url, '/t/b/')).status, 200);
    const again = await get(handle.url, '/t/bad/ok');
    assert.equal(again.status, 200);
    assert.equal(again.headers.get(POP_HEADERS.activation), 'cold');
  });

  it('kills a hanging instance at the request timeout with a 504 naming the tenant', async () => {
    const hang = get(handle.url, '/t/bad/hang');
    // While that instance spins, other tenants are unaffected.
    await sleep(100);
    const other = await get(handle.url, '/t/b/');
    assert.equal(other.status, 200);
    const res = await hang;
    assert.equal(res.status, 504);
    assert.equal(res.headers.get(POP_HEADERS.error), 'timeout');
    assert.match(res.text, /^tenant bad: instance did not answer within/);
    const stats = await pop.stats();
    assert.equal(stats.counters.evictionsBy.crash, 1);
    assert.equal(stats.counters.evictionsBy.timeout, 1);
    assert.equal(stats.instances.bad, 0);
    assert.equal((await get(handle.url, '/t/bad/ok')).status, 200);
  });

  it('answers 404 naming an unknown tenant', async () => {
    const res = await get(handle.url, '/t/nobody/');
    assert.equal(res.status, 404);
    assert.match(res.text, /^tenant nobody: /);
  });

  it('evicts on command', async () => {
    const r = await pop.evict('a');
    assert.equal(r.evicted, 2);
    const stats: PopStats = await pop.stats();
    assert.equal(stats.instances.a, 0);
    assert.equal(stats.instances.b, 1);
    assert.equal(stats.counters.evictionsBy.command, 2);
  });

  it('leaves no process behind after stop()', async () => {
    for (const pid of descendants(handle.hostPid)) seenPids.add(pid);
    seenPids.add(handle.hostPid);
    await handle.stop();
    await until(() => [...seenPids].every((p) => !isRunning(p)), 'every host and instance process to exit');
    await handle.stop(); // idempotent
  });
});

describe('process runner without the lab', () => {
  it('leaves no process behind when the lab-side parent is SIGKILLed', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'process-runner-kill-'));
    const holder = spawn(process.execPath, [holderScript, workDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        holder.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /ready (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        holder.once('exit', (code) => reject(new Error(`holder exited early (code ${code})`)));
      });
      assert.equal(await new PopClient(url).healthy(), true);
      const tree = descendants(holder.pid!);
      // The host, one instance per tenant, and one spare per tenant.
      assert.ok(tree.length >= 5, `expected host + 4 instances, saw ${tree.length} processes`);
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
      await until(() => tree.every((p) => !isRunning(p)), 'the host and its instances to exit after the lab died');
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('process runner start-up failures', () => {
  it('rejects with the host\'s reason and log when the PoP cannot start', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'process-runner-fail-'));
    try {
      await assert.rejects(
        runner.launch({
          runId: 'bad',
          tenants: [{ id: 'a', workload: 'hello' }],
          keepAlive: { idleTimeoutSeconds: 1, maxInstancesPerTenant: 0, memoryBudgetMiB: 0 },
          options: resolveOptions(runner, {}),
          requestTimeoutMs: 1000,
          workDir,
        }),
        /PoP host failed to start: keepAlive\.maxInstancesPerTenant must be an integer >= 1, got 0/,
      );
      await assert.rejects(
        runner.launch({
          runId: 'bad',
          tenants: [{ id: 'a', workload: 'hello' }],
          keepAlive: { idleTimeoutSeconds: 1, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
          options: resolveOptions(runner, { handlers: { hello: join(workDir, 'missing.js') } }),
          requestTimeoutMs: 1000,
          workDir,
        }),
        /options\.handlers\.hello: .*missing\.js does not exist/,
      );
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('process runner preparation and options', () => {
  it('prepares one Node artifact per workload with digests and the Node version', async () => {
    const prepared = await processRunner.prepare(['hello'], resolveOptions(processRunner, {}));
    assert.deepEqual(prepared.versions, { node: process.version });
    const [a] = prepared.artifacts;
    assert.ok(a);
    assert.equal(a.workload, 'hello');
    assert.equal(a.packaging, 'node');
    assert.match(a.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(a.sourceDigest, loadWorkload('hello').sourceDigest);
    assert.ok(a.sizeBytes > 0);
  });

  it('validates options, naming each bad one and its value', () => {
    assert.deepEqual(optionProblems(processRunner, { spares: 2 }), []);
    assert.deepEqual(optionProblems(processRunner, { spares: -1, sparez: 1 }), [
      'options.spares: must be an integer >= 0, got -1',
      'options.sparez: unknown option of runner "process" (known: spares, handlers, confine)',
    ]);
    assert.deepEqual(optionProblems(processRunner, { spares: 1.5 }), ['options.spares: must be an integer >= 0, got 1.5']);
    assert.deepEqual(optionProblems(processRunner, { confine: 'jail' }), ['options.confine: must be one of "none", "cgroup", got "jail"']);
    assert.deepEqual(optionProblems(processRunner, { handlers: { 'Bad Name': '' } }), [
      'options.handlers.Bad Name: not a workload name ([a-z0-9-]+)',
      'options.handlers.Bad Name: must be a path to a JS module exporting handle',
    ]);
  });
});

describe('process runner, compiled workload', () => {
  it('runs a C workload as its static server process, which exits with the host', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'process-runner-c-'));
    const prepared = await processRunner.prepare(['hello-c'], resolveOptions(processRunner, {}));
    assert.equal(prepared.artifacts[0]!.packaging, 'native-static');
    const h = (await processRunner.launch({
      runId: 'test-c',
      tenants: [{ id: 'c1', workload: 'hello-c' }],
      keepAlive: { idleTimeoutSeconds: 600, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      options: resolveOptions(processRunner, {}),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      workDir,
    })) as ProcessPopHandle;
    try {
      const expected = loadWorkload('hello-c').fixtures[0]!;
      const first = await get(h.url, `/t/c1${expected.request.path}`, expected.request.headers);
      assert.equal(first.status, expected.expect.status);
      assert.equal(first.headers.get(POP_HEADERS.activation), 'cold');
      const mem = await new PopClient(h.url).memory();
      assert.ok(mem.instances.length === 1 && mem.instances[0]!.ussBytes > 0);
      const kids = descendants(h.hostPid);
      assert.ok(kids.length >= 1, 'the static server runs under the host');
      // SIGKILL the host: the server's stdin pipe closes and it must exit by itself.
      process.kill(h.hostPid, 'SIGKILL');
      await until(() => kids.every((p) => !isRunning(p)), 'the C instance to exit after its host was killed');
    } finally {
      await h.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('process runner, confine: cgroup', () => {
  it('holds each instance to the scenario limits: a memory bomb is killed as out of memory, a fork loop is refused by pids, nothing is left after stop', async (t) => {
    const why = cgroupsUnavailable();
    if (why) return t.skip(`no per-instance cgroups here: ${why}`);
    const workDir = mkdtempSync(join(tmpdir(), 'process-runner-cgroup-'));
    const h = (await processRunner.launch({
      runId: 'test-cgroup',
      tenants: [
        { id: 'h-js', workload: 'hostile' },
        { id: 'h-c', workload: 'hostile-c' },
      ],
      keepAlive: { idleTimeoutSeconds: 600, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      limits: { memoryMiB: 96, cpus: 1, pids: 32, cpuMsPerRequest: 0 },
      options: resolveOptions(processRunner, { confine: 'cgroup' }),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      workDir,
    })) as ProcessPopHandle;
    const groups = ['memory', 'cpu', 'pids'].map((c) => `/sys/fs/cgroup/${c}/edge-pop-lab-process/${h.hostPid}`);
    try {
      assert.match(h.isolation!.join('; '), /memory\.limit 96 MiB, no swap; CPU quota 1 CPU; pids\.max 32/);
      for (const tenant of ['h-js', 'h-c']) {
        const bomb = await get(h.url, `/t/${tenant}/?max=1024`, { 'x-lab-hostile': 'bomb' });
        assert.ok(bomb.status >= 500, `${tenant}: the bomb is stopped (${bomb.status} ${bomb.text})`);
        assert.match(bomb.text, /cgroup memory limit \(out of memory/, tenant);
        const again = await get(h.url, `/t/${tenant}/`);
        assert.equal(again.status, 200, `${tenant} is served again after its instance was killed`);
      }
      const fork = await get(h.url, '/t/h-c/?max=256', { 'x-lab-hostile': 'fork' });
      const m = /^fork refused-after (\d+) EAGAIN$/m.exec(fork.text);
      assert.ok(m && Number(m[1]) < 32, `the fork loop is refused below pids.max: ${fork.text}`);
      assert.ok(groups.every((g) => existsSync(g)));
    } finally {
      await h.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
    await until(() => groups.every((g) => !existsSync(g)), "the host's cgroups to be removed at stop");
  });
});

describe('process runner: a slow drip (x-lab-hostile: drip)', () => {
  const CHUNKS = 4;
  const PAUSE_MS = 80;
  const launchDrip = async (workDir: string, cpuMsPerRequest: number): Promise<ProcessPopHandle> =>
    (await processRunner.launch({
      runId: 'test-drip',
      tenants: [
        { id: 'h-js', workload: 'hostile' },
        { id: 'h-c', workload: 'hostile-c' },
      ],
      keepAlive: { idleTimeoutSeconds: 600, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      limits: { ...DEFAULT_TENANT_LIMITS, cpuMsPerRequest },
      options: resolveOptions(runner, {}),
      requestTimeoutMs: 5000,
      workDir,
    })) as ProcessPopHandle;

  it('the instance drips asleep; the PoP forwards the body in one piece at its end (it buffers responses)', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'process-runner-drip-'));
    const h = await launchDrip(workDir, 0);
    try {
      for (const tenant of ['h-js', 'h-c']) {
        assert.equal((await get(h.url, `/t/${tenant}/`)).status, 200, `${tenant} is up`);
        const instances = descendants(h.hostPid);
        const cpu = (): number => instances.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0);
        const before = cpu();
        const t = performance.now();
        const r = await timedGet(`${h.url}/t/${tenant}${dripPath(CHUNKS, PAUSE_MS)}`, DRIP_HEADERS);
        const wall = performance.now() - t;
        assert.equal(r.status, 200, r.body);
        assertArrivedWhole(r, CHUNKS, PAUSE_MS);
        assert.ok(cpu() - before < wall / 2, `${tenant}: the instances used ${cpu() - before} ms of CPU in ${wall.toFixed(0)} ms`);
      }
    } finally {
      await h.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('limits.cpuMsPerRequest stops a drip on the wall clock: the PoP kills the sleeping instance at the deadline', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'process-runner-drip-'));
    const h = await launchDrip(workDir, 100);
    try {
      for (const tenant of ['h-js', 'h-c']) {
        assert.equal((await get(h.url, `/t/${tenant}/`)).status, 200, `${tenant} is up`);
        const t = performance.now();
        const r = await get(h.url, `/t/${tenant}${dripPath(10, 100)}`, DRIP_HEADERS);
        const ms = performance.now() - t;
        assert.equal(r.status, 504, r.text);
        assert.ok(ms < 700, `${tenant}: stopped after ${ms.toFixed(0)} ms, before the drip's 900 ms`);
        assert.deepEqual(classifyContainment(r.status, r.headers.get(POP_HEADERS.error), r.text, { behaviour: 'drip' }), { outcome: 'contained', by: 'wall-clock deadline (instance killed)' });
        assert.equal((await get(h.url, `/t/${tenant}/`)).headers.get(POP_HEADERS.activation), 'cold', 'a fresh instance after the kill');
      }
    } finally {
      await h.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
