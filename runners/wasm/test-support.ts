/**
 * Shared set-up of the wasm runner's integration tests: the misbehaving test guest built once
 * (cached by content like every artifact), and a host launched with it as a brought component.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { TenantAssignment } from '../contract.js';
import { COMPONENT_FILE } from './artifact.js';
import { buildGuestComponent } from './build.js';
import { wasmRunner, type WasmPopHandle } from './index.js';

/** Path of the misbehaving guest's component file (built on first use). */
export async function misbehavingComponent(): Promise<string> {
  const src = readFileSync(join(projectRoot, 'runners', 'wasm', 'testdata', 'misbehaving-guest.js'), 'utf8');
  const a = await buildGuestComponent('misbehaving', src);
  return join(a.dir, COMPONENT_FILE);
}

/** A launched host plus its clean-up. */
export interface TestHost {
  handle: WasmPopHandle;
  url: string;
  stop(): Promise<void>;
}

/** Launches a wasm host; `options.components` may bring the misbehaving guest as workload `mis`. */
export async function launchTestHost(tenants: TenantAssignment[], options: Record<string, unknown>, requestTimeoutMs = 1500, keepAlive?: Partial<KeepAliveSpec>): Promise<TestHost> {
  const workDir = mkdtempSync(join(tmpdir(), 'lab-wasm-test-'));
  const handle = (await wasmRunner.launch({
    runId: 'wasm-test',
    tenants,
    keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 2, memoryBudgetMiB: 0, ...keepAlive },
    options,
    requestTimeoutMs,
    workDir,
  })) as WasmPopHandle;
  return {
    handle,
    url: handle.url,
    stop: async () => {
      await handle.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** A tenant request; returns status, lab headers, body text and the client-side latency. */
export async function call(url: string, tenant: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; activation: string | null; instance: string | null; error: string | null; text: string; ms: number }> {
  const t = performance.now();
  const res = await fetch(`${url}/t/${tenant}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, activation: res.headers.get('x-lab-activation'), instance: res.headers.get('x-lab-instance'), error: res.headers.get('x-lab-error'), text, ms: performance.now() - t };
}
