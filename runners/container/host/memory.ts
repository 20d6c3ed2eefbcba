/**
 * Memory of a container, measured the way every runner of the lab measures an instance: USS
 * (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) summed over the processes of the
 * container's cgroup, PSS and RSS beside it. Two more figures, reported apart:
 * - the containerd-shim's USS: the per-container runtime process, outside the container's cgroup
 *   (it is the parent of the container's init process), i.e. runtime overhead per instance;
 * - the cgroup figure `docker stats` shows: memory.usage_in_bytes minus total_inactive_file
 *   (cgroup v1), which also holds page cache charged to the container.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSmapsRollup } from '../../kit/memory/smaps.js';

/** Where the cgroup v1 memory hierarchy is mounted. */
const MEMORY_CGROUP_ROOT = '/sys/fs/cgroup/memory';

/** Everything measured for one container, bytes. */
export interface ContainerMemory {
  ussBytes: number;
  pssBytes: number;
  rssBytes: number;
  /** Processes summed. */
  processes: number;
  /** USS of the containerd-shim serving this container (0 if it could not be read). */
  shimUssBytes: number;
  /** What `docker stats` shows: usage minus inactive file pages. */
  cgroupUsageBytes: number;
}

/** The memory controller's path of a process (cgroup v1 line `N:memory:/docker/<id>`). */
export function memoryCgroupOf(procCgroupText: string): string {
  for (const line of procCgroupText.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers?.split(',').includes('memory') && path !== undefined) return path;
  }
  throw new Error('no memory controller in /proc/<pid>/cgroup (cgroup v2-only host? the container runner measures cgroup v1)');
}

/** Parent pid from /proc/<pid>/stat (the comm field may hold spaces and parentheses). */
export function parentPidOf(statText: string): number {
  const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return Number(rest[1]);
}

/** The `total_inactive_file` line of memory.stat, bytes (0 when absent). */
export function inactiveFileOf(memoryStatText: string): number {
  const m = /^total_inactive_file (\d+)$/m.exec(memoryStatText);
  return m ? Number(m[1]) : 0;
}

/** Measures the container whose init process is `pid`. */
export async function measureContainer(pid: number): Promise<ContainerMemory> {
  const dir = join(MEMORY_CGROUP_ROOT, memoryCgroupOf(await readFile(`/proc/${pid}/cgroup`, 'utf8')));
  const procs = (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter((l) => l.trim() !== '').map(Number);
  let uss = 0;
  let pss = 0;
  let rss = 0;
  let counted = 0;
  for (const p of procs) {
    try {
      const m = await readSmapsRollup(p);
      uss += m.ussBytes;
      pss += m.pssBytes;
      rss += m.rssBytes;
      counted++;
    } catch {
      // A process that exited between listing and reading has no memory left to count.
    }
  }
  if (counted === 0) throw new Error(`container cgroup ${dir} has no readable process`);
  const usage = Number((await readFile(join(dir, 'memory.usage_in_bytes'), 'utf8')).trim());
  const inactive = inactiveFileOf(await readFile(join(dir, 'memory.stat'), 'utf8'));
  let shim = 0;
  try {
    const ppid = parentPidOf(await readFile(`/proc/${pid}/stat`, 'utf8'));
    const comm = (await readFile(`/proc/${ppid}/comm`, 'utf8')).trim();
    if (comm.startsWith('containerd-shim')) shim = (await readSmapsRollup(ppid)).ussBytes;
  } catch {
    shim = 0;
  }
  return { ussBytes: uss, pssBytes: pss, rssBytes: rss, processes: counted, shimUssBytes: shim, cgroupUsageBytes: Math.max(0, usage - inactive) };
}
