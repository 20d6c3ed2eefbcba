/**
 * CPU time a container's processes have used, from its cgroup v1 `cpuacct` controller. Read
 * once at readiness, it is the CPU the container's own start-up took (the runtime inside it
 * starting and loading the workload), as the process runner reads /proc/<pid>/stat at ready.
 * The engine's share (dockerd, containerd, runc) is outside the container's cgroup, so the
 * simulator replays it as measured, off its modelled cores.
 */
import { readFileSync } from 'node:fs';

/** Where the engine puts a container's cpuacct cgroup with the cgroupfs driver and the default cgroup parent. */
export const CPUACCT_DOCKER_ROOT = '/sys/fs/cgroup/cpuacct/docker';

/**
 * Milliseconds of CPU the container's processes used so far, or undefined when its cgroup is
 * not where the cgroupfs driver puts it (systemd driver, cgroup v2): then the activation simply
 * carries no `cpuMs`. Synchronous on purpose: one small sysfs read at readiness, before the
 * first request, with no await between readiness and the reading.
 */
export function containerCpuMs(containerId: string, root: string = CPUACCT_DOCKER_ROOT): number | undefined {
  try {
    const ns = Number(readFileSync(`${root}/${containerId}/cpuacct.usage`, 'utf8').trim());
    return Number.isFinite(ns) && ns >= 0 ? Math.round(ns / 1e3) / 1e3 : undefined;
  } catch {
    return undefined;
  }
}
