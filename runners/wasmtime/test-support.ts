/**
 * Set-up of the wasmtime runner's integration tests: the isolation test guest (built once) and a
 * host launched with the Wasmtime runner; the rest is the shared Wasm testkit.
 */
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../contract.js';
import { launchTestHost as launch, testGuestComponent, type TestHost } from '../wasm-testkit.js';
import { wasmtimeRunner } from './index.js';

export { alive, call, stats, until, type TestHost } from '../wasm-testkit.js';

/** Path of the isolation guest's component file (built on first use). */
export function isolationComponent(): Promise<string> {
  return testGuestComponent('wasmtime-isolation', join(projectRoot, 'runners', 'wasmtime', 'testdata', 'isolation-guest.js'));
}

/** Launches a wasmtime host. */
export function launchTestHost(tenants: TenantAssignment[], options: Record<string, unknown>, requestTimeoutMs = 3000, keepAlive?: Partial<KeepAliveSpec>): Promise<TestHost> {
  return launch(wasmtimeRunner, tenants, options, requestTimeoutMs, { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4, memoryBudgetMiB: 0, ...keepAlive });
}
