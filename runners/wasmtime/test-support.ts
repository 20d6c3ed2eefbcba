/**
 * Set-up of the wasmtime runner's integration tests: a host launched with the Wasmtime runner; the rest is the shared Wasm testkit.
 */
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../../lab/pop/contract.js';
import { launchTestHost as launch, type TestHost } from '../kit/wasm-testkit.js';
import { wasmtimeRunner } from './runner.js';

export { alive, call, misbehavingComponent, stats, until, type TestHost } from '../kit/wasm-testkit.js';


/** Launches a wasmtime host. */
export function launchTestHost(tenants: TenantAssignment[], options: Record<string, unknown>, requestTimeoutMs = 3000, keepAlive?: Partial<KeepAliveSpec>): Promise<TestHost> {
  return launch(wasmtimeRunner, tenants, options, requestTimeoutMs, { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4, memoryBudgetMiB: 0, ...keepAlive });
}
