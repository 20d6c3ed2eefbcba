/**
 * Shared set-up of the wasmtime runner's integration tests: the misbehaving test guest built
 * once (cached by content like every artifact), a host launcher and a tenant-call helper.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import type { KeepAliveSpec } from '../../lab/scenario/types.js';
import type { PopStats, TenantAssignment } from '../contract.js';
import { COMPONENT_FILE } from '../wasm/artifact.js';
import { buildGuestComponent } from '../wasm/build.js';
import { wasmtimeRunner, type WasmtimePopHandle } from './index.js';

/** Path of the isolation guest's component file (built on first use). */
export async function isolationComponent(): Promise<string> {
  const src = readFileSync(join(projectRoot, 'runners', 'wasmtime', 'testdata', 'isolation-guest.js'), 'utf8');
  const a = await buildGuestComponent('wasmtime-isolation', src);
  return join(a.dir, COMPONENT_FILE);
}

/** A launched host plus its clean-up. */
export interface TestHost {
  handle: WasmtimePopHandle;
  url: string;
  stop(): Promise<void>;
}

/** Launches a wasmtime host. */
export async function launchTestHost(tenants: TenantAssignment[], options: Record<string, unknown>, requestTimeoutMs = 3000, keepAlive?: Partial<KeepAliveSpec>): Promise<TestHost> {
  const workDir = mkdtempSync(join(tmpdir(), 'lab-wasmtime-test-'));
  const handle = (await wasmtimeRunner.launch({
    runId: 'wasmtime-test',
    tenants,
    keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4, memoryBudgetMiB: 0, ...keepAlive },
    options,
    requestTimeoutMs,
    workDir,
  })) as WasmtimePopHandle;
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
export async function call(
  url: string,
  tenant: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; activation: string | null; instance: string | null; activationId: string | null; error: string | null; text: string; ms: number }> {
  const t = performance.now();
  const res = await fetch(`${url}/t/${tenant}${path}`, { headers });
  const text = await res.text();
  return {
    status: res.status,
    activation: res.headers.get('x-lab-activation'),
    instance: res.headers.get('x-lab-instance'),
    activationId: res.headers.get('x-lab-activation-id'),
    error: res.headers.get('x-lab-error'),
    text,
    ms: performance.now() - t,
  };
}

/** GET /_lab/stats. */
export async function stats(url: string, drain = false): Promise<PopStats> {
  return (await (await fetch(`${url}/_lab/stats${drain ? '?drain=1' : ''}`)).json()) as PopStats;
}

/** Polls `check` until it holds or `ms` pass. */
export async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
