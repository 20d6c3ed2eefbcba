/**
 * A cgroup per instance for the `process` runner's `confine: cgroup` (cgroup v1: memory without
 * swap, CFS quota, pids.max), the same limits a container gets from the engine. The instance
 * joins them before its first instruction (cgexec.c), and whatever is left in them when it exits
 * (a fork loop's children) is killed before they are removed, so nothing outlives an instance.
 * Layout: /sys/fs/cgroup/<controller>/edge-pop-lab-process/<host pid>/<instance id>.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../../lab/proc/alive.js';

const ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
const TOP = 'edge-pop-lab-process';
const CFS_PERIOD_US = 100_000;

export interface CgroupLimits {
  memoryMiB: number;
  cpus: number;
  pids: number;
}

/** Why per-instance cgroups cannot be used on this machine, or undefined when they can. */
export function cgroupsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab does not run as root, and only root may create cgroups here';
  for (const c of CONTROLLERS) {
    const dir = join(ROOT, c);
    if (!existsSync(join(dir, 'cgroup.procs'))) return `there is no cgroup v1 ${c} hierarchy at ${dir} (this runner speaks cgroup v1, as this machine's engine does)`;
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      return `${dir} is not writable`;
    }
  }
  return undefined;
}

/** What `confine: cgroup` enforces, for the result. */
export function cgroupIsolation(l: CgroupLimits): string[] {
  return [
    "a process of the lab's user with the host's network, filesystem and process table",
    `cgroup v1 per instance: memory.limit ${l.memoryMiB} MiB, no swap; CPU quota ${l.cpus} CPU; pids.max ${l.pids} (joined before the instance's first instruction; what is left in it at exit is killed)`,
  ];
}

function tasks(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kills every process in `dir` and removes it; a few tries, since the kernel reaps them a moment later. */
async function killAndRemove(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const pid of tasks(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      // EBUSY: a task is still exiting. Awaited, never blocking: this host serves other tenants.
      await sleep(10);
    }
  }
}

/** The cgroups of one host's instances. */
export class InstanceCgroups {
  private readonly live = new Set<string>();

  private constructor(private readonly limits: CgroupLimits, private readonly hostPid: number) {}

  /** This host's cgroup directories, after removing those of hosts that are gone. */
  static async open(limits: CgroupLimits, hostPid = process.pid): Promise<InstanceCgroups> {
    await InstanceCgroups.removeStale();
    const g = new InstanceCgroups(limits, hostPid);
    for (const c of CONTROLLERS) mkdirSync(g.base(c), { recursive: true });
    return g;
  }

  /** Removes the cgroups of hosts that are gone (killed before they could clean up), killing what is left in them. */
  static async removeStale(): Promise<void> {
    for (const c of CONTROLLERS) {
      const top = join(ROOT, c, TOP);
      if (!existsSync(top)) continue;
      for (const host of readdirSync(top)) {
        if (!/^\d+$/.test(host) || processAlive(Number(host))) continue;
        const dir = join(top, host);
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) await killAndRemove(join(dir, e.name));
        await killAndRemove(dir);
      }
    }
  }

  private base(c: (typeof CONTROLLERS)[number]): string {
    return join(ROOT, c, TOP, String(this.hostPid));
  }

  /** Creates the instance's cgroups with their limits; returns the cgroup.procs files it must join. */
  create(instanceId: string): string[] {
    const l = this.limits;
    const dirs = CONTROLLERS.map((c) => join(this.base(c), instanceId));
    for (const d of dirs) mkdirSync(d);
    this.live.add(instanceId);
    const [memory, cpu, pids] = dirs as [string, string, string];
    if (l.memoryMiB > 0) {
      const bytes = String(l.memoryMiB * 1024 * 1024);
      writeFileSync(join(memory, 'memory.limit_in_bytes'), bytes);
      // Memory plus swap at the same figure: no swap, as the container runner sets MemorySwap.
      if (existsSync(join(memory, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(memory, 'memory.memsw.limit_in_bytes'), bytes);
    }
    if (l.cpus > 0) {
      writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(Math.round(l.cpus * CFS_PERIOD_US)));
    }
    if (l.pids > 0) writeFileSync(join(pids, 'pids.max'), String(l.pids));
    return dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** Whether the kernel killed a task of the instance for its memory limit. */
  oomKilled(instanceId: string): boolean {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(this.base('memory'), instanceId, 'memory.oom_control'), 'utf8'));
      return m !== null && Number(m[1]) > 0;
    } catch {
      return false;
    }
  }

  /** Kills what is left of the instance (a fork loop's children) and removes its cgroups. */
  async remove(instanceId: string): Promise<void> {
    if (!this.live.delete(instanceId)) return;
    for (const c of CONTROLLERS) await killAndRemove(join(this.base(c), instanceId));
  }

  /** Every instance's cgroups and this host's own directories, at shutdown. */
  async removeAll(): Promise<void> {
    for (const id of [...this.live]) await this.remove(id);
    for (const c of CONTROLLERS) await killAndRemove(this.base(c));
  }
}
