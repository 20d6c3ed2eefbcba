/**
 * How a tenant container is confined: the engine settings of the runner's `sandbox` option.
 *
 * - `hardened` (default), a container as a multi-tenant platform runs one: an empty network
 *   namespace, its tenant's (held by a holder container, netns-holder.ts) or its own (`netns`):
 *   not even the host's loopback, so neither the PoP's control API nor a neighbour's socket is
 *   reachable; HTTP over a unix socket in a per-instance directory
 *   bind-mounted at /run/lab, an unprivileged user, every capability dropped,
 *   no-new-privileges, a read-only root filesystem, Docker's default seccomp profile (never
 *   `unconfined`), and cgroup limits on memory (no swap), CPU and pids.
 * - `host-network`: the first wave's set-up, kept only to measure what the hardening costs
 *   (`lab bench containers`): root, the host's network, no limits. A tenant can reach the
 *   control API and every neighbour's port; never a default.
 */
import type Docker from 'dockerode';
import { HARDENING, SANDBOX_GID, SANDBOX_UID } from '../../kit/hardening.js';
import { CONTAINER_SOCKET_DIR } from './socket-dirs.js';

export { SANDBOX_GID, SANDBOX_UID };

export const SANDBOXES = ['hardened', 'host-network'] as const;
export type SandboxKind = (typeof SANDBOXES)[number];

/** Limits of one container; 0 leaves one unset. */
export interface ContainerLimits {
  memoryMiB: number;
  cpus: number;
  pids: number;
}

/** What every hardened container gets, the namespace holders too (the kit's table, in the engine's terms; seccomp: the engine's default, never set to unconfined). */
const CONFINED = { CapDrop: [...HARDENING.dropCapabilities], SecurityOpt: HARDENING.noNewPrivileges ? ['no-new-privileges'] : [], ReadonlyRootfs: HARDENING.readOnlyRootFilesystem };

/**
 * The OCI runtimes a container may run under (registered with the engine by setup-docker.sh):
 * runc (Docker's default), crun (the same namespaces and cgroups, in C), runsc (gVisor: the
 * tenant's system calls are served by a user-space kernel, not the host's; started with
 * `--network=none --host-uds=all`, see setup-docker.sh).
 */
export const OCI_RUNTIMES = ['runc', 'crun', 'runsc'] as const;
export type OciRuntime = (typeof OCI_RUNTIMES)[number];

/** Network namespaces of hardened containers: one per tenant, held by a holder container its instances join (default), or one per instance. */
export const NETNS_MODES = ['per-tenant', 'per-instance'] as const;
export type NetnsMode = (typeof NETNS_MODES)[number];

/** The holder of a tenant's network namespace: an empty namespace, unprivileged, read-only, one process. */
export function holderSpec(): Pick<Docker.ContainerCreateOptions, 'User' | 'HostConfig'> {
  // The holder is one process, but runc init (a Go program) runs in the container's cgroups until
  // it execs it and may need threads and a few MiB there: at pids 1 / 6 MiB two launches of one
  // session failed to start a container ("cannot start a stopped process"), not reproduced in 240
  // plain starts. The margin costs nothing: what the holder uses is measured, not its limit.
  return { User: `${SANDBOX_UID}:${SANDBOX_GID}`, HostConfig: { NetworkMode: 'none', ...CONFINED, Memory: 32 * 1024 * 1024, MemorySwap: 32 * 1024 * 1024, PidsLimit: 16 } };
}

/** What the sandbox enforces, for the result: each mechanism by name. */
export function enforcedBy(kind: SandboxKind, l: ContainerLimits, netns: NetnsMode, runtime: OciRuntime): string[] {
  const oci = runtime === 'runsc' ? 'OCI runtime runsc: gVisor user-space kernel between the tenant and the host (no network stack)' : `OCI runtime ${runtime}: host kernel, namespaces and cgroups`;
  if (kind === 'host-network') return [oci, 'none: root, host network, all default capabilities, no cgroup limits (comparison mode)'];
  return [
    oci,
    netns === 'per-tenant' ? "network namespace: empty, one per tenant (held by the tenant's holder container; unix socket only)" : 'network namespace: empty, one per instance (unix socket only)',
    `user ${SANDBOX_UID}:${SANDBOX_GID}`,
    'capabilities: all dropped',
    'no-new-privileges',
    'read-only root filesystem',
    'seccomp: Docker default profile',
    l.memoryMiB > 0 ? `cgroup memory.limit ${l.memoryMiB} MiB, no swap` : 'memory: no limit',
    l.cpus > 0 ? `cgroup CPU quota ${l.cpus} CPU` : 'CPU: no quota',
    l.pids > 0 ? `cgroup pids.max ${l.pids}` : 'pids: no limit',
  ];
}

/**
 * The user and host configuration of a container under `kind`. Hardened: `socketDir` is the host
 * side of its /run/lab; `netnsHolder`, when given, the container whose empty network namespace
 * it joins (its tenant's, see netns-holder.ts), else it gets one of its own.
 */
export function sandboxSpec(kind: SandboxKind, l: ContainerLimits, socketDir?: string, netnsHolder?: string, runtime: OciRuntime = 'runc'): Pick<Docker.ContainerCreateOptions, 'User' | 'HostConfig'> {
  const oci = runtime === 'runc' ? {} : { Runtime: runtime };
  if (kind === 'host-network') return { HostConfig: { NetworkMode: 'host', ...oci } };
  if (socketDir === undefined) throw new Error('a hardened container needs its socket directory');
  const MiB = 1024 * 1024;
  return {
    User: `${SANDBOX_UID}:${SANDBOX_GID}`,
    HostConfig: {
      ...oci,
      NetworkMode: netnsHolder === undefined ? 'none' : `container:${netnsHolder}`,
      Binds: [`${socketDir}:${CONTAINER_SOCKET_DIR}`],
      ...CONFINED,
      ...(l.memoryMiB > 0 ? { Memory: l.memoryMiB * MiB, MemorySwap: l.memoryMiB * MiB } : {}),
      ...(l.cpus > 0 ? { NanoCpus: Math.round(l.cpus * 1e9) } : {}),
      ...(l.pids > 0 ? { PidsLimit: l.pids } : {}),
    },
  };
}
