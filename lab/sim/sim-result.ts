/**
 * Turns what a simulation measured into the results model's `RuntimeResult`, the same shape a
 * live run produces, so reports, CSV and gates read simulated results unchanged. Figures a
 * simulation cannot have (send lag, artifacts, individual activation records) are empty, and
 * the memory report says it is simulated.
 */
import { mergeInto, newHistogram, summarise } from '../measure/histogram.js';
import type { ColdStartResult, LatencyBreakdown, RuntimeResult, SimulatedPoint } from '../results/model.js';
import type { RuntimeCalibration } from './calibration.js';
import type { HostModel } from './host-model.js';
import type { SimOutcome } from './host-sim.js';
import type { SloSpec } from '../scenario/types.js';
import { FastHistogram } from './fast-histogram.js';
import { brokenObjectives, sloObjectives } from './slo.js';

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function latencyBreakdown(o: SimOutcome, model: HostModel): LatencyBreakdown {
  const all = newHistogram();
  const warm = newHistogram();
  const cold = newHistogram();
  const byWorkload: LatencyBreakdown['byWorkload'] = {};
  model.workloads.forEach((w, i) => {
    const f = o.latency[i]!;
    const h = { warm: f.warm.toHdr(), cold: f.cold.toHdr() };
    const wAll = newHistogram();
    mergeInto(wAll, h.warm);
    mergeInto(wAll, h.cold);
    mergeInto(all, wAll);
    mergeInto(warm, h.warm);
    mergeInto(cold, h.cold);
    byWorkload[w.name] = { all: summarise(wAll), warm: summarise(h.warm), cold: summarise(h.cold) };
  });
  return { all: summarise(all), warm: summarise(warm), cold: summarise(cold), byWorkload };
}

function coldStart(o: SimOutcome, model: HostModel, latency: LatencyBreakdown): ColdStartResult {
  const byStrategy: ColdStartResult['byStrategy'] = {};
  model.strategies.forEach((st, si) => {
    if ((o.activationsByStrategy[si] ?? 0) === 0) return;
    const total = newHistogram();
    model.workloads.forEach((_, wi) => o.latency[wi]!.cold.addTo(total));
    const phases = model.phaseKeys
      .map((k, i) => ({ k, h: o.phases[i]! }))
      .filter(({ k, h }) => k.strategy === st && h.total > 0)
      .map(({ k, h }) => {
        const hdr = h.toHdr();
        return { name: k.phase, count: h.total, p50Ms: round3(hdr.getValueAtPercentile(50) / 1000), p99Ms: round3(hdr.getValueAtPercentile(99) / 1000), meanMs: round3(hdr.mean / 1000) };
      });
    // One strategy per runtime is the common case; with several, the total is shared (the loop does not split cold latency by strategy).
    byStrategy[st] = { total: model.strategies.length === 1 ? latency.cold : summarise(total), phases };
  });
  return {
    count: o.cold,
    rate: o.measured === 0 ? 0 : o.cold / o.measured,
    total: latency.cold,
    byStrategy,
    // Millions of simulated activations are summarised, not listed.
    activations: [],
  };
}

/** Errors as a share of measured requests. */
export function errorCount(o: SimOutcome): number {
  return Object.values(o.errors).reduce((a, b) => a + b, 0);
}

/**
 * The p99 a tenant population experiences, counting errors as slower than any answer: the
 * completed requests' percentile at 99 % of *all* measured requests. Infinity when more than
 * 1 % failed.
 */
export function effectiveP99Ms(o: SimOutcome, all: ReturnType<typeof newHistogram>): number {
  if (o.measured === 0) return 0;
  if (o.completed === 0) return Infinity;
  const pct = (99 * o.measured) / o.completed;
  if (pct > 100) return Infinity;
  return Math.round(all.getValueAtPercentile(pct)) / 1000;
}

/** Inputs of a simulated `RuntimeResult`. */
export interface SimResultInput {
  /** 1-based; several repetitions of one target are several runs of the label. Default 1. */
  repetition?: number;
  label: string;
  runtime: string;
  outcome: SimOutcome;
  model: HostModel;
  calibration: RuntimeCalibration;
  startedAt: string;
  finishedAt: string;
  slo: SloSpec;
  tenants: number;
  rate: number;
  /** Memory the instances may use (the policy's budget), bytes. */
  memoryBudgetBytes: number;
}

/** The simulated `RuntimeResult` and the compact point the sweep and density search keep. */
export function simulatedRuntimeResult(i: SimResultInput): { result: RuntimeResult; point: SimulatedPoint } {
  const o = i.outcome;
  const latency = latencyBreakdown(o, i.model);
  const errors = errorCount(o);
  const fixed = i.calibration.fixedOverheadBytes;
  const peakMemoryBytes = o.peakInstanceBytes + fixed;
  const throughputRps = o.measuredSeconds > 0 ? round3(o.completed / o.measuredSeconds) : 0;
  const all = newHistogram();
  for (const h of o.latency) {
    h.warm.addTo(all);
    h.cold.addTo(all);
  }
  const p99 = effectiveP99Ms(o, all);
  const result: RuntimeResult = {
    label: i.label,
    runtime: i.runtime,
    repetition: i.repetition ?? 1,
    status: 'complete',
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
    artifacts: [],
    requests: { planned: o.planned, completed: o.completed, late: 0, warmup: o.warmup, cold: o.cold, warm: o.warm, spare: 0, forcedCold: o.forcedCold, errors: { ...o.errors }, notSent: 0 },
    latency,
    sendLag: summarise(newHistogram()),
    coldStart: coldStart(o, i.model, latency),
    throughputRps,
    memory: {
      runtime: i.runtime,
      method: `simulated: peak live instances x calibrated per-instance USS (per workload) + fixed overhead, from ${i.calibration.memoryMethod || 'the calibration'}`,
      instances: [],
      perInstanceUssBytes: i.calibration.perInstanceBytes,
      perInstancePssBytes: 0,
      fixedOverheadBytes: fixed,
      extra: { peakInstances: o.peakInstances, peakInstanceBytes: o.peakInstanceBytes, peakMemoryBytes },
    },
    pop: { requests: o.planned, cold: o.cold, warm: o.warm, spare: 0, errors, evictions: Object.values(o.evictionsBy).reduce((a, b) => a + b, 0), evictionsBy: { ...o.evictionsBy } },
    timeseries: o.timeseries,
    errorSamples: Object.keys(o.errors).map((kind) => ({ kind, tenant: '(simulated)', message: `${o.errors[kind]} simulated requests ended as ${kind}` })),
  };
  const point: SimulatedPoint = {
    tenants: i.tenants,
    rate: round3(i.rate),
    p50Ms: latency.all.p50,
    p99Ms: p99 === Infinity ? -1 : p99,
    coldStartRate: result.coldStart.rate,
    peakInstances: o.peakInstances,
    peakMemoryBytes,
    errors,
    throughputRps,
    sloMet: false,
    warmP99Ms: latency.warm.p99,
    coldP99Ms: latency.cold.p99,
    errorRate: o.measured === 0 ? 0 : errors / o.measured,
    cpuUtilisation: round3(o.cpuUtilisation),
    memoryBudgetBytes: i.memoryBudgetBytes,
    memoryEvictions: o.evictionsBy['memory'] ?? 0,
  };
  point.sloMet = brokenObjectives(point, sloObjectives(i.slo)).length === 0;
  return { result, point };
}

/** The all / warm / cold latency of a simulation's measured requests, merged over workloads, in the loop's own histograms. */
export interface FastLatency {
  all: FastHistogram;
  warm: FastHistogram;
  cold: FastHistogram;
}

/**
 * The compact point of a simulation straight from the loop's histograms, without building the
 * results model's HDR summaries (which cost more than a small simulation itself): the same
 * figures `simulatedRuntimeResult` puts in its point (FastHistogram.hdrPercentileMs gives HDR's
 * percentiles exactly), and the merged histograms. The fleet search (lab/fleet/hosts.ts) runs
 * thousands of probes and needs only these.
 */
export function simulatedPointFast(i: Omit<SimResultInput, 'repetition' | 'label' | 'runtime' | 'startedAt' | 'finishedAt' | 'model'>): { point: SimulatedPoint; latency: FastLatency } {
  const o = i.outcome;
  const latency: FastLatency = { all: new FastHistogram(), warm: new FastHistogram(), cold: new FastHistogram() };
  for (const h of o.latency) {
    latency.warm.addFrom(h.warm);
    latency.cold.addFrom(h.cold);
  }
  latency.all.addFrom(latency.warm);
  latency.all.addFrom(latency.cold);
  const errors = errorCount(o);
  let p99: number;
  if (o.measured === 0) p99 = 0;
  else if (o.completed === 0) p99 = -1;
  else {
    const pct = (99 * o.measured) / o.completed;
    p99 = pct > 100 ? -1 : latency.all.hdrPercentileMs(pct);
  }
  const point: SimulatedPoint = {
    tenants: i.tenants,
    rate: round3(i.rate),
    p50Ms: latency.all.hdrPercentileMs(50),
    p99Ms: p99,
    coldStartRate: o.measured === 0 ? 0 : o.cold / o.measured,
    peakInstances: o.peakInstances,
    peakMemoryBytes: o.peakInstanceBytes + i.calibration.fixedOverheadBytes,
    errors,
    throughputRps: o.measuredSeconds > 0 ? round3(o.completed / o.measuredSeconds) : 0,
    sloMet: false,
    warmP99Ms: latency.warm.hdrPercentileMs(99),
    coldP99Ms: latency.cold.hdrPercentileMs(99),
    errorRate: o.measured === 0 ? 0 : errors / o.measured,
    cpuUtilisation: round3(o.cpuUtilisation),
    memoryBudgetBytes: i.memoryBudgetBytes,
    memoryEvictions: o.evictionsBy['memory'] ?? 0,
  };
  point.sloMet = brokenObjectives(point, sloObjectives(i.slo)).length === 0;
  return { point, latency };
}
