import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuCgroupOf, EngineMeter, locateEngineCgroups, readUsageMs } from './engine-cpu.js';

test('the cpu cgroup of a process is read from /proc/<pid>/cgroup, v1 cpuacct first', () => {
  assert.deepEqual(cpuCgroupOf('9:name=systemd:/\n3:cpuset:/\n2:cpuacct:/edge-pop-lab-engine\n1:cpu:/\n0::/\n'), { version: 1, path: '/edge-pop-lab-engine' });
  assert.deepEqual(cpuCgroupOf('4:cpu,cpuacct:/system.slice/docker.service\n'), { version: 1, path: '/system.slice/docker.service' });
  assert.deepEqual(cpuCgroupOf('0::/system.slice/docker.service\n'), { version: 2, path: '/system.slice/docker.service' });
  assert.equal(cpuCgroupOf('garbage\n'), undefined);
});

/** A fake /proc and /sys/fs/cgroup with the given processes (comm, cgroup path, usage in ns). */
function fakeMachine(procs: { pid: number; comm: string; cgroup: string }[], usageNs: Record<string, number>): { proc: string; sys: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'engine-cpu-'));
  const proc = join(dir, 'proc');
  const sys = join(dir, 'sys');
  for (const p of procs) {
    mkdirSync(join(proc, String(p.pid)), { recursive: true });
    writeFileSync(join(proc, String(p.pid), 'comm'), `${p.comm}\n`);
    writeFileSync(join(proc, String(p.pid), 'cgroup'), `2:cpuacct:${p.cgroup}\n`);
  }
  for (const [cg, ns] of Object.entries(usageNs)) {
    mkdirSync(join(sys, 'cpuacct', cg), { recursive: true });
    writeFileSync(join(sys, 'cpuacct', cg, 'cpuacct.usage'), `${ns}\n`);
  }
  return { proc, sys, dir };
}

test('the engine cgroups are those of dockerd and containerd; the root cgroup or a remote engine is refused with the reason', () => {
  const m = fakeMachine(
    [
      { pid: 10, comm: 'dockerd', cgroup: '/edge-pop-lab-engine' },
      { pid: 11, comm: 'containerd', cgroup: '/edge-pop-lab-engine' },
      { pid: 12, comm: 'node', cgroup: '/' },
    ],
    { 'edge-pop-lab-engine': 2_500_000 },
  );
  try {
    const cg = locateEngineCgroups({}, m.proc, m.sys);
    assert.ok('files' in cg, JSON.stringify(cg));
    assert.equal(cg.files.length, 1, 'one cgroup, counted once');
    assert.equal(readUsageMs(cg.files[0]!), 2.5);
    assert.match(cg.method, /dockerd in \/edge-pop-lab-engine, containerd in \/edge-pop-lab-engine/);
    const remote = locateEngineCgroups({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, m.proc, m.sys);
    assert.ok('unmeasured' in remote && /remote/.test(remote.unmeasured));
  } finally {
    rmSync(m.dir, { recursive: true, force: true });
  }
  const root = fakeMachine([{ pid: 10, comm: 'dockerd', cgroup: '/' }], {});
  try {
    const cg = locateEngineCgroups({}, root.proc, root.sys);
    assert.ok('unmeasured' in cg && /root cgroup/.test(cg.unmeasured) && /setup-docker\.sh/.test(cg.unmeasured), JSON.stringify(cg));
  } finally {
    rmSync(root.dir, { recursive: true, force: true });
  }
});

test('a call is charged the engine CPU across it only when it ran alone; overlapping calls are counted, not charged', async () => {
  let usage = 100;
  const meter = new EngineMeter(() => usage, 'test');
  // Alone: 12 ms of engine CPU across it.
  await meter.op('request', 'create', async () => {
    usage += 12;
  });
  // Two overlapping calls: neither is charged.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const a = meter.op('request', 'start', async () => {
    usage += 50;
    await gate;
  });
  const b = meter.op('disposal', 'remove', async () => {
    usage += 40;
  });
  release();
  await Promise.all([a, b]);
  // A call that throws is still tallied.
  await assert.rejects(meter.op('disposal', 'remove', async () => {
    usage += 30;
    throw new Error('gone');
  }));
  const r = meter.report();
  assert.equal(r.cpuMs, 132, 'everything since the meter was made');
  assert.deepEqual(r.operations, {
    'disposal/remove': { count: 2, alone: 1, aloneCpuMs: 30 },
    'request/create': { count: 1, alone: 1, aloneCpuMs: 12 },
    'request/start': { count: 1, alone: 0, aloneCpuMs: 0 },
  });
  // Unmeasurable: calls are still counted, CPU is null and the method says why.
  const blind = new EngineMeter(null, 'engine CPU not measured: remote');
  await blind.op('request', 'create', async () => {});
  assert.deepEqual(blind.report(), { method: 'engine CPU not measured: remote', cpuMs: null, operations: { 'request/create': { count: 1, alone: 0, aloneCpuMs: 0 } } });
});
