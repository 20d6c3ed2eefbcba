/**
 * Set-up of the wasm runner's integration tests: the misbehaving test guest (built once) and a
 * host launched with the V8 runner; the rest is the shared Wasm testkit.
 */
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../contract.js';
import { launchTestHost as launch, testGuestComponent, type TestHost } from '../wasm-testkit.js';
import { wasmRunner } from './index.js';

export { call, type TestHost } from '../wasm-testkit.js';

/** Path of the misbehaving guest's component file (built on first use). */
export function misbehavingComponent(): Promise<string> {
  return testGuestComponent('misbehaving', join(projectRoot, 'runners', 'wasm', 'testdata', 'misbehaving-guest.js'));
}

/** Launches a wasm host; `options.components` may bring the misbehaving guest as workload `mis`. */
export function launchTestHost(tenants: TenantAssignment[], options: Record<string, unknown>, requestTimeoutMs = 1500, keepAlive?: Partial<KeepAliveSpec>): Promise<TestHost> {
  return launch(wasmRunner, tenants, options, requestTimeoutMs, { idleTimeoutSeconds: 0, maxInstancesPerTenant: 2, memoryBudgetMiB: 0, ...keepAlive });
}
