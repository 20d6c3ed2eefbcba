/**
 * Test-only set-up shared by the two Wasm runners' integration tests (V8 `wasm`, `wasmtime`):
 * a test guest built once from its JS source (cached by content like every artifact), a host
 * launcher, and a tenant-call helper.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import type { KeepAliveSpec, TenantLimits } from '../../lab/scenario/types.js';
import type { PopStats, Runner, TenantAssignment } from '../../lab/pop/contract.js';
import type { HostPopHandle } from './launch.js';
import { resolveOptions } from './options.js';
import { buildGuestComponent } from '../../workloads/js/component.js';
import { GUEST_WORLD, PROBE_WORLD, type GuestWorld } from '../../workloads/js/wit.js';

/** Builds (once) a test guest component from a JS module exporting `incomingHandler`; returns its file. */
export async function testGuestComponent(name: string, sourceFile: string, world: GuestWorld = GUEST_WORLD): Promise<string> {
  return (await buildGuestComponent(name, readFileSync(sourceFile, 'utf8'), {}, world)).path;
}

/** Path of the misbehaving test guest's component (runners/testdata, built on first use), shared by both Wasm runners' isolation tests. */
export function misbehavingComponent(): Promise<string> {
  // The probe world: its /connect route tries an outbound request (wasi:http/outgoing-handler).
  return testGuestComponent('misbehaving', join(projectRoot, 'runners', 'testdata', 'misbehaving-guest.js'), PROBE_WORLD);
}

/** A launched host plus its clean-up. */
export interface TestHost {
  handle: HostPopHandle;
  url: string;
  stop(): Promise<void>;
}

/** Launches `runner` with these tenants and options in a scratch work folder. */
export async function launchTestHost(
  runner: Runner,
  tenants: TenantAssignment[],
  options: Record<string, unknown>,
  requestTimeoutMs: number,
  keepAlive: KeepAliveSpec,
  limits?: TenantLimits,
): Promise<TestHost> {
  const workDir = mkdtempSync(join(tmpdir(), `lab-${runner.name}-test-`));
  const handle = (await runner.launch({ runId: `${runner.name}-test`, tenants, keepAlive, ...(limits ? { limits } : {}), options: resolveOptions(runner, options), requestTimeoutMs, workDir })) as HostPopHandle;
  return {
    handle,
    url: handle.url,
    stop: async () => {
      await handle.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** What one tenant request returned, with the lab headers and the client-side latency. */
export interface TenantAnswer {
  status: number;
  activation: string | null;
  instance: string | null;
  activationId: string | null;
  /** `x-lab-queue-ms`: the wait in the tenant's queue, when there was one. */
  queueMs: string | null;
  error: string | null;
  text: string;
  ms: number;
}

/** A GET of `path` as `tenant`. */
export async function call(url: string, tenant: string, path: string, headers: Record<string, string> = {}): Promise<TenantAnswer> {
  const t = performance.now();
  const res = await fetch(`${url}/t/${tenant}${path}`, { headers });
  const text = await res.text();
  return {
    status: res.status,
    activation: res.headers.get('x-lab-activation'),
    instance: res.headers.get('x-lab-instance'),
    activationId: res.headers.get('x-lab-activation-id'),
    queueMs: res.headers.get('x-lab-queue-ms'),
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

/**
 * Asserts that `runner.prepare` rejects a brought component that is not one (garbage, a core
 * module, a missing file), each time naming the file.
 */
export async function assertBrokenComponentsRejected(runner: Runner): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `lab-${runner.name}-broken-`));
  try {
    const garbage = join(dir, 'garbage.wasm');
    writeFileSync(garbage, 'this is not wasm');
    await assert.rejects(runner.prepare(['x'], resolveOptions(runner, { components: { x: garbage } })), (e: Error) => e.message.includes(garbage) && /not a valid WebAssembly component/.test(e.message));
    // A core module is not a component either.
    const core = join(dir, 'core.wasm');
    writeFileSync(core, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await assert.rejects(runner.prepare(['y'], resolveOptions(runner, { components: { y: core } })), (e: Error) => e.message.includes(core));
    const missing = join(dir, 'missing.wasm');
    await assert.rejects(runner.prepare(['z'], resolveOptions(runner, { components: { z: missing } })), (e: Error) => e.message.includes(missing) && /cannot read/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
