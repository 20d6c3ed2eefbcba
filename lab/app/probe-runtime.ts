/**
 * The escape probes of a scenario's `hostile:` section against one runtime: its hostile
 * workloads prepared and launched on their own (never beside the measured tenants, whose memory
 * and latency figures they would otherwise share), probed, stopped. Never throws: a failure is
 * recorded with whatever was judged before it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { plantProbeTargets, runProbes } from '../isolation/probe-run.js';
import type { OpaqueOptions, PopHandle, Runner } from '../pop/contract.js';
import type { RuntimeProbes } from '../results/model.js';
import type { HostileSpec, Scenario } from '../scenario/types.js';

/** The tenant id a hostile workload probes as. */
export const probeTenant = (workload: string): string => `probe-${workload}`;

export async function probeRuntime(
  runner: Runner<OpaqueOptions>,
  options: OpaqueOptions,
  hostile: HostileSpec,
  ctx: { scenario: Scenario; runId: string; workDir: string },
): Promise<RuntimeProbes> {
  const out: RuntimeProbes = { artifacts: [], results: [] };
  let handle: PopHandle | undefined;
  try {
    out.artifacts = (await runner.prepare(hostile.workloads, options)).artifacts;
    mkdirSync(ctx.workDir, { recursive: true });
    handle = await runner.launch({
      runId: `${ctx.runId}-probes`,
      tenants: hostile.workloads.map((w) => ({ id: probeTenant(w), workload: w })),
      keepAlive: ctx.scenario.keepAlive,
      // The probes ask what a tenant can reach, not how fast: a probe that starts a child process
      // (the JS connect) takes longer than a tight per-request deadline under gVisor, and a
      // deadline kill would make it inconclusive. The memory, CPU and pids limits stay.
      limits: { ...ctx.scenario.limits, cpuMsPerRequest: 0 },
      options,
      seed: ctx.scenario.seed,
      artifactMissRate: 0,
      requestTimeoutMs: ctx.scenario.traffic.timeoutMs,
      workDir: ctx.workDir,
    });
    const targets = await plantProbeTargets(Number(new URL(handle.url).port));
    try {
      for (const w of hostile.workloads) {
        const route = handle.plain ? handle.plain.urls[w]! : `${handle.url}/t/${probeTenant(w)}`;
        for (const r of await runProbes(route, probeTenant(w), targets)) out.results.push({ workload: w, ...r });
      }
    } finally {
      targets.remove();
    }
  } catch (e) {
    out.error = `the escape probes failed: ${(e as Error).message}`;
  } finally {
    await handle?.stop();
  }
  return out;
}

/** Where the probes' launch works, beside the runtime's own work folders. */
export const probeWorkDir = (workRoot: string, label: string): string => join(workRoot, `${label}-probes`);
