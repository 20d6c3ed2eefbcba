/**
 * `lab bench saturate`: closed-loop saturation with autocannon against one runner's PoP
 * endpoint, warm instances only: the throughput ceiling, as opposed to the open-loop latency
 * that `lab run` measures. autocannon runs in the lab process, the runner in its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ExitCode, LabError, RuntimeFailure } from '../../errors.js';
import { getRunner } from '../../../runners/registry.js';
import { fixtureRequestBody, listWorkloads, loadWorkload } from '../../../workloads/registry.js';
import type { Command } from '../commands/command.js';
import { resolveOptions } from '../../../runners/kit/options.js';

export interface SaturateRow {
  runtime: string;
  workload: string;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Saturates one tenant per workload on `runtime` and returns one row per workload. */
export async function saturate(opts: { runtime: string; workloads: string[]; seconds: number; connections: number; options?: Record<string, unknown> }): Promise<SaturateRow[]> {
  const runner = getRunner(opts.runtime);
  const options = resolveOptions(runner, opts.options ?? {});
  await runner.prepare(opts.workloads, options);
  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  const tenants = opts.workloads.map((w, i) => ({ id: `b${String(i + 1).padStart(3, '0')}`, workload: w }));
  const handle = await runner.launch({
    runId: `bench-${Date.now()}`,
    tenants,
    keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
    options,
    requestTimeoutMs: 10_000,
    workDir,
  });
  const rows: SaturateRow[] = [];
  try {
    for (const t of tenants) {
      const w = loadWorkload(t.workload);
      const f = w.trafficFixtures[0];
      if (!f) throw new RuntimeFailure(`workload ${w.name} has no traffic fixture to saturate with`);
      const url = `${handle.url}/t/${t.id}${f.request.path}`;
      const body = Buffer.from(fixtureRequestBody(f));
      // One request first so the measured window holds warm instances only.
      await fetch(url, { method: f.request.method, headers: f.request.headers, ...(body.length ? { body } : {}) });
      const res = await autocannon({
        url,
        method: f.request.method as autocannon.Request['method'],
        headers: f.request.headers ?? {},
        ...(body.length ? { body } : {}),
        connections: opts.connections,
        duration: opts.seconds,
      });
      rows.push({
        runtime: opts.runtime,
        workload: t.workload,
        connections: opts.connections,
        seconds: opts.seconds,
        requestsPerSecond: res.requests.average,
        p50Ms: res.latency.p50,
        p99Ms: res.latency.p99,
        errors: res.errors + res.timeouts,
        non2xx: res.non2xx,
      });
    }
  } finally {
    await handle.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;
}

export const benchSaturateCommand: Command = {
  name: 'saturate',
  summary: 'closed-loop throughput ceiling of one runner with autocannon (warm instances)',
  usage: `lab bench saturate [--runtime process] [--workload <name>,...] [--seconds 5] [--connections 8] [--json]

Prints requests per second and latency per workload at saturation (warm instances).
Figures are for comparison within one run on one machine, not absolute capacity.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { runtime: { type: 'string', default: 'process' }, workload: { type: 'string' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '8' }, json: { type: 'boolean' } },
    });
    const seconds = Number(values.seconds);
    const connections = Number(values.connections);
    if (!(seconds > 0 && seconds <= 600) || !(connections >= 1 && connections <= 1024)) {
      throw new LabError('--seconds must be in (0, 600] and --connections in [1, 1024]', ExitCode.usage);
    }
    const workloads = values.workload ? values.workload.split(',') : listWorkloads();
    const rows = await saturate({ runtime: values.runtime, workloads, seconds, connections });
    if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      for (const r of rows) {
        process.stdout.write(`${r.runtime} ${r.workload.padEnd(12)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  errors ${r.errors}  non-2xx ${r.non2xx}\n`);
      }
    }
    return ExitCode.ok;
  },
};
