/**
 * What the lab hands the Rust host (runners/wasmtime/host/src/plan.rs reads it): the tenants,
 * a component file per workload and every setting, so the host looks nothing up itself.
 */
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../../lab/pop/contract.js';

/** A request used to bring memory-probe instances to their after-a-request state. */
export interface ProbeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Body bytes as numbers (the host needs no base64 decoder). */
  body: number[];
}

/** The plan file's content; field names match plan.rs (camelCase). */
export interface WasmtimeHostPlan {
  runtime: string;
  tenants: TenantAssignment[];
  components: Record<string, string>;
  keepAlive: KeepAliveSpec;
  requestTimeoutMs: number;
  cpuDeadlineMs: number;
  instanceMemoryMiB: number;
  reuse: boolean;
  spares: number;
  poolInstances: number;
  workers: number;
  memoryProbes: number;
  probeRequests: Record<string, ProbeRequest>;
  /** Precompiled-component cache (content hash x engine compatibility hash). */
  cacheDir: string;
}
