/**
 * `lab bench languages`: one workload in every language (the JS reference and each port:
 * `hello`, `hello-c`, `hello-go`, `hello-py`), on every runner, in one run, so the figures that tell what a
 * language costs are side by side: artifact size, cold start p50/p99 (host-side, arrival to
 * first byte of a forced cold start), first-request cost (the `firstResponse` phase: ready to
 * first byte of the instance's first request), warm p50 (client-side, one request at a time),
 * memory per instance (USS) and fresh-instance throughput (every request a forced cold start,
 * `--connections` at once, for `--seconds`). Every runtime is one launch of its runner with one
 * tenant per language, through its PoP endpoint only. Short by default: figures from a shared
 * machine are noisy; the load average is printed with them.
 */
import { loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, LabError } from '../../errors.js';
import type { MemoryReport, PopHandle, PopStats } from '../../pop/contract.js';
import { getRunner } from '../../../runners/registry.js';
import { resolveOptions } from '../../../runners/kit/options.js';
import { findLanguage, languageIds } from '../../../workloads/languages/index.js';
import { fixtureRequestBody, listWorkloads, loadWorkload } from '../../../workloads/registry.js';
import type { Workload } from '../../../workloads/types.js';
import type { Command } from '../commands/command.js';
import { dist, type Dist } from './wasm-host.js';

/** One runtime the bench runs: a runner with options, under a label. */
export interface BenchRuntime {
  label: string;
  runner: string;
  options: Record<string, unknown>;
}

/** Every runner, and the pre-initialised component packaging on both Wasm hosts. */
export const LANGUAGE_BENCH_RUNTIMES: readonly BenchRuntime[] = [
  { label: 'process', runner: 'process', options: {} },
  { label: 'wasm', runner: 'wasm', options: {} },
  { label: 'wasm-preinit', runner: 'wasm', options: { packaging: 'wasm-component-preinit' } },
  { label: 'wasmtime', runner: 'wasmtime', options: { reuse: true } },
  { label: 'wasmtime-preinit', runner: 'wasmtime', options: { reuse: true, packaging: 'wasm-component-preinit' } },
  { label: 'container', runner: 'container', options: { strategy: 'cold', packaging: 'oci-image-scratch' } },
];

/** What to measure. */
export interface LanguagesBenchOptions {
  /** The reference workload; its port in each language runs beside it. */
  workload: string;
  languages: string[];
  runtimes: BenchRuntime[];
  samples: number;
  seconds: number;
  connections: number;
}

/** One language on one runtime. */
export interface LanguageBenchRow {
  runtime: string;
  language: string;
  workload: string;
  packaging: string;
  note?: string;
  artifactBytes: number;
  coldStartMs: Dist;
  firstRequestMs: Dist;
  warmMs: Dist;
  memoryUssBytes: number;
  freshReqPerSec: number;
  freshErrors: number;
}

export interface LanguagesBenchResult {
  workload: string;
  loadAverage: { start: number; end: number };
  rows: LanguageBenchRow[];
  /** Runtimes or languages that could not be measured, and why. */
  failures: Array<{ runtime: string; language?: string; error: string }>;
}

/** The workload of `language` for reference `reference` (itself for the reference language). */
export function languageWorkload(reference: Workload, language: string): Workload | undefined {
  if (reference.manifest.language === language) return reference;
  const name = listWorkloads(undefined, language).find((n) => loadWorkload(n).manifest.fixturesFrom === reference.name);
  return name ? loadWorkload(name) : undefined;
}

interface Sent {
  status: number;
  activation: string | null;
  ms: number;
}

async function send(url: string, w: Workload, tenant: string, forceCold: boolean): Promise<Sent> {
  const f = w.trafficFixtures[0]!;
  const body = fixtureRequestBody(f);
  const t = performance.now();
  const res = await fetch(`${url}/t/${tenant}${f.request.path}`, {
    method: f.request.method,
    headers: { ...f.request.headers, ...(forceCold ? { 'x-lab-force-cold': '1' } : {}) },
    ...(body.length ? { body } : {}),
  });
  await res.arrayBuffer();
  return { status: res.status, activation: res.headers.get('x-lab-activation'), ms: performance.now() - t };
}

async function drain(url: string): Promise<PopStats> {
  return (await (await fetch(`${url}/_lab/stats?drain=1`)).json()) as PopStats;
}

/** Requests per second with every request a forced cold start, `connections` at once for `seconds`. */
async function freshThroughput(url: string, w: Workload, tenant: string, seconds: number, connections: number): Promise<{ rps: number; errors: number }> {
  const end = performance.now() + seconds * 1000;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        try {
          const r = await send(url, w, tenant, true);
          if (r.status < 500) ok++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { rps: ok / ((performance.now() - started) / 1000), errors };
}

async function benchRuntime(rt: BenchRuntime, ws: Array<{ language: string; w: Workload }>, o: LanguagesBenchOptions, out: LanguagesBenchResult): Promise<void> {
  const runner = getRunner(rt.runner);
  const options = resolveOptions(runner, rt.options);
  const names = ws.map((x) => x.w.name);
  const prepared = await runner.prepare(names, options);
  const workDir = mkdtempSync(join(tmpdir(), `lab-bench-languages-${rt.label}-`));
  let handle: PopHandle | undefined;
  try {
    handle = await runner.launch({
      runId: `bench-languages-${Date.now()}`,
      tenants: ws.map((x) => ({ id: `lang-${x.language}`, workload: x.w.name })),
      keepAlive: { idleTimeoutSeconds: 60, maxInstancesPerTenant: Math.max(1, o.connections), memoryBudgetMiB: 0 },
      options,
      requestTimeoutMs: 30_000,
      workDir,
    });
    const url = handle.url;
    for (const { language, w } of ws) {
      const tenant = `lang-${language}`;
      try {
        const first = await send(url, w, tenant, false);
        if (first.status >= 500) throw new Error(`its first request answered ${first.status}`);
        await drain(url);
        for (let i = 0; i < o.samples; i++) {
          const r = await send(url, w, tenant, true);
          if (r.status >= 500) throw new Error(`a cold request answered ${r.status}`);
        }
        const cold = (await drain(url)).activations.filter((a) => a.tenant === tenant && a.path === 'request' && a.ok);
        const warm: number[] = [];
        for (let i = 0; i < Math.max(o.samples, 20); i++) {
          const r = await send(url, w, tenant, false);
          if (r.activation === 'warm') warm.push(r.ms);
        }
        const mem = (await (await fetch(`${url}/_lab/memory`)).json()) as MemoryReport;
        const mine = mem.instances.filter((i) => i.tenant === tenant);
        const fresh = await freshThroughput(url, w, tenant, o.seconds, o.connections);
        await drain(url);
        const artifact = prepared.artifacts.find((a) => a.workload === w.name);
        out.rows.push({
          runtime: rt.label,
          language,
          workload: w.name,
          packaging: artifact?.packaging ?? '?',
          ...(artifact?.note ? { note: artifact.note } : {}),
          artifactBytes: artifact?.sizeBytes ?? Number.NaN,
          coldStartMs: dist(cold.map((a) => a.totalMs)),
          firstRequestMs: dist(cold.map((a) => a.phases.find((p) => p.name === 'firstResponse')?.ms ?? Number.NaN).filter(Number.isFinite)),
          warmMs: dist(warm),
          memoryUssBytes: mine.length ? mine.reduce((s, i) => s + i.ussBytes, 0) / mine.length : Number.NaN,
          freshReqPerSec: fresh.rps,
          freshErrors: fresh.errors,
        });
      } catch (e) {
        out.failures.push({ runtime: rt.label, language, error: (e as Error).message });
      }
    }
  } finally {
    await handle?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs the bench: every runtime in turn, each language's workload on it. */
export async function benchLanguages(o: LanguagesBenchOptions): Promise<LanguagesBenchResult> {
  const reference = loadWorkload(o.workload);
  if (reference.manifest.fixturesFrom !== undefined) throw new LabError(`bench languages: --workload names a reference workload (such as hello), not the port ${o.workload}`, ExitCode.usage);
  const ws: Array<{ language: string; w: Workload }> = [];
  const out: LanguagesBenchResult = { workload: o.workload, loadAverage: { start: loadavg()[0]!, end: Number.NaN }, rows: [], failures: [] };
  for (const language of o.languages) {
    const w = languageWorkload(reference, language);
    if (w) ws.push({ language, w });
    else out.failures.push({ runtime: '-', language, error: `${o.workload} has no ${language} port` });
  }
  for (const rt of o.runtimes) {
    try {
      await benchRuntime(rt, ws, o, out);
    } catch (e) {
      out.failures.push({ runtime: rt.label, error: (e as Error).message });
    }
  }
  out.loadAverage.end = loadavg()[0]!;
  return out;
}

const MiB = 1024 * 1024;
const n = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
/** The goal the issue sets (issue 19): a pre-initialised Python component's cold start on Wasmtime. */
export const PYTHON_PREINIT_WASMTIME_P99_GOAL_MS = 5;

/** The result as a table (no I/O). */
export function formatLanguagesBench(r: LanguagesBenchResult): string {
  const lines = [
    `languages bench: workload ${r.workload} in every language; load average ${n(r.loadAverage.start, 2)} at start, ${n(r.loadAverage.end, 2)} at end (the client shares the cores: figures measured under that load)`,
    '',
    '  runtime           language workload         artifact MiB | cold start p50 / p99 ms | first request p50 ms | warm p50 ms | USS / instance MiB | fresh instances req/s',
  ];
  for (const x of r.rows) {
    const name = findLanguage(x.language)?.displayName ?? x.language;
    lines.push(
      `  ${x.runtime.padEnd(17)} ${name.padEnd(8)} ${x.workload.padEnd(16)} ${n(x.artifactBytes / MiB, 2).padStart(12)} | ${`${n(x.coldStartMs.p50)} / ${n(x.coldStartMs.p99)}`.padStart(23)} | ${n(x.firstRequestMs.p50).padStart(19)} | ${n(x.warmMs.p50).padStart(11)} | ${n(x.memoryUssBytes / MiB, 2).padStart(18)} | ${n(x.freshReqPerSec, 1).padStart(10)}${x.freshErrors ? ` (${x.freshErrors} errors)` : ''}${x.note ? `  [${x.note}]` : ''}`,
    );
  }
  for (const f of r.failures) lines.push(`  ${f.runtime.padEnd(17)} ${(f.language ?? 'all').padEnd(8)} not measured: ${f.error}`);
  const goal = r.rows.find((x) => x.runtime === 'wasmtime-preinit' && x.language === 'py');
  lines.push('', goal ? `  goal: Python component on Wasmtime, pre-initialised, cold start p99 ${n(goal.coldStartMs.p99)} ms < ${PYTHON_PREINIT_WASMTIME_P99_GOAL_MS} ms: ${goal.coldStartMs.p99 < PYTHON_PREINIT_WASMTIME_P99_GOAL_MS ? 'met' : 'NOT met'} (n=${goal.coldStartMs.n})` : '  goal: Python on wasmtime-preinit not measured in this run');
  return lines.join('\n');
}

/** `lab bench languages`. */
export const benchLanguagesCommand: Command = {
  name: 'languages',
  summary: 'one workload in every language on every runner: artifact size, cold start, first request, warm, memory, fresh-instance throughput',
  usage: `lab bench languages [--workload hello] [--languages js,c,go,py] [--runtimes process,wasm,wasm-preinit,wasmtime,wasmtime-preinit,container] [--samples 10] [--seconds 2] [--connections 2] [--json]

--workload is a reference (JS) workload; its port in each language runs beside it. --samples
forced cold starts per language and runtime (and at least 20 warm requests); --seconds of
fresh-instance load with --connections at once. Short by default; the figures of one run are
compared within the run, and the load average says how busy the machine was.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        workload: { type: 'string', default: 'hello' },
        languages: { type: 'string', default: languageIds().join(',') },
        runtimes: { type: 'string', default: LANGUAGE_BENCH_RUNTIMES.map((r) => r.label).join(',') },
        samples: { type: 'string', default: '10' },
        seconds: { type: 'string', default: '2' },
        connections: { type: 'string', default: '2' },
        json: { type: 'boolean' },
      },
    });
    const samples = Number(values.samples);
    const seconds = Number(values.seconds);
    const connections = Number(values.connections);
    if (!(Number.isInteger(samples) && samples >= 3 && samples <= 10_000) || !(seconds > 0 && seconds <= 600) || !(Number.isInteger(connections) && connections >= 1 && connections <= 64)) {
      throw new LabError('--samples must be an integer in [3, 10000], --seconds in (0, 600], --connections in [1, 64]', ExitCode.usage);
    }
    const languages = values.languages.split(',').map((l) => l.trim());
    for (const l of languages) if (!findLanguage(l)) throw new LabError(`--languages: ${l} is not a registered language (known: ${languageIds().join(', ')})`, ExitCode.usage);
    const runtimes = values.runtimes.split(',').map((label) => {
      const rt = LANGUAGE_BENCH_RUNTIMES.find((r) => r.label === label.trim());
      if (!rt) throw new LabError(`--runtimes: ${label} is not one of ${LANGUAGE_BENCH_RUNTIMES.map((r) => r.label).join(', ')}`, ExitCode.usage);
      return rt;
    });
    const r = await benchLanguages({ workload: values.workload, languages, runtimes, samples, seconds, connections });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatLanguagesBench(r)}\n`);
    return r.rows.length > 0 ? ExitCode.ok : ExitCode.runFailed;
  },
};
