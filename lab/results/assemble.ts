/**
 * Builds one runtime's result from what was measured: the load generator's report, the PoP's
 * activation log and counters, and its memory report. The only place these sources meet.
 */
import type { ActivationRecord, ArtifactInfo, EngineCpuReport, MemoryReport, NotMeasured, PopStats, StallRecord } from '../pop/contract.js';
import { stallEvidence, type ColdStartSpan } from '../stats/stalls.js';
import { decodeHistogram, newHistogram, recordMs, summarise } from '../measure/histogram.js';
import type { LoadReport } from '../loadgen/protocol.js';
import type { ColdStartResult, LatencyBreakdown, PhaseSummary, RuntimeResult, TimeseriesPoint } from './model.js';

/** Exact quantile (nearest rank) of a small sample; the phase lists are short enough to sort. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Per-phase summaries, in the order phases first appear. */
export function summarisePhases(acts: ActivationRecord[]): PhaseSummary[] {
  const byName = new Map<string, number[]>();
  for (const a of acts) for (const p of a.phases) (byName.get(p.name) ?? byName.set(p.name, []).get(p.name)!).push(p.ms);
  return [...byName].map(([name, xs]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { name, count: s.length, p50Ms: round3(quantile(s, 0.5)), p99Ms: round3(quantile(s, 0.99)), meanMs: round3(s.reduce((a, b) => a + b, 0) / s.length) };
  });
}

/** Activation statistics of the measured window (request-path cold starts only). */
export function coldStartResult(all: ActivationRecord[], window: { fromEpochMs: number; toEpochMs: number }, coldRequests: number, measuredRequests: number): ColdStartResult {
  const acts = all.filter((a) => a.path === 'request' && a.startedAtMs >= window.fromEpochMs && a.startedAtMs <= window.toEpochMs);
  const warmupActivations = all.filter((a) => a.path === 'request' && a.startedAtMs < window.fromEpochMs);
  const totalOf = (xs: ActivationRecord[]) => {
    const h = newHistogram();
    for (const a of xs) if (a.ok) recordMs(h, a.totalMs);
    return summarise(h);
  };
  const strategies = [...new Set(acts.map((a) => a.strategy))].sort();
  const byStrategy: ColdStartResult['byStrategy'] = {};
  for (const s of strategies) {
    const xs = acts.filter((a) => a.strategy === s);
    byStrategy[s] = { total: totalOf(xs), phases: summarisePhases(xs.filter((a) => a.ok)) };
  }
  return {
    count: acts.length,
    rate: measuredRequests === 0 ? 0 : coldRequests / measuredRequests,
    total: totalOf(acts),
    byStrategy,
    activations: acts,
    warmupActivations,
  };
}

/** Request-path activations since the PoP launched (warm-up and measured window): the span a runner's engine CPU is reported over. */
export function requestActivationsSinceLaunch(c: ColdStartResult): number {
  return c.activations.length + (c.warmupActivations?.length ?? 0);
}

/** The activation records, each with the latency its request saw at the client when the load generator got its response. */
function withClientLatency(acts: ActivationRecord[], clientMs: Record<string, number>): ActivationRecord[] {
  return acts.map((a) => {
    const c = Object.hasOwn(clientMs, a.id) ? clientMs[a.id] : undefined;
    return c === undefined ? a : { ...a, clientMs: round3(c) };
  });
}

function breakdown(report: LoadReport): LatencyBreakdown {
  const s = (e: string) => summarise(decodeHistogram(e));
  const byWorkload: LatencyBreakdown['byWorkload'] = {};
  for (const [w, e] of Object.entries(report.byWorkload)) {
    const service = report.warmServiceByWorkload[w];
    byWorkload[w] = { all: s(e.all), warm: s(e.warm), cold: s(e.cold), ...(service !== undefined ? { warmService: s(service) } : {}) };
  }
  return { all: s(report.latency.all), warm: s(report.latency.warm), cold: s(report.latency.cold), byWorkload };
}

function timeseries(report: LoadReport, liveBySecond: Map<number, number>): TimeseriesPoint[] {
  return report.timeseries.map((p) => {
    const sum = summarise(decodeHistogram(p.hdr));
    const live = liveBySecond.get(p.second);
    return { second: p.second, sent: p.sent, completed: p.completed, errors: p.errors, cold: p.cold, p50Ms: sum.p50, p99Ms: sum.p99, ...(live === undefined ? {} : { liveInstances: live }) };
  });
}

export interface AssembleInput {
  label: string;
  runtime: string;
  repetition: number;
  startedAt: string;
  finishedAt: string;
  artifacts: ArtifactInfo[];
  /** What the launch said confines each instance. */
  isolation?: string[];
  report: LoadReport;
  activations: ActivationRecord[];
  pop: PopStats['counters'] | null;
  engine?: EngineCpuReport;
  memory: MemoryReport | null;
  /** Live instances sampled once a second, keyed by second since traffic start. */
  liveBySecond: Map<number, number>;
  /** Figures the runner cannot give (a plain endpoint), with why. */
  notMeasured?: NotMeasured[];
  /** The host's pause records over the whole run (drained once a second), when it keeps them. */
  stalls?: { thresholdMs: number; records: StallRecord[] };
  error?: string;
}

/** Cold starts on the request path, as spans a suspect second's slow requests may have waited in. */
function coldSpans(activations: ActivationRecord[]): ColdStartSpan[] {
  return activations.filter((a) => a.path === 'request').map((a) => ({ tenant: a.tenant, atEpochMs: a.startedAtMs, ms: a.totalMs }));
}

/** One runtime's `RuntimeResult`. */
export function assembleRuntimeResult(i: AssembleInput): RuntimeResult {
  const r = i.report;
  const errors = Object.values(r.counts.errors).reduce((a, b) => a + b, 0);
  const status: RuntimeResult['status'] = i.error ? 'failed' : r.interrupted ? 'interrupted' : 'complete';
  const series = timeseries(r, i.liveBySecond);
  return {
    label: i.label,
    runtime: i.runtime,
    repetition: i.repetition,
    status,
    ...(i.error ? { error: i.error } : {}),
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
    artifacts: i.artifacts,
    ...(i.isolation ? { isolation: i.isolation } : {}),
    requests: { ...r.counts, errors: r.counts.errors },
    latency: breakdown(r),
    sendLag: summarise(decodeHistogram(r.sendLag)),
    coldStart: coldStartResult(withClientLatency(i.activations, r.coldClientMs), { fromEpochMs: r.measureStartEpochMs, toEpochMs: r.endEpochMs }, r.counts.cold, r.counts.completed + errors),
    throughputRps: r.measuredSeconds > 0 ? round3(r.counts.completed / r.measuredSeconds) : 0,
    memory: i.memory,
    pop: i.pop,
    ...(i.engine ? { engine: i.engine } : {}),
    ...(i.notMeasured ? { notMeasured: i.notMeasured } : {}),
    timeseries: series,
    ...(i.stalls ? { stalls: stallEvidence(i.stalls.records, i.stalls.thresholdMs, { startEpochMs: r.startEpochMs, measureStartEpochMs: r.measureStartEpochMs, endEpochMs: r.endEpochMs, timeseries: series }, coldSpans(i.activations)) } : {}),
    errorSamples: r.errorSamples,
  };
}
