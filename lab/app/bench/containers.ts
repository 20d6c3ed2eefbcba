/**
 * `lab bench containers`: one run that compares (1) the lab's cold start with `docker run -d` +
 * first response for the same image, as a ratio of medians, and (2) the four activation
 * strategies side by side, with the runner's own overhead per activation (time not inside an
 * engine call, a readiness wait or the instance's answer). `benchContainers` is the pure typed
 * half (returns data); `renderContainerBench` turns it into text; the Command parses arguments.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { EnvironmentError, ExitCode, LabError } from '../../errors.js';
import type { Command } from '../commands/command.js';
import type { ActivationRecord, MemoryReport, PopHandle, PopStats } from '../../pop/contract.js';
import { loadWorkload } from '../../../workloads/registry.js';
import { connectEngine } from '../../../runners/container/engine.js';
import { ensureWorkloadImage, IMAGE_PACKAGINGS, type ImagePackaging } from '../../../runners/container/images/images.js';
import { containerRunner } from '../../../runners/container/runner.js';
import { LABELS } from '../../../runners/container/labels.js';
import { DEFAULT_OPTIONS } from '../../../runners/container/options.js';
import { PortAllocator } from '../../../runners/container/ports.js';
import { waitReady } from '../../../runners/container/host/readiness.js';
import { STRATEGIES, type Strategy } from '../../../runners/container/strategies.js';
import { resolveOptions } from '../../../runners/kit/options.js';

const run = promisify(execFile);

/** Phases spent in the engine, waiting for readiness or in the instance: not the runner's time. */
const OUTSIDE_RUNNER = new Set(['create', 'start', 'unpause', 'readiness', 'pull', 'pull-partial', 'missSetup', 'firstResponse']);

/** Median and 99th percentile of a sample, ms. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
}

/** One strategy's figures. */
export interface StrategyRow {
  strategy: Strategy;
  /** Client-observed: request sent to the PoP until its response (forced cold). */
  coldStart: Summary;
  /** Median of each phase over the activations. */
  phasesP50: Record<string, number>;
  /** Runner overhead per activation: activation total minus engine calls, readiness and the answer. */
  runnerOverhead: Summary;
  failures: number;
}

/** The whole bench. */
export interface ContainerBenchResult {
  workload: string;
  packaging: ImagePackaging;
  image: string;
  imageSizeBytes: number;
  runs: number;
  /** `docker run -d` + polling to the first response, same image, host network. */
  dockerRun: Summary;
  strategies: StrategyRow[];
  /** Lab cold (strategy `cold`) p50 / docker run p50. */
  coldVsDockerRunRatio: number;
}

/** Nearest-rank percentile of an ascending sample. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Summary of a sample. */
export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99) };
}

async function dockerRunOnce(ref: string, ports: PortAllocator, readyTimeoutMs: number): Promise<number> {
  const port = await ports.take();
  const t = performance.now();
  let id = '';
  try {
    const { stdout } = await run('docker', ['run', '-d', '--network', 'host', '-e', `PORT=${port}`, '--label', `${LABELS.owned}=1`, '--label', `${LABELS.ownerPid}=${process.pid}`, '--label', `${LABELS.run}=bench-cli-${process.pid}`, ref]);
    id = stdout.trim();
    await waitReady({ port, timeoutMs: readyTimeoutMs, signal: new AbortController().signal, pollMs: DEFAULT_OPTIONS.pollMs, aliveEveryMs: DEFAULT_OPTIONS.aliveEveryMs, dead: async () => undefined });
    return performance.now() - t;
  } finally {
    if (id) await run('docker', ['rm', '-f', id]).catch(() => {});
    ports.release(port);
  }
}

async function reserveCount(h: PopHandle): Promise<number> {
  const m = (await (await fetch(`${h.url}/_lab/memory`)).json()) as MemoryReport;
  return m.extra.reserveContainers ?? 0;
}

async function strategyRow(strategy: Strategy, workload: string, packaging: ImagePackaging, runs: number, readyTimeoutMs: number, workDir: string): Promise<StrategyRow> {
  const h = await containerRunner.launch({
    runId: `bench-${strategy}-${process.pid}`,
    tenants: [{ id: 'b1', workload }],
    keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
    options: resolveOptions(containerRunner, { strategy, packaging }),
    requestTimeoutMs: readyTimeoutMs,
    workDir,
  });
  const observed: number[] = [];
  let failures = 0;
  try {
    for (let i = 0; i < runs; i++) {
      // Comparable runs: no leftover instance, and the reserve refilled (it is, between real requests).
      await fetch(`${h.url}/_lab/evict`, { method: 'POST', body: '{}' }).then((r) => r.arrayBuffer());
      if (strategy !== 'cold') {
        const deadline = Date.now() + readyTimeoutMs;
        while ((await reserveCount(h)) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      }
      const t = performance.now();
      const r = await fetch(`${h.url}/t/b1/`, { headers: { 'x-lab-force-cold': '1' } });
      await r.arrayBuffer();
      if (r.status === 200) observed.push(performance.now() - t);
      else failures++;
    }
    const acts = ((await (await fetch(`${h.url}/_lab/stats`)).json()) as PopStats).activations.filter((a: ActivationRecord) => a.path === 'request' && a.ok);
    const names = [...new Set(acts.flatMap((a) => a.phases.map((p) => p.name)))];
    const phasesP50: Record<string, number> = {};
    for (const n of names) phasesP50[n] = summarize(acts.map((a) => a.phases.filter((p) => p.name === n).reduce((s, p) => s + p.ms, 0))).p50;
    const overhead = acts.map((a) => a.totalMs - a.phases.filter((p) => OUTSIDE_RUNNER.has(p.name)).reduce((s, p) => s + p.ms, 0));
    return { strategy, coldStart: summarize(observed), phasesP50, runnerOverhead: summarize(overhead), failures };
  } finally {
    await h.stop();
  }
}

/** Runs the bench. Bounded: `runs` activations per strategy and `runs` docker-run starts, each under `readyTimeoutMs`. */
export async function benchContainers(opts: { workload: string; packaging: ImagePackaging; runs: number; readyTimeoutMs: number }): Promise<ContainerBenchResult> {
  const { docker } = await connectEngine();
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}']);
  } catch (e) {
    throw new EnvironmentError(`lab bench containers compares with the docker CLI, which did not run: ${(e as Error).message} (apt-get install docker.io provides it)`);
  }
  const img = await ensureWorkloadImage(docker, loadWorkload(opts.workload), opts.packaging);
  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-containers-'));
  try {
    const ports = new PortAllocator({ first: 26000, last: 26999 });
    // Interleaved: CLI, then each strategy, so drift of a noisy machine hits all alike.
    const cli: number[] = [];
    for (let i = 0; i < opts.runs; i++) cli.push(await dockerRunOnce(img.ref, ports, opts.readyTimeoutMs));
    const rows: StrategyRow[] = [];
    for (const s of STRATEGIES) rows.push(await strategyRow(s, opts.workload, opts.packaging, opts.runs, opts.readyTimeoutMs, workDir));
    const dockerRun = summarize(cli);
    const cold = rows.find((r) => r.strategy === 'cold')!;
    return { workload: opts.workload, packaging: opts.packaging, image: img.ref, imageSizeBytes: img.sizeBytes, runs: opts.runs, dockerRun, strategies: rows, coldVsDockerRunRatio: cold.coldStart.p50 / dockerRun.p50 };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The result as a terminal table (no I/O). */
export function renderContainerBench(r: ContainerBenchResult): string {
  const f = (x: number): string => x.toFixed(1).padStart(7);
  const lines = [
    `containers: ${r.workload} (${r.packaging}, ${r.image}, ${(r.imageSizeBytes / 1e6).toFixed(1)} MB), ${r.runs} runs each; ms p50 / p99`,
    `  docker run -d + first response ${f(r.dockerRun.p50)} ${f(r.dockerRun.p99)}`,
  ];
  for (const s of r.strategies) {
    const phases = Object.entries(s.phasesP50).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
    lines.push(`  lab ${s.strategy.padEnd(27)} ${f(s.coldStart.p50)} ${f(s.coldStart.p99)}   runner overhead p50 ${s.runnerOverhead.p50.toFixed(2)} ms   phases p50: ${phases}${s.failures ? `   FAILURES ${s.failures}` : ''}`);
  }
  lines.push(`  lab cold / docker run (p50): ${r.coldVsDockerRunRatio.toFixed(3)}x`);
  return `${lines.join('\n')}\n`;
}

/** The command object; the lead registers it in the CLI table. */
export const benchContainersCommand: Command = {
  name: 'bench containers',
  summary: 'containers: lab cold start vs docker run, and the four activation strategies side by side',
  usage: `lab bench containers [--workload hello] [--packaging oci-image-scratch|oci-image-debian] [--runs 20] [--ready-timeout-ms 10000] [--json]`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv[0] === 'containers' ? argv.slice(1) : argv,
      options: { workload: { type: 'string', default: 'hello' }, packaging: { type: 'string', default: 'oci-image-scratch' }, runs: { type: 'string', default: '20' }, 'ready-timeout-ms': { type: 'string', default: '10000' }, json: { type: 'boolean' } },
    });
    const runs = Number(values.runs);
    const readyTimeoutMs = Number(values['ready-timeout-ms']);
    const packaging = values.packaging as ImagePackaging;
    if (!(Number.isInteger(runs) && runs >= 1 && runs <= 1000) || !(readyTimeoutMs > 0) || !IMAGE_PACKAGINGS.includes(packaging)) {
      throw new LabError(`--runs must be in [1, 1000], --ready-timeout-ms > 0, --packaging one of ${IMAGE_PACKAGINGS.join(', ')}`, ExitCode.usage);
    }
    const r = await benchContainers({ workload: values.workload, packaging, runs, readyTimeoutMs });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : renderContainerBench(r));
    return ExitCode.ok;
  },
};
