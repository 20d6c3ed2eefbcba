/** Messages between the container runner (lab process) and its PoP host process (host.ts), over the fork IPC channel. */
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../../lab/pop/contract.js';
import type { TenantImage } from './host/factory.js';
import type { ContainerOptions } from './options.js';

/** Everything the host needs: the plan, resolved options and each workload's image. */
export interface HostConfig {
  runId: string;
  tenants: TenantAssignment[];
  keepAlive: KeepAliveSpec;
  requestTimeoutMs: number;
  workDir: string;
  options: ContainerOptions;
  /** Image per workload name. */
  images: Record<string, TenantImage>;
}

/** Lab -> host. */
export type ToHost = { type: 'launch'; config: HostConfig } | { type: 'stop' };

/** Host -> lab. */
export type FromHost = { type: 'ready'; url: string; reaperPid: number } | { type: 'failed'; message: string };
