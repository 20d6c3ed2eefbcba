/**
 * `lab run`: from a scenario file to a saved, versioned result. Plans the traffic once, then
 * runs every runtime of the scenario against the SAME plan, interleaving repetitions (A B, B A,
 * ...) so slow drift of the machine does not favour one runtime. The result is saved after
 * each runtime finishes, so an interruption keeps everything already measured.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ArtifactInfo, MemoryReport, OpaqueOptions, PopHandle, PopStats, PreparedRuntime, StallRecord } from '../pop/contract.js';
import { getRunner, type RegisteredRunner } from '../../runners/registry.js';
import { PopClient } from '../pop/client.js';
import { languageOf } from '../../workloads/languages/index.js';
import { fixtureRequestBody, loadWorkload, type Workload } from '../../workloads/registry.js';
import { startLoad, type LoadRun } from '../loadgen/client.js';
import type { LoadJob, LoadProgress, LoadReport, WireFixture } from '../loadgen/protocol.js';
import { assembleRuntimeResult } from '../results/assemble.js';
import { RESULT_SCHEMA_VERSION, type HostileSend, type LoadGeneratorRecord, type NeighbourTwin, type RunResult, type RuntimeResult } from '../results/model.js';
import { finishRepro, startRepro } from '../results/repro.js';
import { resultDir, saveResult, writeAtomic } from '../results/store.js';
import { renderReport, type ReportOptions } from '../../reports/html.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { resultsDir } from '../paths.js';
import { ExitCode, LabError, RuntimeFailure } from '../errors.js';
import { loadLabScenario } from './scenario-context.js';
import type { HostileNeighbourSpec, LoadedScenario, RuntimeSpec, Scenario } from '../scenario/types.js';
import { startHostileDriver, type HostileDriver } from './hostile-driver.js';
import { NEIGHBOUR_TENANT } from '../isolation/containment.js';
import { planTraffic } from '../traffic/plan.js';
import type { TrafficPlan } from '../traffic/types.js';
import type { RunEvent } from '../events.js';
import { validateAgainstLive } from '../sim/validate-sim.js';
import { simulateFromLive, type SimulateFromLiveOutcome } from './simulate-from-live.js';
import { probeRuntime, probeWorkDir } from './probe-runtime.js';
import { checkSurvival } from './survival.js';
import { resolveOptions } from '../../runners/kit/options.js';

export interface RunOptions {
  scenarioFile: string;
  /** Root folder for results (default: the project's results/). */
  resultsRoot?: string;
  /** Only these runtime labels (default: all of the scenario's). */
  only?: string[];
  /** Aborting stops the traffic now; what was measured is saved with status 'interrupted'. */
  signal?: AbortSignal;
  /** Progress observer. */
  onEvent?: (e: RunEvent) => void;
}

export interface RunOutcome {
  result: RunResult;
  dir: string;
  jsonPath: string;
  /** For a scenario with `simulate:`: the calibration and full-scale simulation written beside the result, or why they could not be. */
  simulation?: { outcome: SimulateFromLiveOutcome } | { error: string };
}

/** Order of runtimes in each repetition: A B C, C B A, A B C ... */
export function interleavedOrder<T>(items: T[], repetitions: number): { item: T; repetition: number }[] {
  const out: { item: T; repetition: number }[] = [];
  for (let r = 0; r < repetitions; r++) {
    const order = r % 2 === 0 ? items : [...items].reverse();
    for (const item of order) out.push({ item, repetition: r + 1 });
  }
  return out;
}

/** The traffic fixtures of each workload, as the load generator sends them. */
export function wireFixtures(workloads: Map<string, Workload>): Record<string, WireFixture[]> {
  const out: Record<string, WireFixture[]> = {};
  for (const [name, w] of workloads) {
    out[name] = w.trafficFixtures.map((f) => ({
      method: f.request.method,
      path: f.request.path,
      headers: f.request.headers ?? {},
      body: fixtureRequestBody(f),
      expectStatus: f.expect.status,
    }));
  }
  return out;
}

/**
 * The plan in the load generator's columnar form, for a PoP at `handle.url`, or for plain
 * endpoints (`handle.plain`): each tenant's requests then go to its workload's base URL.
 */
export function loadJob(plan: TrafficPlan, handle: Pick<PopHandle, 'url' | 'plain'>, fixtures: Record<string, WireFixture[]>, scenario: Scenario): Omit<LoadJob, 'type'> {
  const n = plan.requests.length;
  const urls = handle.plain?.urls;
  const tenantUrl = (workload: string): string => {
    const u = urls?.[workload];
    if (u === undefined) throw new RuntimeFailure(`the endpoint serves no workload ${workload} (it serves ${Object.keys(urls ?? {}).join(', ')})`);
    return u;
  };
  const job = {
    popUrl: handle.url,
    ...(urls ? { route: 'plain' as const } : {}),
    tenants: plan.tenants.map((t) => ({ id: t.id, workload: t.workload, ...(urls ? { baseUrl: tenantUrl(t.workload) } : {}) })),
    fixtures,
    atMs: new Float64Array(n),
    tenant: new Uint32Array(n),
    fixture: new Uint32Array(n),
    forceCold: new Uint8Array(n),
    warmup: new Uint8Array(n),
    spanMs: plan.spanMs,
    warmupMs: plan.warmupMs,
    timeoutMs: scenario.traffic.timeoutMs,
    ...(scenario.traffic.generatorCpus ? { cpus: scenario.traffic.generatorCpus } : {}),
    lateThresholdMs: 5,
    maxInFlight: 4096,
  };
  plan.requests.forEach((r, i) => {
    job.atMs[i] = r.atMs;
    job.tenant[i] = r.tenant;
    job.fixture[i] = r.fixture;
    job.forceCold[i] = r.forceCold ? 1 : 0;
    job.warmup[i] = r.warmup ? 1 : 0;
  });
  return job;
}

/** Where the load engine ran, for the result: pinned or not, and whether a runtime could share its cores. */
function loadGeneratorRecord(scenario: Scenario): LoadGeneratorRecord {
  const cpus = scenario.traffic.generatorCpus ?? null;
  return {
    engine: 'edge-pop-load-engine (Rust: tokio, its own HTTP/1.1 client, HDR histograms; lab/loadgen/engine)',
    cpus,
    // The runtimes' hosts and instances are never pinned, so they may always use the engine's cores.
    sharedCoresWithRuntimes: true,
    note: cpus
      ? `the engine was pinned to CPU ${cpus.join(',')}; the runtimes were not pinned, so they could run there too`
      : 'the engine was not pinned: it and the runtimes shared every core of the machine',
  };
}

/** A load report for a runtime that never got to send (its launch failed). */
function emptyReport(plan: TrafficPlan): LoadReport {
  const now = Date.now();
  return {
    type: 'report',
    startEpochMs: now,
    measureStartEpochMs: now,
    endEpochMs: now,
    interrupted: false,
    latency: { all: '', warm: '', cold: '' },
    byWorkload: {},
    warmServiceByWorkload: {},
    coldClientMs: {},
    sendLag: '',
    counts: { planned: plan.requests.length, completed: 0, late: 0, warmup: 0, cold: 0, warm: 0, spare: 0, forcedCold: 0, notSent: plan.requests.length, errors: {} },
    measuredSeconds: 0,
    timeseries: [],
    errorSamples: [],
  };
}

interface Prepared {
  spec: RuntimeSpec;
  runner: RegisteredRunner;
  /** The runtime's options, parsed once (scenario validation already checked them). */
  options: OpaqueOptions;
  prepared: PreparedRuntime | null;
  error?: string;
}

/** One runtime, one repetition: launch, drive the plan, collect, stop. Never throws for runtime failures. */
async function runOne(
  p: Prepared,
  repetition: number,
  ctx: { loaded: LoadedScenario; plan: TrafficPlan; fixtures: Record<string, WireFixture[]>; runId: string; workDir: string; signal?: AbortSignal; onEvent?: (e: RunEvent) => void },
  // The twin with a misbehaving neighbour: its tenant joins the launch, its sends are filled in.
  hostile?: { neighbour: HostileNeighbourSpec; sends: HostileSend[] },
): Promise<RuntimeResult> {
  const { scenario } = ctx.loaded;
  const startedAt = new Date().toISOString();
  const artifacts: ArtifactInfo[] = p.prepared?.artifacts ?? [];
  const base: { label: string; runtime: string; repetition: number; startedAt: string; artifacts: ArtifactInfo[]; liveBySecond: Map<number, number>; isolation?: string[] } = { label: p.spec.label, runtime: p.spec.runtime, repetition, startedAt, artifacts, liveBySecond: new Map<number, number>() };
  if (!p.prepared) {
    return assembleRuntimeResult({ ...base, finishedAt: new Date().toISOString(), report: emptyReport(ctx.plan), activations: [], pop: null, memory: null, error: p.error ?? 'prepare failed' });
  }
  let handle: PopHandle | undefined;
  const activations: PopStats['activations'] = [];
  const stalls: StallRecord[] = [];
  let stallThresholdMs: number | undefined;
  const keep = (s: PopStats): void => {
    activations.push(...s.activations);
    if (s.timeline) {
      stalls.push(...s.timeline.stalls);
      stallThresholdMs = s.timeline.thresholdMs;
    }
  };
  const liveSamples: [number, number][] = [];
  let sampler: NodeJS.Timeout | undefined;
  let load: Pick<LoadRun, 'done' | 'stop'> | undefined;
  let driver: HostileDriver | undefined;
  const onAbort = (): void => load?.stop();
  try {
    const workDir = join(ctx.workDir, `${p.spec.label}-r${repetition}${hostile ? '-neighbour' : ''}`);
    mkdirSync(workDir, { recursive: true });
    // Its artifact apart from the runtime's own, which every figure reads (cached: a lookup).
    if (hostile) await p.runner.prepare([hostile.neighbour.workload], p.options);
    const neighbour = hostile ? [{ id: NEIGHBOUR_TENANT, workload: hostile.neighbour.workload }] : [];
    handle = await p.runner.launch({
      runId: ctx.runId,
      tenants: [...ctx.plan.tenants.map((t) => ({ id: t.id, workload: t.workload })), ...neighbour],
      keepAlive: scenario.keepAlive,
      limits: scenario.limits,
      options: p.options,
      seed: scenario.seed,
      artifactMissRate: scenario.cache.artifactMissRate,
      requestTimeoutMs: scenario.traffic.timeoutMs,
      workDir,
    });
    if (handle.isolation) base.isolation = handle.isolation;
    const job = loadJob(ctx.plan, handle, ctx.fixtures, scenario);
    const pop = handle.plain ? undefined : new PopClient(handle.url);
    // Activation log drained once a second: keeps /_lab/stats small however long the run. A
    // plain endpoint has none: it is measured client-side only.
    if (pop) {
      sampler = setInterval(() => {
        pop.stats({ drain: true }).then(
          (s) => {
            keep(s);
            liveSamples.push([Date.now(), Object.values(s.instances).reduce((a, b) => a + b, 0)]);
          },
          () => {},
        );
      }, 1000);
    }
    ctx.signal?.addEventListener('abort', onAbort);
    const progress = ({ type: _t, ...pr }: LoadProgress): void => ctx.onEvent?.({ ...pr, type: 'load-progress', label: p.spec.label, repetition });
    // A runner that sends the plan from where its instances are (a cluster's generator Job) gets the job instead.
    load = handle.remoteLoad ? handle.remoteLoad(job, progress) : startLoad(job, progress);
    if (hostile) driver = startHostileDriver(handle.plain ? handle.plain.urls[hostile.neighbour.workload]!.replace(/\/+$/, '') : `${handle.url}/t/${NEIGHBOUR_TENANT}`, hostile.neighbour, scenario.limits, scenario.traffic);
    if (ctx.signal?.aborted) load.stop();
    const report = await load.done;
    if (driver) hostile!.sends.push(...(await driver.stop()));
    driver = undefined;
    clearInterval(sampler);
    sampler = undefined;
    if (!pop) {
      return assembleRuntimeResult({ ...base, finishedAt: new Date().toISOString(), report, activations, pop: null, memory: null, notMeasured: handle.plain!.notMeasured });
    }
    const final = await pop.stats({ drain: true });
    keep(final);
    let memory: MemoryReport | null = null;
    let memoryError: string | undefined;
    if (!handle.notMeasured?.some((n) => n.figure === 'memory')) {
      try {
        memory = await pop.memory();
      } catch (e) {
        memoryError = `memory report failed: ${(e as Error).message}`;
      }
    }
    const liveBySecond = new Map<number, number>();
    for (const [at, n] of liveSamples) liveBySecond.set(Math.floor((at - report.startEpochMs) / 1000), n);
    return assembleRuntimeResult({
      ...base,
      finishedAt: new Date().toISOString(),
      report,
      activations,
      pop: final.counters,
      ...(final.engine ? { engine: final.engine } : {}),
      memory,
      liveBySecond,
      ...(handle.notMeasured ? { notMeasured: handle.notMeasured } : {}),
      ...(stallThresholdMs !== undefined ? { stalls: { thresholdMs: stallThresholdMs, records: stalls } } : {}),
      ...(memoryError ? { error: memoryError } : {}),
    });
  } catch (e) {
    return assembleRuntimeResult({ ...base, finishedAt: new Date().toISOString(), report: emptyReport(ctx.plan), activations, pop: null, memory: null, error: (e as Error).message });
  } finally {
    if (sampler) clearInterval(sampler);
    ctx.signal?.removeEventListener('abort', onAbort);
    load?.stop();
    if (driver) hostile!.sends.push(...(await driver.stop()));
    await handle?.stop();
  }
}

/**
 * A runtime's run with the misbehaving neighbour, run as the twin of the clean one (so every
 * figure of the runtime stays the clean run's) and kept compact: the neighbours' latencies and
 * counts, and what stopped each misbehaving request.
 */
async function runNeighbourTwin(p: Prepared, repetition: number, ctx: Parameters<typeof runOne>[2], neighbour: HostileNeighbourSpec): Promise<NeighbourTwin> {
  const hostile = { neighbour, sends: [] as HostileSend[] };
  const rr = await runOne(p, repetition, ctx, hostile);
  return { neighbour, status: rr.status, ...(rr.error ? { error: rr.error } : {}), requests: rr.requests, latency: rr.latency, sends: hostile.sends };
}

/** Runs a scenario end to end and saves its result. Runtime failures are recorded in the result, not thrown. */
export async function runScenario(opts: RunOptions): Promise<RunOutcome> {
  const loaded = loadLabScenario(resolve(opts.scenarioFile));
  const { scenario } = loaded;
  const emit = opts.onEvent ?? (() => {});
  const startedAt = new Date().toISOString();
  const runId = `${scenario.name}-${startedAt.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;

  const workloads = new Map<string, Workload>();
  for (const m of scenario.tenants.mix) workloads.set(m.workload, loadWorkload(m.workload));
  const fixtureCounts: Record<string, number> = {};
  for (const [name, w] of workloads) fixtureCounts[name] = w.trafficFixtures.length;
  const plan = planTraffic(scenario, fixtureCounts);
  const fixtures = wireFixtures(workloads);

  const labels = scenario.runtimes.map((r) => r.label);
  const unknown = (opts.only ?? []).filter((l) => !labels.includes(l));
  if (unknown.length > 0) throw new LabError(`--only names ${unknown.map((l) => `'${l}'`).join(', ')}, not a runtime label of ${loaded.file}; its labels: ${labels.join(', ')}`, ExitCode.usage);
  const specs = scenario.runtimes.filter((r) => !opts.only || opts.only.includes(r.label));
  const prepared: Prepared[] = [];
  for (const spec of specs) {
    const runner = getRunner(spec.runtime);
    const options = resolveOptions(runner, spec.options);
    emit({ type: 'prepare', label: spec.label });
    try {
      prepared.push({ spec, runner, options, prepared: await runner.prepare([...workloads.keys()], options) });
    } catch (e) {
      prepared.push({ spec, runner, options, prepared: null, error: `prepare failed: ${(e as Error).message}` });
    }
  }

  const runtimeVersions: Record<string, Record<string, string>> = {};
  const artifactDigests: Record<string, string> = {};
  for (const p of prepared) {
    runtimeVersions[p.spec.label] = p.prepared?.versions ?? {};
    for (const a of p.prepared?.artifacts ?? []) artifactDigests[`${p.spec.label}/${a.workload}/${a.packaging}`] = a.digest;
  }

  const dir = resultDir(opts.resultsRoot ?? resultsDir, scenario.name, startedAt);
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'live',
    runId,
    status: 'complete',
    startedAt,
    finishedAt: startedAt,
    scenario: { name: scenario.name, file: loaded.file, hash: loaded.hash, source: loaded.source, resolved: scenario },
    repro: { ...startRepro({ scenarioHash: loaded.hash, seed: scenario.seed, runtimeVersions, artifactDigests }), loadGenerator: loadGeneratorRecord(scenario) },
    tenants: plan.tenants.map((t) => ({ id: t.id, workload: t.workload, share: t.share })),
    workloads: Object.fromEntries([...workloads].map(([name, w]) => [name, { language: languageOf(w).id, languageName: languageOf(w).displayName, sourceDigest: w.sourceDigest }])),
    runs: [],
  };
  let jsonPath = saveResult(dir, result);

  for (const { item, repetition } of interleavedOrder(prepared, scenario.repetitions)) {
    if (opts.signal?.aborted) break;
    emit({ type: 'runtime-start', label: item.spec.label, repetition, of: scenario.repetitions });
    // Before the traffic, in a launch of their own: the measured window never sees a hostile tenant.
    const probes = repetition === 1 && item.prepared && scenario.hostile?.probes ? await probeRuntime(item.runner, item.options, scenario.hostile, { scenario, runId, workDir: probeWorkDir(join(dir, 'work'), item.spec.label) }) : undefined;
    const ctx = { loaded, plan, fixtures, runId, workDir: join(dir, 'work'), signal: opts.signal, onEvent: emit };
    const neighbours = item.prepared ? (scenario.hostile?.neighbours ?? []) : [];
    const twins = async (): Promise<NeighbourTwin[]> => {
      const out: NeighbourTwin[] = [];
      for (const n of neighbours) if (!opts.signal?.aborted) out.push(await runNeighbourTwin(item, repetition, ctx, n));
      return out;
    };
    // Paired and interleaved: the twins with a neighbour go after the clean run on odd repetitions, before it on even ones.
    const twinsFirst = repetition % 2 === 0 ? await twins() : [];
    const rr = await runOne(item, repetition, ctx);
    const twinsAfter = repetition % 2 === 1 && !opts.signal?.aborted ? await twins() : [];
    if (probes) rr.probes = probes;
    if (neighbours.length > 0) rr.neighbourTwins = [...twinsFirst, ...twinsAfter];
    result.runs.push(rr);
    result.finishedAt = new Date().toISOString();
    jsonPath = saveResult(dir, result);
    emit({ type: 'runtime-done', label: item.spec.label, repetition, result: rr });
  }

  // Every runtime is stopped by now: whatever of the run is still there outlived it.
  const neighbourCount = scenario.hostile?.neighbours.length ?? 0;
  result.survival = await checkSurvival(
    runId,
    prepared.map((p) => p.runner),
    {
      planned: prepared.reduce((a, p) => a + scenario.repetitions * (1 + (p.prepared ? neighbourCount : 0)), 0),
      recorded: result.runs.reduce((a, r) => a + 1 + (r.neighbourTwins?.length ?? 0), 0),
    },
  );
  const interrupted = opts.signal?.aborted === true || result.runs.some((r) => r.status === 'interrupted');
  result.status = interrupted ? 'interrupted' : result.runs.length > 0 && result.runs.every((r) => r.status === 'failed') ? 'failed' : 'complete';
  result.finishedAt = new Date().toISOString();
  result.repro = finishRepro(result.repro);
  jsonPath = saveResult(dir, result);
  // Before the report, so it finds calibration.json and simulated.json beside result.json.
  const simulation = await simulateIfAsked(loaded, result, jsonPath, dir, interrupted, opts);
  const reportPath = await writeReports(dir, result, simulation && 'outcome' in simulation ? { simulated: simulation.outcome.result } : simulation ? { simulationError: `the simulation failed: ${simulation.error}` } : {});
  emit({ type: 'saved', path: jsonPath, ...(reportPath ? { report: reportPath } : {}) });
  return { result, dir, jsonPath, ...(simulation ? { simulation } : {}) };
}

/**
 * For a scenario with `simulate:`: calibration from the live result just saved, the full-scale
 * simulation of the modelled host and the density search (lab/sim/, docs/simulator.md). A
 * simulation failure never costs the measured result; its message is returned instead.
 */
async function simulateIfAsked(loaded: LoadedScenario, result: RunResult, jsonPath: string, dir: string, interrupted: boolean, opts: RunOptions): Promise<RunOutcome['simulation']> {
  if (!loaded.scenario.simulate || interrupted || !result.runs.some((r) => r.status === 'complete')) return undefined;
  // Runtimes that failed live have nothing to calibrate from; the others are still simulated.
  const only = [...new Set(result.runs.filter((r) => r.status === 'complete').map((r) => r.label))];
  const resultsRoot = opts.resultsRoot ?? resultsDir;
  try {
    // First the simulator's error on this very run: the live slice replayed from its own
    // calibration. The full-scale predictions below then quote a validation measured now, on
    // this machine, not one assumed from elsewhere.
    if (result.runs.every((r) => r.status === 'complete')) validateAgainstLive({ loaded, live: result, livePath: jsonPath, resultsRoot });
    return { outcome: simulateFromLive(result, loaded, dir, { resultsRoot, only }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The HTML report and Markdown summary beside result.json (the report shows the simulation just
 * made, if any, next to the measured figures). A renderer failure is reported but never costs
 * the measured result, which is already saved.
 */
async function writeReports(dir: string, result: RunResult, report: ReportOptions): Promise<string | undefined> {
  try {
    const html = join(dir, 'report.html');
    writeAtomic(html, await renderReport(result, report));
    writeAtomic(join(dir, 'summary.md'), renderMarkdown(result, report.simulated));
    return html;
  } catch (e) {
    process.stderr.write(`lab: the report could not be rendered (result.json is saved): ${(e as Error).message}\n`);
    return undefined;
  }
}
