/**
 * Integration tests of the container runner on the real engine (started by
 * scripts/setup-docker.sh when none answers). Images are built once and cached by digest; every
 * test removes what it started, and the last test checks that nothing of ours is left running.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { ActivationRecord, LaunchPlan, MemoryReport, PopHandle, PopStats } from '../../lab/pop/contract.js';
import { loadWorkload } from '../../workloads/registry.js';
import { connectEngine, followProgress } from './engine.js';
import { ImageBuildError } from './images/image-error.js';
import { buildContextImage } from './images/build-context.js';
import { ensureWorkloadImage, type WorkloadImage } from './images/images.js';
import { containerRunner } from './runner.js';
import { LABELS } from './labels.js';
import { tarStream } from './images/tar.js';
import { processAlive } from '../../lab/proc/alive.js';
import { STRATEGIES } from './strategies.js';
import { resolveOptions } from '../kit/options.js';
import type { ContainerOptions } from './options.js';
import { assertArrivedSpread, assertArrivedWhole, DRIP_HEADERS, dripPath, processCpuMs, timedGet } from '../../workloads/testkit/drip.js';

const here = dirname(fileURLToPath(import.meta.url));
let docker: Docker;
let hello: WorkloadImage;
const workDir = mkdtempSync(join(tmpdir(), 'container-test-'));
/** Images the tests build themselves (crashing, never-ready, brought-by-the-scenario), removed at the end. */
const testImages: string[] = [];

async function launch(options: Record<string, unknown>, tenants = [{ id: 't1', workload: 'hello' }], requestTimeoutMs = 10_000): Promise<PopHandle> {
  const plan: LaunchPlan<ContainerOptions> = {
    runId: `test-${process.pid}-${Date.now()}`,
    tenants,
    keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4, memoryBudgetMiB: 0 },
    options: resolveOptions(containerRunner, options),
    requestTimeoutMs,
    workDir,
  };
  return containerRunner.launch(plan);
}

async function get(h: PopHandle, tenant: string, forceCold = false): Promise<{ status: number; activation: string | null; instance: string | null; body: string }> {
  const r = await fetch(`${h.url}/t/${tenant}/`, { headers: forceCold ? { 'x-lab-force-cold': '1' } : {} });
  return { status: r.status, activation: r.headers.get('x-lab-activation'), instance: r.headers.get('x-lab-instance'), body: await r.text() };
}

async function stats(h: PopHandle): Promise<PopStats> {
  return (await (await fetch(`${h.url}/_lab/stats`)).json()) as PopStats;
}

async function activations(h: PopHandle): Promise<ActivationRecord[]> {
  return (await stats(h)).activations.filter((a) => a.path === 'request');
}

/**
 * An image built from `dockerfile` that the lab did not build: the lab's labels it would inherit
 * from its FROM image are blanked, or the image cache would take it for the lab's own build.
 */
async function foreignImage(tag: string, dockerfile: string): Promise<string> {
  const blank = { [LABELS.owned]: '', [LABELS.contextDigest]: '', [LABELS.workload]: '', [LABELS.packaging]: '', [LABELS.sourceDigest]: '' };
  await followProgress(docker, await docker.buildImage(tarStream([{ path: 'Dockerfile', mode: 0o644, source: { bytes: Buffer.from(dockerfile) } }]), { t: tag, rm: true, labels: blank }));
  testImages.push(tag);
  return tag;
}

/** Containers of this test file's runs (other engineers' runs may share the engine). */
async function runningOfOurs(): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [LABELS.owned] }) });
  return all.filter((c) => c.Labels?.[LABELS.run]?.includes(`-${process.pid}`));
}

before(async () => {
  docker = (await connectEngine()).docker;
  hello = await ensureWorkloadImage(docker, loadWorkload('hello'), 'oci-image-scratch');
});

after(async () => {
  for (const t of testImages) await docker.getImage(t).remove({ force: true }).catch(() => {});
  rmSync(workDir, { recursive: true, force: true });
});

describe('images', () => {
  test('the scratch image is cached by context digest and sized', async () => {
    const again = await ensureWorkloadImage(docker, loadWorkload('hello'), 'oci-image-scratch');
    assert.equal(again.id, hello.id, 'a second ensure must find the same image, not rebuild');
    assert.ok(hello.sizeBytes > 0);
    const info = await docker.getImage(hello.ref).inspect();
    assert.equal(info.Config.Labels?.[LABELS.contextDigest], hello.contextDigest);
    assert.equal(info.RootFS.Layers?.length, 1, 'one layer: nothing shared between workloads');
  });

  test('a failing build names the workload and the step', async () => {
    const w = loadWorkload('hello');
    await assert.rejects(
      buildContextImage(docker, { workload: 'hello', packaging: 'oci-image-scratch', sourceDigest: w.sourceDigest, ref: 'edge-pop-lab-test/broken:1' }, { dockerfile: 'FROM scratch\nCOPY does-not-exist /x\n', entries: [] }),
      (e: unknown) => e instanceof ImageBuildError && e.step === 'docker build' && /workload "hello"/.test(e.message) && /does-not-exist/.test(e.message),
    );
    await assert.rejects(
      ensureWorkloadImage(docker, { ...w, name: 'ghost', handlerPath: join(workDir, 'missing-handler.js') }, 'oci-image-scratch'),
      (e: unknown) => e instanceof ImageBuildError && e.step === 'collect files' && /workload "ghost"/.test(e.message) && /missing-handler/.test(e.message),
    );
  });

  test('the Debian image builds on the imported debootstrap base', async () => {
    const img = await ensureWorkloadImage(docker, loadWorkload('hello'), 'oci-image-debian');
    const info = await docker.getImage(img.id).inspect();
    assert.equal(info.RootFS.Layers?.length, 2, 'base layer + app layer');
    assert.ok(img.sizeBytes > hello.sizeBytes, 'a Debian base adds to the scratch image');
    const h = await launch({ packaging: 'oci-image-debian' });
    try {
      const r = await get(h, 't1');
      assert.equal(r.status, 200, r.body);
    } finally {
      await h.stop();
    }
  });
});

describe('activation strategies', () => {
  const expected: Record<string, { has: string[]; hasNot: string[] }> = {
    cold: { has: ['create', 'start', 'readiness', 'runner'], hasNot: ['unpause'] },
    'pre-created': { has: ['start', 'readiness', 'runner'], hasNot: ['create', 'unpause'] },
    paused: { has: ['unpause', 'readiness', 'runner'], hasNot: ['create', 'start'] },
    warm: { has: ['readiness', 'runner'], hasNot: ['create', 'start', 'unpause'] },
  };
  for (const strategy of STRATEGIES) {
    test(`${strategy}: a cold request records its phases`, async () => {
      const h = await launch({ strategy });
      try {
        const r = await get(h, 't1');
        assert.equal(r.status, 200, r.body);
        assert.equal(r.activation, 'cold');
        const [a] = await activations(h);
        assert.ok(a, 'an activation record');
        assert.equal(a.strategy, strategy);
        const names = a.phases.map((p) => p.name);
        for (const n of expected[strategy]!.has) assert.ok(names.includes(n), `${strategy} has phase ${n}: ${names.join(',')}`);
        for (const n of expected[strategy]!.hasNot) assert.ok(!names.includes(n), `${strategy} has no phase ${n}: ${names.join(',')}`);
        // A container started on the request path charges its own start-up CPU (cpuacct) to the
        // activation; one started ahead by a reserve fill does not.
        const cpu = a.phases.find((p) => p.name === 'readiness')?.cpuMs;
        if (strategy === 'cold' || strategy === 'pre-created') assert.ok(cpu !== undefined && cpu > 0, `${strategy}: readiness carries the container's CPU time (${cpu})`);
        else assert.equal(cpu, undefined, `${strategy}: no start-up CPU on the request path`);
        // The engine's CPU is measured (setup-docker.sh puts the engine in a cgroup of its own),
        // and each engine call is tallied on its path: a lone activation's calls ran alone.
        const engine = (await stats(h)).engine;
        assert.ok(engine && engine.cpuMs !== null && engine.cpuMs > 0, `engine CPU measured: ${JSON.stringify(engine)}`);
        const onPath = expected[strategy]!.has.filter((n) => ['create', 'start', 'unpause'].includes(n));
        for (const n of onPath) {
          const op = engine.operations[`request/${n}`];
          assert.ok(op && op.count === 1 && op.alone === 1 && op.aloneCpuMs > 0, `request/${n}: ${JSON.stringify(op)}`);
        }
        if (strategy !== 'cold') assert.ok((engine.operations['fill/create']?.count ?? 0) >= 1, `reserve fills are tallied apart: ${Object.keys(engine.operations).join(',')}`);
        assert.equal((await get(h, 't1')).activation, 'warm');
      } finally {
        await h.stop();
      }
    });
  }

  test('forced cold is honoured and memory is measured', async () => {
    const h = await launch({});
    try {
      const a = await get(h, 't1', true);
      const b = await get(h, 't1', true);
      assert.equal(a.activation, 'cold');
      assert.equal(b.activation, 'cold');
      assert.notEqual(a.instance, b.instance);
      const mem = (await (await fetch(`${h.url}/_lab/memory`)).json()) as MemoryReport;
      assert.equal(mem.instances.length, 2);
      for (const m of mem.instances) {
        assert.ok(m.ussBytes > 0 && m.pssBytes >= m.ussBytes && m.rssBytes >= m.pssBytes, JSON.stringify(m));
      }
      assert.ok(mem.extra.shimUssBytesPerInstance! > 0, 'containerd-shim USS');
      assert.ok(mem.extra.cgroupUsageBytesPerInstance! > 0, 'cgroup usage');
      assert.ok(mem.fixedOverheadBytes > 0);
      // Eviction removes both containers through the engine: disposal calls, metered.
      await fetch(`${h.url}/_lab/evict`, { method: 'POST', body: '{}' });
      const removed = (await stats(h)).engine?.operations['disposal/remove'];
      assert.equal(removed?.count, 2, JSON.stringify(removed));
    } finally {
      await h.stop();
    }
    assert.equal((await runningOfOurs()).length, 0, 'stop removes every container');
  });
});

describe('failures', () => {
  test('a container that crashes at start is reported with its log tail, fast', async () => {
    const image = await foreignImage('edge-pop-lab-test/crash:1', `FROM ${hello.ref}\nENTRYPOINT ["/usr/bin/node", "-e", "console.error('boom at start'); process.exit(3)"]\n`);
    const h = await launch({ byoImages: { hello: { image, socketEnv: 'LAB_SOCKET' } } });
    try {
      const t = performance.now();
      const r = await get(h, 't1');
      assert.equal(r.status, 502);
      assert.match(r.body, /tenant t1/);
      assert.match(r.body, /exited with code 3/);
      assert.match(r.body, /boom at start/);
      assert.ok(performance.now() - t < 5000, 'a crash is noticed long before the request timeout');
    } finally {
      await h.stop();
    }
  });

  test('a container that never becomes ready is reported with its log tail at the ready deadline', async () => {
    const image = await foreignImage('edge-pop-lab-test/silent:1', `FROM ${hello.ref}\nENTRYPOINT ["/usr/bin/node", "-e", "console.log('up but not listening'); setInterval(() => {}, 1000)"]\n`);
    const h = await launch({ byoImages: { hello: { image, socketEnv: 'LAB_SOCKET' } }, readyTimeoutMs: 1500 });
    try {
      const r = await get(h, 't1');
      assert.equal(r.status, 502);
      assert.match(r.body, /within 1500 ms/);
      assert.match(r.body, /up but not listening/);
      // The run goes on: the next request is served (and fails the same way), not stalled.
      assert.equal((await get(h, 't1')).status, 502);
    } finally {
      await h.stop();
    }
  });

  test('an image the lab did not build runs as a tenant on the unix socket it is told of', async () => {
    // A server that reads its socket path from APP_SOCKET, not the lab's LAB_SOCKET.
    const entry = `process.env.LAB_SOCKET = process.env.APP_SOCKET; delete process.env.APP_SOCKET; process.argv[2] = '/app/handler.js'; await import('/app/server.js');`;
    const image = await foreignImage('edge-pop-lab-test/byo-socket:1', `FROM ${hello.ref}\nENTRYPOINT ["/usr/bin/node", "--input-type=module", "-e", ${JSON.stringify(entry)}]\n`);
    const h = await launch({ byoImages: { hello: { image, socketEnv: 'APP_SOCKET' } } });
    try {
      const r = await get(h, 't1');
      assert.equal(r.status, 200, r.body);
    } finally {
      await h.stop();
    }
  });

  test('on the host-network sandbox, an image the lab did not build runs as a tenant on its fixed port', async () => {
    const image = await foreignImage('edge-pop-lab-test/byo:1', `FROM ${hello.ref}\nENV PORT=23999\n`);
    const h = await launch({ sandbox: 'host-network', byoImages: { hello: { image, port: 23999 } } });
    try {
      const r = await get(h, 't1');
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /hello from edge-pop-lab/);
    } finally {
      await h.stop();
    }
  });
});

/**
 * A tenant that tries to get out: a Node server (on the socket, or the port of the host-network
 * mode) whose requests are escape and resource probes, each answering what happened.
 */
const PROBE_SERVER = `
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
const reach = (opts) => new Promise((res) => {
  const s = connect(opts);
  s.once('connect', () => { s.destroy(); res('allowed'); });
  s.once('error', (e) => res('denied ' + e.code));
});
const probes = {
  '/connect': (q) => reach({ host: '127.0.0.1', port: Number(q.get('port')) }),
  '/connect-unix': async (q) => (await Promise.all(q.getAll('path').map((path) => reach({ path })))).join(','),
  '/bomb': () => { const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1)); },
  '/fork': () => new Promise((res) => {
    const kids = [];
    const done = (code) => { for (const k of kids) k.kill('SIGKILL'); res('spawned ' + kids.length + ' then ' + code); };
    const next = () => {
      if (kids.length >= 400) return done('no limit');
      const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      c.once('spawn', () => { kids.push(c); next(); });
      c.once('error', (e) => done(e.code));
    };
    next();
  }),
};
const server = createServer(async (req, res) => {
  const u = new URL(req.url, 'http://probe');
  const f = probes[u.pathname];
  res.end(String(f ? await f(u.searchParams) : 'ready'));
});
if (process.env.LAB_SOCKET) server.listen(process.env.LAB_SOCKET);
else server.listen(Number(process.env.PORT), '127.0.0.1');
`;

async function probeImage(): Promise<string> {
  return foreignImage('edge-pop-lab-test/probe:1', `FROM ${hello.ref}\nENTRYPOINT ["/usr/bin/node", "--input-type=module", "-e", ${JSON.stringify(PROBE_SERVER)}]\n`);
}

async function probe(h: PopHandle, tenant: string, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${h.url}/t/${tenant}${path}`);
  return { status: r.status, body: await r.text() };
}

describe('isolation', () => {
  test('a hardened tenant reaches neither the PoP control API nor a neighbour; on the host network it reaches the API', async () => {
    const image = await probeImage();
    const tenants = [{ id: 't1', workload: 'hello' }, { id: 't2', workload: 'hello' }];
    const h = await launch({ byoImages: { hello: { image, socketEnv: 'LAB_SOCKET' } } }, tenants);
    try {
      const popPort = new URL(h.url).port;
      assert.equal((await probe(h, 't2', '/')).body, 'ready');
      // The neighbour's socket, seen from the host: under the host's socket root, not in t1's namespace.
      const sockets = (await activeSockets()).map((p) => `path=${encodeURIComponent(p)}`).join('&');
      assert.ok(sockets.length > 0, 'the neighbour has a socket on the host');
      const api = await probe(h, 't1', `/connect?port=${popPort}`);
      assert.equal(api.status, 200, api.body);
      assert.match(api.body, /^denied /, 'the control API is not reachable from the tenant');
      const neighbour = await probe(h, 't1', `/connect-unix?${sockets}`);
      assert.match(neighbour.body, /^denied ENOENT(,denied ENOENT)*$/, neighbour.body);
    } finally {
      await h.stop();
    }
    // The same probe in the comparison mode: the check can fail, and there it does.
    const open = await launch({ sandbox: 'host-network', byoImages: { hello: { image, portEnv: 'PORT' } } });
    try {
      assert.equal((await probe(open, 't1', `/connect?port=${new URL(open.url).port}`)).body, 'allowed');
    } finally {
      await open.stop();
    }
  });

  test('a memory bomb is killed by its cgroup limit and reported as that tenant\'s out-of-memory; its neighbour is served', async () => {
    const image = await probeImage();
    const h = await launch({ memoryMiB: 64, byoImages: { hello: { image, socketEnv: 'LAB_SOCKET' } } }, [{ id: 't1', workload: 'hello' }, { id: 't2', workload: 'hello' }], 20_000);
    try {
      const r = await probe(h, 't1', '/bomb');
      assert.ok(r.status >= 500, `${r.status} ${r.body}`);
      assert.match(r.body, /tenant t1/);
      assert.match(r.body, /killed by its cgroup memory limit \(out of memory/);
      assert.equal((await probe(h, 't2', '/')).body, 'ready');
      assert.equal((await probe(h, 't1', '/')).body, 'ready', 'the tenant gets a fresh instance');
    } finally {
      await h.stop();
    }
  });

  test('a fork loop is stopped by the pids limit; the instance and its neighbour go on', async () => {
    const image = await probeImage();
    const h = await launch({ pids: 48, byoImages: { hello: { image, socketEnv: 'LAB_SOCKET' } } }, [{ id: 't1', workload: 'hello' }, { id: 't2', workload: 'hello' }], 20_000);
    try {
      const r = await probe(h, 't1', '/fork');
      assert.equal(r.status, 200, r.body);
      const m = /^spawned (\d+) then (\S+)$/.exec(r.body);
      assert.ok(m, r.body);
      assert.notEqual(m[2], 'no limit', r.body);
      assert.ok(Number(m[1]) < 48, r.body);
      assert.equal((await probe(h, 't1', '/')).body, 'ready');
      assert.equal((await probe(h, 't2', '/')).body, 'ready');
    } finally {
      await h.stop();
    }
  });
});

describe('a slow drip (x-lab-hostile: drip)', () => {
  const [chunks, pauseMs] = [4, 80];
  for (const workload of ['hostile', 'hostile-c']) {
    test(`${workload}: the container drips through its socket asleep; the PoP forwards the body in one piece at its end`, async () => {
      const h = await launch({}, [{ id: 'drip', workload }]);
      try {
        assert.equal((await fetch(`${h.url}/t/drip/`)).status, 200);
        const [info] = (await runningOfOurs()).filter((c) => c.Labels?.[LABELS.tenant] === 'drip' && c.State === 'running');
        const hostPid = info!.Labels[LABELS.ownerPid];
        const [socket, ...others] = (await activeSockets()).filter((p) => p.includes(`/lab-ctr-${hostPid}-`));
        assert.ok(socket !== undefined && others.length === 0, 'one instance, one socket');
        const pid = (await docker.getContainer(info!.Id).inspect()).State.Pid;
        // Straight to the instance's socket, past the PoP: the packaging's pacing crosses the sandbox.
        const before = processCpuMs(pid)!;
        const t = performance.now();
        const direct = await timedGet(`http://instance${dripPath(chunks, pauseMs)}`, DRIP_HEADERS, 10_000, socket);
        const wall = performance.now() - t;
        assert.equal(direct.status, 200, direct.body);
        assertArrivedSpread(direct, chunks, pauseMs);
        assert.ok(processCpuMs(pid)! - before < wall / 2, `the container's server used ${processCpuMs(pid)! - before} ms of CPU in ${wall.toFixed(0)} ms`);
        const viaPop = await timedGet(`${h.url}/t/drip${dripPath(chunks, pauseMs)}`, DRIP_HEADERS);
        assert.equal(viaPop.status, 200, viaPop.body);
        assertArrivedWhole(viaPop, chunks, pauseMs);
      } finally {
        await h.stop();
      }
    });
  }
});

describe('OCI runtimes', () => {
  test('under gVisor (runsc) a tenant is served through its socket and the result says which kernel served it', async () => {
    const h = await launch({ ociRuntime: 'runsc' }, [{ id: 't1', workload: 'hello-c' }], 30_000);
    try {
      const r = await get(h, 't1');
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /hello from edge-pop-lab/);
      assert.match(h.isolation?.[0] ?? '', /^OCI runtime runsc: gVisor/);
      const c = (await runningOfOurs()).find((x) => x.Labels?.[LABELS.tenant] === 't1' && !x.Labels?.[LABELS.instance]?.endsWith('.netns'));
      assert.ok(c, 'the tenant container is listed');
      assert.equal((await docker.getContainer(c.Id).inspect()).HostConfig.Runtime, 'runsc');
    } finally {
      await h.stop();
    }
  });

  test('an OCI runtime that cannot start a container here fails prepare in one line naming it', async () => {
    // Whatever this machine's kernel allows crun, the runner's verdict matches the engine's own.
    const direct = await docker
      .createContainer({ Image: hello.ref, HostConfig: { Runtime: 'crun', NetworkMode: 'none' }, Labels: { [LABELS.owned]: '1', [LABELS.run]: `oci-direct-${process.pid}` } })
      .then(async (c) => {
        try {
          await c.start();
          return 'ok';
        } catch (e) {
          return (e as Error).message;
        } finally {
          await c.remove({ force: true }).catch(() => {});
        }
      });
    const verdict = await containerRunner.prepare(['hello-c'], resolveOptions(containerRunner, { ociRuntime: 'crun' })).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    if (direct === 'ok') assert.equal(verdict, 'ok');
    else {
      assert.match(verdict, /^container runner: OCI runtime crun cannot start a container on this machine: /);
      assert.doesNotMatch(verdict, /\n/, 'one line');
    }
  });
});

/** Socket files of hardened containers on this host now. */
async function activeSockets(): Promise<string[]> {
  const { readdirSync, existsSync } = await import('node:fs');
  const out: string[] = [];
  for (const root of readdirSync(tmpdir()).filter((d) => d.startsWith('lab-ctr-'))) {
    for (const n of readdirSync(join(tmpdir(), root))) {
      const p = join(tmpdir(), root, n, 'http.sock');
      if (existsSync(p)) out.push(p);
    }
  }
  return out;
}

describe('cleanup', () => {
  async function waitNoneOf(runPrefix: string, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = (await runningOfOurs()).filter((c) => c.Labels?.[LABELS.run]?.startsWith(runPrefix));
      if (left.length === 0 || Date.now() > deadline) return left.length;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  for (const victim of ['lab', 'host'] as const) {
    test(`SIGKILL of the ${victim} leaves no container running`, async () => {
      const runId = `kill-${victim}-${process.pid}`;
      const script = join(workDir, `lab-${victim}.mjs`);
      writeFileSync(
        script,
        `const { containerRunner } = await import(${JSON.stringify(join(here, 'runner.js'))});
         const { resolveOptions } = await import(${JSON.stringify(join(here, '..', 'kit', 'options.js'))});
         const h = await containerRunner.launch({ runId: ${JSON.stringify(runId)}, tenants: [{ id: 't1', workload: 'hello' }, { id: 't2', workload: 'hello' }],
           keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 2, memoryBudgetMiB: 0 }, options: resolveOptions(containerRunner, { strategy: 'paused' }), requestTimeoutMs: 10000, workDir: ${JSON.stringify(workDir)} });
         const r = await fetch(h.url + '/t/t1/');
         process.stdout.write('ready ' + r.status + '\\n');
         setInterval(() => {}, 1000);`,
      );
      const lab = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      // Bounded: a lab that never gets its 200 fails the test instead of hanging it (and is killed below).
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the lab did not serve its first request within 60 s')), 60_000);
        lab.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready 200')) {
            clearTimeout(timer);
            resolve();
          }
        });
        lab.once('exit', (c) => {
          clearTimeout(timer);
          reject(new Error(`lab exited early (${c})`));
        });
      });
      await ready.catch((e: unknown) => {
        lab.kill('SIGKILL');
        throw e;
      });
      try {
        // The paused reserves are refilled off the request path: wait for them (bounded).
        let ours = (await runningOfOurs()).filter((c) => c.Labels?.[LABELS.run]?.startsWith(runId));
        for (const deadline = Date.now() + 20_000; ours.length < 3 && Date.now() < deadline; ) {
          await new Promise((r) => setTimeout(r, 100));
          ours = (await runningOfOurs()).filter((c) => c.Labels?.[LABELS.run]?.startsWith(runId));
        }
        assert.ok(ours.length >= 3, `one live instance and paused reserves exist (${ours.length})`);
        const hostPid = Number(ours[0]!.Labels?.[LABELS.ownerPid]);
        if (victim === 'host') process.kill(hostPid, 'SIGKILL');
        else lab.kill('SIGKILL');
        assert.equal(await waitNoneOf(runId, 15_000), 0, 'every container of the run is removed');
        if (victim === 'host') lab.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(!processAlive(hostPid), 'the host is gone');
        // Its containers' socket directories go with it (the reaper removes them after the containers).
        const { readdirSync } = await import('node:fs');
        for (const deadline = Date.now() + 15_000; readdirSync(tmpdir()).some((d) => d.startsWith(`lab-ctr-${hostPid}-`)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(readdirSync(tmpdir()).filter((d) => d.startsWith(`lab-ctr-${hostPid}-`)), [], 'no socket directory of the killed host is left');
      } finally {
        // Whatever failed above, this test's lab must not outlive it (its reaper then removes the rest).
        if (lab.exitCode === null && lab.signalCode === null) lab.kill('SIGKILL');
        await waitNoneOf(runId, 15_000);
      }
    });
  }
});

describe('artifact miss', () => {
  test('a miss removes the image entirely and pays a real pull from the local origin', async () => {
    // The images this file built on top of hello share its layer: gone first, as after the run.
    for (const t of testImages.splice(0)) await docker.getImage(t).remove({ force: true }).catch(() => {});
    const h = await launch({ artifactMissRate: 1 }, [{ id: 't1', workload: 'hello' }], 60_000);
    try {
      const r = await get(h, 't1');
      assert.equal(r.status, 200, r.body);
      const [a] = await activations(h);
      const names = a!.phases.map((p) => p.name);
      assert.ok(names.includes('missSetup'), names.join(','));
      assert.ok(names.includes('pull'), `a complete miss, not a partial one: ${names.join(',')}`);
      const pull = a!.phases.find((p) => p.name === 'pull')!;
      assert.ok(pull.ms > 0);
    } finally {
      await h.stop();
    }
    // The engine gives a pulled image a new id (its local config differs from the distributed
    // one); the content key travels with it, so the cache still finds it without a rebuild.
    const back = await docker.getImage(hello.ref).inspect();
    assert.equal(back.Config.Labels?.[LABELS.contextDigest], hello.contextDigest);
    const rebuilt = await ensureWorkloadImage(docker, loadWorkload('hello'), 'oci-image-scratch');
    assert.equal(rebuilt.id, back.Id, 'found by its context digest, not rebuilt');
    // The origin registry's tags (pushed, pulled) are the run's to remove: none stays in the engine.
    const originTags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith('127.0.0.1:') && t.includes('edge-pop-lab/'));
    assert.deepEqual(originTags, []);
  });

  test('nothing of ours is left running', async () => {
    assert.deepEqual((await runningOfOurs()).map((c) => c.Id), []);
  });
});
