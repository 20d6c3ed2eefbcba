/**
 * `lab bench containers`: one run that compares (1) the lab's cold start with `docker run -d` +
 * first response for the same image and sandbox flags, as a ratio of medians, and (2) the four activation
 * strategies side by side, with the runner's own overhead per activation (time not inside an
 * engine call, a readiness wait or the instance's answer), and (3) what the hardened sandbox
 * costs: cold start and memory per instance, hardened vs the first wave's host-network set-up. `benchContainers` is the pure typed
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
import { DEFAULT_TENANT_LIMITS } from '../../scenario/types.js';
import { waitReady } from '../../../runners/container/host/readiness.js';
import { STRATEGIES, type Strategy } from '../../../runners/container/strategies.js';
import { SANDBOX_GID, SANDBOX_UID } from '../../../runners/container/host/sandbox.js';
import { CONTAINER_SOCKET, CONTAINER_SOCKET_DIR, SocketDirs } from '../../../runners/container/host/socket-dirs.js';
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

/** One sandbox's cold start and memory (strategy `cold`). */
export interface SandboxRow {
  /** `hardened` (network namespace per tenant), `hardened, netns per instance`, `host-network`. */
  sandbox: string;
  coldStart: Summary;
  phasesP50: Record<string, number>;
  /** Median over launches of one live instance's USS and cgroup usage, bytes. */
  ussBytes: number;
  cgroupUsageBytes: number;
  failures: number;
}

/** The whole bench. */
export interface ContainerBenchResult {
  workload: string;
  packaging: ImagePackaging;
  image: string;
  imageSizeBytes: number;
  runs: number;
  /** `docker run -d` + polling to the first response, same image, the hardened sandbox's flags. */
  dockerRun: Summary;
  strategies: StrategyRow[];
  /** Lab cold (strategy `cold`) p50 / docker run p50. */
  coldVsDockerRunRatio: number;
  /** Strategy `cold` under each sandbox variant, launches interleaved forwards then backwards. */
  sandboxes: SandboxRow[];
  /** Hardened cold p50 / host-network cold p50 (goal <= 1.15). */
  hardenedVsHostNetworkRatio: number;
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

/** `docker run -d` of `ref` with the hardened sandbox's flags (sandbox.ts; a network namespace of its own, as docker run makes), timed to its first response on its socket. */
async function dockerRunOnce(ref: string, sockets: SocketDirs, readyTimeoutMs: number): Promise<number> {
  const dir = sockets.take();
  const l = DEFAULT_TENANT_LIMITS;
  const sandbox = ['--network', 'none', '--user', `${SANDBOX_UID}:${SANDBOX_GID}`, '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only', '-v', `${dir.hostDir}:${CONTAINER_SOCKET_DIR}`, '-e', `LAB_SOCKET=${CONTAINER_SOCKET}`, '--memory', `${l.memoryMiB}m`, '--memory-swap', `${l.memoryMiB}m`, '--cpus', String(l.cpus), '--pids-limit', String(l.pids)];
  const t = performance.now();
  let id = '';
  try {
    const { stdout } = await run('docker', ['run', '-d', ...sandbox, '--label', `${LABELS.owned}=1`, '--label', `${LABELS.ownerPid}=${process.pid}`, '--label', `${LABELS.run}=bench-cli-${process.pid}`, ref]);
    id = stdout.trim();
    await waitReady({ endpoint: { socketPath: dir.socketPath }, timeoutMs: readyTimeoutMs, signal: new AbortController().signal, pollMs: DEFAULT_OPTIONS.pollMs, aliveEveryMs: DEFAULT_OPTIONS.aliveEveryMs, dead: async () => undefined });
    return performance.now() - t;
  } finally {
    if (id) await run('docker', ['rm', '-f', id]).catch(() => {});
    sockets.release(dir);
  }
}

async function reserveCount(h: PopHandle): Promise<number> {
  const m = (await (await fetch(`${h.url}/_lab/memory`)).json()) as MemoryReport;
  return m.extra.reserveContainers ?? 0;
}

/** Forced-cold activations of one launch: client-observed times, the activation records, and one live instance's memory. */
async function coldActivations(options: Record<string, unknown>, workload: string, runs: number, readyTimeoutMs: number, workDir: string): Promise<{ observed: number[]; acts: ActivationRecord[]; failures: number; memory: MemoryReport }> {
  const strategy = (options.strategy as Strategy | undefined) ?? 'cold';
  const h = await containerRunner.launch({
    runId: `bench-${strategy}-${process.pid}`,
    tenants: [{ id: 'b1', workload }],
    keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
    options: resolveOptions(containerRunner, options),
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
    // The last instance is still live: its memory is one instance's.
    const memory = (await (await fetch(`${h.url}/_lab/memory`)).json()) as MemoryReport;
    return { observed, acts, failures, memory };
  } finally {
    await h.stop();
  }
}

function phaseMedians(acts: ActivationRecord[]): Record<string, number> {
  const names = [...new Set(acts.flatMap((a) => a.phases.map((p) => p.name)))];
  const out: Record<string, number> = {};
  for (const n of names) out[n] = summarize(acts.map((a) => a.phases.filter((p) => p.name === n).reduce((s, p) => s + p.ms, 0))).p50;
  return out;
}

async function strategyRow(strategy: Strategy, workload: string, packaging: ImagePackaging, runs: number, readyTimeoutMs: number, workDir: string): Promise<StrategyRow> {
  const { observed, acts, failures } = await coldActivations({ strategy, packaging }, workload, runs, readyTimeoutMs, workDir);
  const overhead = acts.map((a) => a.totalMs - a.phases.filter((p) => OUTSIDE_RUNNER.has(p.name)).reduce((s, p) => s + p.ms, 0));
  return { strategy, coldStart: summarize(observed), phasesP50: phaseMedians(acts), runnerOverhead: summarize(overhead), failures };
}

/** The sandboxes compared, by name: the default, the hardened one paying a network namespace per instance, the first wave's. */
const SANDBOX_VARIANTS: Record<string, Record<string, unknown>> = {
  hardened: { sandbox: 'hardened' },
  'hardened, netns per instance': { sandbox: 'hardened', netns: 'per-instance' },
  'host-network': { sandbox: 'host-network' },
};

/** Strategy `cold` under each sandbox, launches interleaved (forwards, then backwards) so a drifting machine hits all alike. */
async function sandboxRows(workload: string, packaging: ImagePackaging, runs: number, readyTimeoutMs: number, workDir: string): Promise<SandboxRow[]> {
  const names = Object.keys(SANDBOX_VARIANTS);
  const order = [...names, ...[...names].reverse()];
  const got = new Map<string, { observed: number[]; acts: ActivationRecord[]; failures: number; uss: number[]; cgroup: number[] }>();
  for (const sandbox of order) {
    const r = await coldActivations({ strategy: 'cold', packaging, ...SANDBOX_VARIANTS[sandbox] }, workload, Math.max(1, Math.ceil(runs / 2)), readyTimeoutMs, workDir);
    const g = got.get(sandbox) ?? { observed: [], acts: [], failures: 0, uss: [], cgroup: [] };
    g.observed.push(...r.observed);
    g.acts.push(...r.acts);
    g.failures += r.failures;
    const inst = r.memory.instances[0];
    if (inst) g.uss.push(inst.ussBytes);
    if (r.memory.extra.cgroupUsageBytesPerInstance !== undefined) g.cgroup.push(r.memory.extra.cgroupUsageBytesPerInstance);
    got.set(sandbox, g);
  }
  return [...got].map(([sandbox, g]) => ({ sandbox, coldStart: summarize(g.observed), phasesP50: phaseMedians(g.acts), ussBytes: summarize(g.uss).p50, cgroupUsageBytes: summarize(g.cgroup).p50, failures: g.failures }));
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
    const sockets = new SocketDirs(SANDBOX_UID, SANDBOX_GID);
    // Interleaved: CLI, then each strategy, so drift of a noisy machine hits all alike.
    const cli: number[] = [];
    try {
      for (let i = 0; i < opts.runs; i++) cli.push(await dockerRunOnce(img.ref, sockets, opts.readyTimeoutMs));
    } finally {
      sockets.close();
    }
    const rows: StrategyRow[] = [];
    for (const s of STRATEGIES) rows.push(await strategyRow(s, opts.workload, opts.packaging, opts.runs, opts.readyTimeoutMs, workDir));
    const sandboxes = await sandboxRows(opts.workload, opts.packaging, opts.runs, opts.readyTimeoutMs, workDir);
    const dockerRun = summarize(cli);
    const cold = rows.find((r) => r.strategy === 'cold')!;
    const hardened = sandboxes.find((x) => x.sandbox === 'hardened')!;
    const hostNet = sandboxes.find((x) => x.sandbox === 'host-network')!;
    return {
      workload: opts.workload,
      packaging: opts.packaging,
      image: img.ref,
      imageSizeBytes: img.sizeBytes,
      runs: opts.runs,
      dockerRun,
      strategies: rows,
      coldVsDockerRunRatio: cold.coldStart.p50 / dockerRun.p50,
      sandboxes,
      hardenedVsHostNetworkRatio: hardened.coldStart.p50 / hostNet.coldStart.p50,
    };
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
  lines.push('', '  sandbox (strategy cold, launches interleaved)   cold p50 / p99 ms   USS / cgroup usage per instance MiB');
  for (const x of r.sandboxes) {
    const phases = Object.entries(x.phasesP50).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
    lines.push(`  ${x.sandbox.padEnd(46)} ${f(x.coldStart.p50)} ${f(x.coldStart.p99)}   ${(x.ussBytes / 2 ** 20).toFixed(1).padStart(6)} / ${(x.cgroupUsageBytes / 2 ** 20).toFixed(1)}   phases p50: ${phases}${x.failures ? `   FAILURES ${x.failures}` : ''}`);
  }
  lines.push(`  hardened / host-network cold (p50): ${r.hardenedVsHostNetworkRatio.toFixed(3)}x (goal <= 1.15x: ${r.hardenedVsHostNetworkRatio <= 1.15 ? 'met' : 'NOT met'}); with a network namespace per instance: ${(r.sandboxes.find((x) => x.sandbox === 'hardened, netns per instance')!.coldStart.p50 / r.sandboxes.find((x) => x.sandbox === 'host-network')!.coldStart.p50).toFixed(3)}x`);
  return `${lines.join('\n')}\n`;
}

/** The command object; the lead registers it in the CLI table. */
export const benchContainersCommand: Command = {
  name: 'bench containers',
  summary: 'containers: lab cold start vs docker run, the four activation strategies, hardened vs host-network sandbox',
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
