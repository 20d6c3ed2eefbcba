/** Unit tests of the container runner's pure parts: no engine needed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerCpuMs } from './host/cpu.js';
import { demuxLogs } from './host/logs.js';
import { inactiveFileOf, memoryCgroupOf, parentPidOf } from './host/memory.js';
import { parseLdd } from '../../lab/proc/runtime-files.js';
import { effectiveLimits, parseContainerOptions } from './options.js';
import { sandboxSpec } from './host/sandbox.js';
import { registryConfig } from './host/origin-registry.js';
import { tarDigest, tarStream } from './images/tar.js';

test('ldd output gives library paths, the loader included, vdso skipped', () => {
  const text = '\tlinux-vdso.so.1 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n';
  assert.deepEqual(parseLdd(text), ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  assert.throws(() => parseLdd('\tlibfoo.so.1 => not found\n'), /missing/);
});

test('tar archives are deterministic and readable by tar(1)', async () => {
  const long = `${'d'.repeat(90)}/${'e'.repeat(40)}/file.txt`;
  const entries = [
    { path: 'b.txt', mode: 0o644, source: { bytes: Buffer.from('bee\n') } },
    { path: long, mode: 0o755, source: { bytes: Buffer.from('long path\n') } },
  ];
  assert.equal(await tarDigest(entries), await tarDigest([...entries].reverse()), 'order of entries does not matter');
  const dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c as Buffer);
  writeFileSync(join(dir, 'a.tar'), Buffer.concat(chunks));
  const r = spawnSync('tar', ['-xf', 'a.tar'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, long), 'utf8'), 'long path\n');
  assert.equal(readFileSync(join(dir, 'b.txt'), 'utf8'), 'bee\n');
});

test('options: defaults, and every problem reported at once', () => {
  const defaults = parseContainerOptions({});
  assert.ok(defaults.ok && defaults.value.strategy === 'cold');
  const parsedBad = parseContainerOptions({ strategy: 'lukewarm', reserve: 0, portRange: [40000, 41000], bogus: 1, byoImages: { x: { image: 'a', port: 1, portEnv: 'P' } } });
  const p = parsedBad.ok ? [] : parsedBad.problems;
  assert.equal(p.length, 6, p.join('\n'));
  assert.ok(p.some((m) => m.startsWith('options.strategy')));
  assert.ok(p.some((m) => m.startsWith('options.portRange') && /ephemeral/.test(m)));
  assert.ok(p.some((m) => m.startsWith('options.bogus')));
});

test('options: the hardened sandbox is the default, wants sockets of brought images, and the comparison mode takes no limits', () => {
  const d = parseContainerOptions({});
  assert.ok(d.ok);
  assert.equal(d.value.sandbox, 'hardened');
  assert.deepEqual(effectiveLimits(undefined, d.value), { memoryMiB: 256, cpus: 1, pids: 128 }, 'the scenario defaults, without a scenario');
  const own = parseContainerOptions({ pids: 32 });
  assert.ok(own.ok);
  assert.deepEqual(effectiveLimits({ memoryMiB: 128, cpus: 0.5, pids: 64, cpuMsPerRequest: 0 }, own.value), { memoryMiB: 128, cpus: 0.5, pids: 32 }, "the scenario's limits, this runtime's option over them");
  const portOnHardened = parseContainerOptions({ byoImages: { x: { image: 'a', port: 8080 } } });
  assert.ok(!portOnHardened.ok && /options\.byoImages\.x: a hardened container has no network.*socketEnv.*host-network/.test(portOnHardened.problems.join('\n')), JSON.stringify(portOnHardened));
  assert.ok(parseContainerOptions({ byoImages: { x: { image: 'a', socketEnv: 'APP_SOCKET' } } }).ok);
  assert.ok(parseContainerOptions({ sandbox: 'host-network', byoImages: { x: { image: 'a', port: 8080 } } }).ok);
  const limitsOnHost = parseContainerOptions({ sandbox: 'host-network', memoryMiB: 64 });
  assert.ok(!limitsOnHost.ok && limitsOnHost.problems.some((m) => m.startsWith('options.memoryMiB: the host-network sandbox sets no limits')));
  const bad = parseContainerOptions({ sandbox: 'vm', memoryMiB: 4, cpus: -1, ociRuntime: 'kata' });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((m) => m.split(':')[0]).sort(), ['options.cpus', 'options.memoryMiB', 'options.ociRuntime', 'options.sandbox']);
  const gvisor = parseContainerOptions({ ociRuntime: 'runsc' });
  assert.ok(gvisor.ok && gvisor.value.ociRuntime === 'runsc');
  assert.equal(sandboxSpec('hardened', { memoryMiB: 0, cpus: 0, pids: 0 }, '/d', undefined, 'runsc').HostConfig?.Runtime, 'runsc');
  assert.equal(sandboxSpec('hardened', { memoryMiB: 0, cpus: 0, pids: 0 }, '/d').HostConfig?.Runtime, undefined, "runc is the engine's default: not named");
});

test('the hardened sandbox spec: no network, unprivileged, read-only, limits; the comparison mode is the first wave\'s', () => {
  const h = sandboxSpec('hardened', { memoryMiB: 64, cpus: 0.5, pids: 32 }, '/tmp/lab-ctr-x/1');
  assert.equal(h.User, '65534:65534');
  assert.deepEqual(h.HostConfig, {
    NetworkMode: 'none',
    Binds: ['/tmp/lab-ctr-x/1:/run/lab'],
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: true,
    Memory: 64 * 2 ** 20,
    MemorySwap: 64 * 2 ** 20,
    NanoCpus: 5e8,
    PidsLimit: 32,
  });
  assert.equal(sandboxSpec('hardened', { memoryMiB: 0, cpus: 0, pids: 0 }, '/d').HostConfig?.Memory, undefined);
  assert.deepEqual(sandboxSpec('host-network', { memoryMiB: 64, cpus: 1, pids: 1 }), { HostConfig: { NetworkMode: 'host' } });
  assert.throws(() => sandboxSpec('hardened', { memoryMiB: 0, cpus: 0, pids: 0 }), /socket directory/);
});

test('cgroup, stat and memory.stat parsing', () => {
  assert.equal(memoryCgroupOf('12:pids:/docker/abc\n4:memory:/docker/abc\n'), '/docker/abc');
  assert.throws(() => memoryCgroupOf('0::/\n'), /memory controller/);
  assert.equal(parentPidOf('123 (node (x) y) S 77 123 0'), 77);
  assert.equal(inactiveFileOf('cache 1\ntotal_inactive_file 4096\n'), 4096);
});

test('log frames are demultiplexed', () => {
  const frame = (stream: number, text: string): Buffer => {
    const h = Buffer.alloc(8);
    h[0] = stream;
    h.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([h, Buffer.from(text)]);
  };
  assert.equal(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])), 'out\nerr\n');
});

test('the registry config listens on loopback only', () => {
  const c = registryConfig(25001, '/tmp/x');
  assert.match(c, /addr: 127\.0\.0\.1:25001/);
  assert.doesNotMatch(c, /0\.0\.0\.0|htpasswd/);
});

test('container CPU time comes from its cpuacct cgroup, in ms; an absent cgroup gives none', () => {
  const root = mkdtempSync(join(tmpdir(), 'cpuacct-'));
  mkdirSync(join(root, 'abc123'));
  writeFileSync(join(root, 'abc123', 'cpuacct.usage'), '123456789\n');
  assert.equal(containerCpuMs('abc123', root), 123.457);
  assert.equal(containerCpuMs('gone', root), undefined);
});
