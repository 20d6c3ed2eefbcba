/**
 * TEST-ONLY: builds a structurally real `RunResult` from synthetic distributions, so reports,
 * gates and the Chromium acceptance test can be developed and run before (or without) a live
 * run. Histograms are recorded and encoded with the lab's own lab/measure/histogram.ts, so the
 * report decodes exactly what a live run would store. Never used by the lab itself.
 */
import type { ActivationRecord, ArtifactInfo, InstanceMemory, MemoryReport } from '../../pop/contract.js';
import { newHistogram, recordMs, summarise, type Histogram } from '../../measure/histogram.js';
import { RESULT_SCHEMA_VERSION, type LatencySummary, type RunResult, type RuntimeResult, type TimeseriesPoint } from '../model.js';
import { DEFAULT_TENANT_LIMITS, type Scenario } from '../../scenario/types.js';
import { seededRng, type Rng } from '../../stats/random.js';

/** One synthetic runtime: medians and spreads of its distributions. */
export interface FixtureRuntime {
  label: string;
  runtime: string;
  warmMedianMs: number;
  coldStartMedianMs: number;
  /** Log-normal sigma of every time distribution. */
  sigma: number;
  memoryPerInstanceBytes: number;
  artifactBytes: number;
  packaging: string;
  /** Phase names and their share of a cold start. */
  phases: [string, number][];
  strategy: string;
}

/** The two runtimes a fixture has by default: a process-per-instance runtime and a Wasm host. */
export const FIXTURE_RUNTIMES: FixtureRuntime[] = [
  {
    label: 'process',
    runtime: 'process',
    warmMedianMs: 1.4,
    coldStartMedianMs: 55,
    sigma: 0.35,
    memoryPerInstanceBytes: 38 * 1024 * 1024,
    artifactBytes: 18_000,
    packaging: 'node',
    phases: [['spawn', 0.15], ['init', 0.75], ['firstResponse', 0.1]],
    strategy: 'cold',
  },
  {
    label: 'wasm',
    runtime: 'wasm',
    warmMedianMs: 0.9,
    coldStartMedianMs: 4,
    sigma: 0.4,
    memoryPerInstanceBytes: 3 * 1024 * 1024,
    artifactBytes: 11_500_000,
    packaging: 'wasm-component',
    phases: [['compile', 0.2], ['instantiate', 0.5], ['firstRequest', 0.3]],
    strategy: 'pooling',
  },
];

/** Options of `fixtureResult`. */
export interface FixtureOptions {
  runtimes?: FixtureRuntime[];
  repetitions?: number;
  seed?: number;
  rate?: number;
  durationSeconds?: number;
  warmupSeconds?: number;
  instanceMissRate?: number;
  gates?: string[];
  /** Multiplies every latency and cold start of the given label (synthetic regressions). */
  scale?: Record<string, number>;
  /** Workload names (default: the four JS workloads); one tenant per workload when more than six. */
  workloads?: string[];
  /** Per workload: factors on its cold starts, warm latency and instance memory, and its artifact size. */
  workloadScale?: Record<string, WorkloadScale>;
}

/** How one workload differs from the runtime's defaults (e.g. a C port: smaller, faster). */
export interface WorkloadScale {
  cold?: number;
  warm?: number;
  memory?: number;
  artifactBytes?: number;
}

type Resolved = Required<Omit<FixtureOptions, 'runtimes' | 'gates' | 'scale' | 'workloadScale'>> & { scale: number; workloadScale: Record<string, WorkloadScale>; tenants: string[] };

const DEFAULT_WORKLOADS = ['hello', 'jwt-verify', 'ab-flag', 'telemetry'];
const lognormal = (rng: Rng, median: number, sigma: number): number => median * Math.exp(sigma * rng.normal());

function runtimeResult(rt: FixtureRuntime, rep: number, o: Resolved, startMs: number): RuntimeResult {
  const WORKLOADS = o.workloads;
  const ws = (w: string): WorkloadScale => o.workloadScale[w] ?? {};
  const rng = seededRng(o.seed, `fixture:${rt.label}:${rep}`);
  const all = newHistogram();
  const warm = newHistogram();
  const cold = newHistogram();
  const sendLag = newHistogram();
  const byW = new Map(WORKLOADS.map((w) => [w, { all: newHistogram(), warm: newHistogram(), cold: newHistogram() }]));
  const activations: ActivationRecord[] = [];
  const timeseries: TimeseriesPoint[] = [];
  let coldCount = 0;
  let completed = 0;
  const totalSeconds = o.warmupSeconds + o.durationSeconds;
  for (let s = 0; s < totalSeconds; s++) {
    const perSecond = newHistogram();
    const sent = rng.binomial(o.rate * 4, 0.25); // Poisson-like count around the rate
    let coldThisSecond = 0;
    for (let i = 0; i < sent; i++) {
      const w = WORKLOADS[rng.int(WORKLOADS.length)]!;
      const isCold = rng.next() < o.instanceMissRate + 0.02;
      const warmMs = lognormal(rng, rt.warmMedianMs * o.scale, rt.sigma) * (ws(w).warm ?? 1);
      let ms = warmMs;
      if (isCold) {
        const total = lognormal(rng, rt.coldStartMedianMs * o.scale, rt.sigma) * (ws(w).cold ?? 1);
        ms += total;
        if (s >= o.warmupSeconds) {
          activations.push({
            id: `a${activations.length}`,
            tenant: `t000${rng.int(6)}`,
            workload: w,
            instance: `i${activations.length}`,
            path: 'request',
            reason: rng.next() < 0.8 ? 'forced' : 'no-instance',
            strategy: rt.strategy,
            startedAtMs: startMs + s * 1000 + i,
            totalMs: Math.round(total * 1000) / 1000,
            phases: rt.phases.map(([name, share]) => ({ name, ms: Math.round(total * share * 1000) / 1000 })),
            ok: true,
          });
        }
      }
      recordMs(sendLag, Math.abs(rng.normal()) * 0.3);
      recordMs(perSecond, ms);
      if (s < o.warmupSeconds) continue;
      completed++;
      const hs: Histogram[] = [all, isCold ? cold : warm, byW.get(w)!.all, isCold ? byW.get(w)!.cold : byW.get(w)!.warm];
      for (const h of hs) recordMs(h, ms);
      if (isCold) {
        coldCount++;
        coldThisSecond++;
      }
    }
    const sum = summarise(perSecond);
    timeseries.push({ second: s, sent, completed: s < o.warmupSeconds ? 0 : sent, errors: 0, cold: coldThisSecond, p50Ms: sum.p50, p99Ms: sum.p99, liveInstances: 6 + rng.int(5) });
  }
  const instances: InstanceMemory[] = Array.from({ length: Math.max(8, o.tenants.length) }, (_, i) => {
    const tenant = o.tenants[i % o.tenants.length]!;
    const w = WORKLOADS[o.tenants.indexOf(tenant) % WORKLOADS.length]!;
    const uss = Math.round(lognormal(rng, rt.memoryPerInstanceBytes, 0.08) * (ws(w).memory ?? 1));
    return { tenant, instance: `i${i}`, ussBytes: uss, pssBytes: Math.round(uss * 1.3), rssBytes: Math.round(uss * 2.1) };
  });
  const memory: MemoryReport = {
    runtime: rt.runtime,
    method: 'synthetic fixture (test-only): log-normal per-instance USS',
    instances,
    perInstanceUssBytes: Math.round(instances.reduce((a, b) => a + b.ussBytes, 0) / instances.length),
    perInstancePssBytes: Math.round(instances.reduce((a, b) => a + b.pssBytes, 0) / instances.length),
    fixedOverheadBytes: 40 * 1024 * 1024,
    extra: {},
  };
  const artifacts: ArtifactInfo[] = WORKLOADS.map((w) => ({
    workload: w,
    packaging: rt.packaging,
    digest: `sha256:${(rt.label + w).padEnd(64, '0').slice(0, 64)}`,
    sourceDigest: `sha256:${('src' + w).padEnd(64, '1').slice(0, 64)}`,
    sizeBytes: ws(w).artifactBytes ?? rt.artifactBytes,
  }));
  const s = (h: Histogram): LatencySummary => summarise(h);
  const byWorkload: RuntimeResult['latency']['byWorkload'] = {};
  for (const [w, h] of byW) byWorkload[w] = { all: s(h.all), warm: s(h.warm), cold: s(h.cold) };
  const coldTotal = newHistogram();
  for (const a of activations) recordMs(coldTotal, a.totalMs);
  return {
    label: rt.label,
    runtime: rt.runtime,
    repetition: rep,
    status: 'complete',
    startedAt: new Date(startMs).toISOString(),
    finishedAt: new Date(startMs + totalSeconds * 1000).toISOString(),
    artifacts,
    requests: { planned: completed, completed, late: 0, warmup: 0, cold: coldCount, warm: completed - coldCount, spare: 0, forcedCold: Math.round(coldCount * 0.8), errors: {}, notSent: 0 },
    latency: { all: s(all), warm: s(warm), cold: s(cold), byWorkload },
    sendLag: s(sendLag),
    coldStart: {
      count: activations.length,
      rate: completed === 0 ? 0 : coldCount / completed,
      total: summarise(coldTotal),
      byStrategy: { [rt.strategy]: { total: summarise(coldTotal), phases: rt.phases.map(([name, share]) => ({ name, count: activations.length, p50Ms: rt.coldStartMedianMs * share, p99Ms: rt.coldStartMedianMs * share * 2.5, meanMs: rt.coldStartMedianMs * share * 1.1 })) } },
      activations,
    },
    throughputRps: Math.round((completed / o.durationSeconds) * 1000) / 1000,
    memory,
    pop: { requests: completed, cold: coldCount, warm: completed - coldCount, spare: 0, errors: 0, evictions: 3, evictionsBy: { idle: 3 } },
    timeseries,
    errorSamples: [],
  };
}

const SCENARIO_YAML = (labels: string[], gates: string[], WORKLOADS: string[]): string => `# synthetic fixture scenario (test-only)
name: fixture
description: Synthetic result for report and gate tests.
seed: 7
host: { memoryGiB: 16, cores: 16 }
live: { tenants: 6 }
tenants:
  count: 200
  mix:
${WORKLOADS.map((w) => `    - { workload: ${w}, weight: ${1 / WORKLOADS.length} }`).join('\n')}
  popularity: { type: zipf, exponent: 1.0 }
traffic:
  arrival: { type: poisson }
  rate: 40
  warmupSeconds: 2
  durationSeconds: 10
  timeoutMs: 5000
cache: { instanceMissRate: 0.1, artifactMissRate: 0 }
keepAlive: { idleTimeoutSeconds: 30, maxInstancesPerTenant: 2, memoryBudgetMiB: 0 }
runtimes:
${labels.map((l) => `  - runtime: ${l}`).join('\n')}
slo: { p99Ms: 250 }
repetitions: 1
gates:
${gates.map((g) => `  - "${g}"`).join('\n')}
`;

/** A complete synthetic result: runtimes interleaved A B B A over the repetitions. */
export function fixtureResult(opts: FixtureOptions = {}): RunResult {
  const runtimes = opts.runtimes ?? FIXTURE_RUNTIMES;
  const o = {
    repetitions: opts.repetitions ?? 1,
    seed: opts.seed ?? 7,
    rate: opts.rate ?? 40,
    durationSeconds: opts.durationSeconds ?? 10,
    warmupSeconds: opts.warmupSeconds ?? 2,
    instanceMissRate: opts.instanceMissRate ?? 0.1,
    workloads: opts.workloads ?? DEFAULT_WORKLOADS,
  };
  const tenants = Array.from({ length: Math.max(6, o.workloads.length) }, (_, i) => `t000${i}`);
  const gates = opts.gates ?? [];
  const start = Date.UTC(2025, 0, 15, 12, 0, 0);
  const runs: RuntimeResult[] = [];
  for (let rep = 1; rep <= o.repetitions; rep++) {
    const order = rep % 2 === 1 ? runtimes : [...runtimes].reverse();
    for (const rt of order) runs.push(runtimeResult(rt, rep, { ...o, scale: opts.scale?.[rt.label] ?? 1, workloadScale: opts.workloadScale ?? {}, tenants }, start + runs.length * 20_000));
  }
  const labels = runtimes.map((r) => r.label);
  const resolved: Scenario = {
    name: 'fixture',
    description: 'Synthetic result for report and gate tests.',
    seed: o.seed,
    host: { memoryGiB: 16, cores: 16 },
    live: { tenants: 6 },
    tenants: { count: 200, mix: o.workloads.map((w) => ({ workload: w, weight: 1 / o.workloads.length })), popularity: { type: 'zipf', exponent: 1 } },
    traffic: { arrival: { type: 'poisson' }, rate: o.rate, warmupSeconds: o.warmupSeconds, durationSeconds: o.durationSeconds, timeoutMs: 5000 },
    cache: { instanceMissRate: o.instanceMissRate, artifactMissRate: 0 },
    keepAlive: { idleTimeoutSeconds: 30, maxInstancesPerTenant: 2, memoryBudgetMiB: 0 },
    limits: { ...DEFAULT_TENANT_LIMITS },
    runtimes: runtimes.map((r) => ({ runtime: r.runtime, label: r.label, options: {} })),
    slo: { p99Ms: 250 },
    repetitions: o.repetitions,
    gates,
  };
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'simulated',
    runId: `fixture-${o.seed}`,
    status: 'complete',
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(start + runs.length * 20_000).toISOString(),
    scenario: { name: 'fixture', file: 'reports/testdata/fixture.yaml', hash: 'f'.repeat(64), source: SCENARIO_YAML(labels, gates, o.workloads), resolved },
    repro: {
      gitCommit: '0'.repeat(40),
      gitDirty: false,
      scenarioHash: 'f'.repeat(64),
      seed: o.seed,
      node: 'v20.0.0',
      v8: '11.3',
      packages: { 'hdr-histogram-js': '3.0.1' },
      runtimeVersions: Object.fromEntries(runtimes.map((r) => [r.label, { engine: `${r.runtime}-fixture` }])),
      artifactDigests: {},
      kernel: '6.1.0',
      os: 'linux',
      cpuModel: 'fixture CPU',
      cores: 2,
      memoryBytes: 8 * 1024 ** 3,
      loadAverage: { atStart: [0.2, 0.2, 0.1], atEnd: [0.9, 0.5, 0.2] },
      hostname: 'fixture',
      commandLine: ['lab', 'run', 'fixture.yaml'],
    },
    tenants: tenants.map((id, i) => ({ id, workload: o.workloads[i % o.workloads.length]!, share: 1 / tenants.length })),
    runs,
  };
}

/** Options of `simulatedFixture`. */
export interface SimulatedFixtureOptions {
  /** Quote a validation (default true); false gives a simulation nobody validated yet. */
  validation?: boolean;
  /** Include a sweep of `tenants` (default true). */
  sweep?: boolean;
}

/**
 * A simulated full-host result of `live` in the shape lab/sim/from-live.ts writes: same labels,
 * kind 'simulated', with `simulation`, `density`, optional `sweep` and `validation`. Figures are
 * fixed numbers so tests can look for them.
 */
export function simulatedFixture(live: RunResult, opts: SimulatedFixtureOptions = {}): RunResult {
  const labels = [...new Set(live.runs.map((r) => r.label))];
  const runtimes = FIXTURE_RUNTIMES.filter((r) => labels.includes(r.label));
  const sim = fixtureResult({ runtimes, seed: live.repro.seed + 100, scale: Object.fromEntries(labels.map((l) => [l, 1.3])) });
  const MiB = 1024 * 1024;
  const point = (label: string, tenants: number) => {
    const i = labels.indexOf(label);
    const p99Ms = 40 + tenants * (i === 0 ? 0.2 : 0.05);
    return { tenants, rate: tenants * 0.5, p50Ms: 2 + i, p99Ms, coldStartRate: 0.05 + 0.01 * i, peakInstances: tenants, peakMemoryBytes: tenants * (i === 0 ? 38 : 3) * MiB, errors: 0, throughputRps: tenants * 0.5, sloMet: p99Ms <= 250, warmP99Ms: p99Ms / 2, coldP99Ms: p99Ms * 3, errorRate: 0, cpuUtilisation: Math.min(1, tenants / 5000), memoryBudgetBytes: 16 * 1024 * MiB, memoryEvictions: 0 };
  };
  const densityTenants: Record<string, number> = { process: 1050, wasm: 4200 };
  for (const run of sim.runs) {
    if (run.memory) run.memory.extra = { peakInstances: 400, peakMemoryBytes: 400 * run.memory.perInstanceUssBytes + run.memory.fixedOverheadBytes };
    run.artifacts = [];
    run.coldStart.activations = [];
  }
  const error = (measured: number, simulated: number) => ({ measured, simulated, absolute: simulated - measured, relative: (simulated - measured) / measured });
  return {
    ...sim,
    kind: 'simulated',
    runId: `${live.runId}-sim`,
    simulation: {
      calibrationPath: 'results/fixture/calibration.json',
      calibrationVersion: 3,
      source: { runId: live.runId, scenarioHash: live.scenario.hash, path: 'results/fixture/result.json' },
      modelled: { tenants: 2000, rate: 1000, warmupSeconds: 30, durationSeconds: 60, cores: 16, memoryBudgetBytes: 16 * 1024 * MiB },
      simulatedRequests: 90_000,
      wallSeconds: 0.4,
    },
    density: {
      sloP99Ms: 250,
      slo: 'warm p99 ≤ 50 ms and cold-start rate ≤ 5 %',
      sloForm: 'warm p99 plus a cold-start budget',
      perTenantRate: 0.5,
      runtimes: Object.fromEntries(labels.map((l) => {
        const n = densityTenants[l] ?? 1000;
        const binding = { resource: l === 'wasm' ? ('cpu' as const) : ('memory' as const), failedAt: n + 20, broken: ['warm p99 ≤ 50 ms'], detail: `at ${n + 20} tenants the SLO breaks (warm p99 ≤ 50 ms)` };
        return [l, { tenants: n, binding, point: point(l, n), probes: [200, 400, 800, n, n + 20].map((t) => point(l, t)) }];
      })),
    },
    ...(opts.sweep === false ? {} : { sweep: { parameter: 'tenants', values: [200, 800, 3200], points: [200, 800, 3200].map((value) => ({ value, runtimes: Object.fromEntries(labels.map((l) => [l, point(l, value)])) })) } }),
    ...(opts.validation === false
      ? {}
      : {
          validation: {
            path: 'results/validation/validate-sim-steady/2025-01-14T10-00-00-000Z.json',
            scenario: 'validate-sim-steady',
            at: '2025-01-14T10:00:00.000Z',
            errors: Object.fromEntries(labels.map((l, i) => [l, { p50Ms: error(10, 10.31 + i), p99Ms: error(100, 93.4 - i), coldStartRatePct: error(8.6, 8.6 + 1.25 * (i + 1)), peakMemoryBytes: error(100 * MiB, 104 * MiB) }])),
            goals: { p99Relative: 0.1, coldStartRatePoints: 2 },
            met: Object.fromEntries(labels.map((l) => [l, true])),
          },
        }),
  };
}
