/**
 * The memory report parts of the container host that are not per instance: the fixed overhead
 * (dockerd, containerd and the host process itself, whatever the instance count) and the extras
 * (containerd-shim per container, the cgroup usage `docker stats` shows, reserve size).
 */
import { readdir, readFile } from 'node:fs/promises';
import type { PoolMemoryOptions } from '../../kit/pool.js';
import { readSmapsRollup } from '../../kit/memory/smaps.js';
import type { ContainerFactory } from './factory.js';
import type { OciRuntime } from './sandbox.js';

/** Pids of processes whose command name is exactly one of `names`. */
async function pidsNamed(names: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (names.includes((await readFile(`/proc/${e}/comm`, 'utf8')).trim())) out.push(Number(e));
    } catch {
      // Exited while listed.
    }
  }
  return out;
}

async function ussOf(pids: number[]): Promise<number> {
  let sum = 0;
  for (const p of pids) sum += await readSmapsRollup(p).then((m) => m.ussBytes, () => 0);
  return sum;
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
}

/** Memory options of the pool of a container host. */
export function containerMemoryOptions(factory: ContainerFactory, ociRuntime: OciRuntime): PoolMemoryOptions {
  return {
    method:
      (ociRuntime === 'runsc'
        ? "gVisor (runsc): the processes of a container's cgroup are the sandbox's (sentry, gofer); the tenant's memory is in the sentry's memory file, counted here as the sentry maps it, not cross-checked against gVisor's own accounting; "
        : '') +
      'USS (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) summed over the processes of each container\'s cgroup (v1); ' +
      'containerd-shim USS per container and the cgroup usage docker stats shows are in extra; fixed overhead = dockerd + containerd + the host process; ' +
      "the hardened sandbox's network-namespace holders (one per tenant: a containerd-shim and a 1-process container) are counted in extra (netnsHolders), not per instance",
    fixedOverheadBytes: async () => (await ussOf(await pidsNamed(['dockerd', 'containerd']))) + (await readSmapsRollup(process.pid)).ussBytes,
    extra: async () => {
      const measured = factory.liveInstances().map((i) => i.lastMeasured()).filter((m) => m !== undefined);
      return {
        shimUssBytesPerInstance: mean(measured.map((m) => m.shimUssBytes)),
        shimUssBytesTotal: measured.reduce((a, m) => a + m.shimUssBytes, 0),
        cgroupUsageBytesPerInstance: mean(measured.map((m) => m.cgroupUsageBytes)),
        reserveContainers: factory.reserveCount(),
        netnsHolders: factory.holderCount(),
      };
    },
  };
}
