/**
 * Set-up of the wasm runner's integration tests: a host launched with the V8 runner; the rest is the shared Wasm testkit.
 */
import type { KeepAliveSpec, TenantLimits } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../../lab/pop/contract.js';
import { launchTestHost as launch, type TestHost } from '../kit/wasm-testkit.js';
import { wasmRunner } from './runner.js';

export { call, misbehavingComponent, type TestHost } from '../kit/wasm-testkit.js';

/** Launches a wasm host; `options.components` may bring the misbehaving guest as workload `mis`. */
export function launchTestHost(tenants: TenantAssignment[], options: Record<string, unknown>, requestTimeoutMs = 1500, keepAlive?: Partial<KeepAliveSpec>, limits?: TenantLimits): Promise<TestHost> {
  return launch(wasmRunner, tenants, options, requestTimeoutMs, { idleTimeoutSeconds: 0, maxInstancesPerTenant: 2, memoryBudgetMiB: 0, ...keepAlive }, limits);
}
