/**
 * The catalogue of metrics a result can be asked for, by name (`latency.p99`,
 * `coldStart.rate`, ...): the one list that reports, gates and docs/reports.md share, so a
 * name that is not here is an error everywhere instead of a silent pass (k6 #1526).
 * Each metric knows its dimension (for unit checks), which direction is better, and how to
 * build a sampler from one repetition of one runtime.
 */
import { requestActivationsSinceLaunch } from '../results/assemble.js';
import type { RunResult, RuntimeResult } from '../results/model.js';
import { bootstrapEstimate, bootstrapRatio } from './bootstrap.js';
import { empiricalFromHdr, empiricalFromValues } from './empirical.js';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions, type Estimate } from './estimate.js';
import { exactSampler, mapSampler, meanSampler, proportionSampler, quantileSampler, ratioSampler, type Sampler } from './sampler.js';
import { NEIGHBOUR_BEHAVIOURS } from '../scenario/types.js';
import type { RequestCounts } from '../results/model.js';

/** What a metric measures, which decides the units a gate may use with it. */
export type Dimension = 'time' | 'bytes' | 'fraction' | 'count' | 'throughput';

/** One metric of the catalogue. */
export interface MetricDef {
  /** Dotted name used in gates and reports, e.g. `coldStart.p99`. */
  name: string;
  dimension: Dimension;
  /** Which direction is an improvement (decides verdict wording and regression direction). */
  better: 'lower' | 'higher';
  /** One line for docs and error messages. */
  description: string;
  /** The sampler of one repetition, or null when that repetition did not measure it. */
  sampler(run: RuntimeResult, result: RunResult): Sampler | null;
}

const PERCENTILES: [string, number][] = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p99', 0.99],
  ['p999', 0.999],
];

function hdrQuantile(pick: (r: RuntimeResult) => { count: number; hdr: string }, q: number) {
  return (run: RuntimeResult): Sampler | null => {
    const s = pick(run);
    return s.count > 0 && s.hdr ? quantileSampler(empiricalFromHdr(s.hdr), q) : null;
  };
}

function coldStartQuantile(q: number) {
  return (run: RuntimeResult): Sampler | null => {
    const times = run.coldStart.activations.filter((a) => a.path === 'request' && a.ok).map((a) => a.totalMs);
    if (times.length > 0) return quantileSampler(empiricalFromValues(times), q);
    // Results that kept only the histogram still have the distribution.
    const t = run.coldStart.total;
    return t.count > 0 && t.hdr ? quantileSampler(empiricalFromHdr(t.hdr), q) : null;
  };
}

const errorsOf = (c: RequestCounts): number => Object.values(c.errors).reduce((a, b) => a + b, 0);
const errorCount = (run: RuntimeResult): number => errorsOf(run.requests);
const measured = (run: RuntimeResult): number => run.requests.completed + errorCount(run);

const warmP99 = (l: RuntimeResult['latency']): Sampler | null => (l.warm.count > 0 && l.warm.hdr ? quantileSampler(empiricalFromHdr(l.warm.hdr), 0.99) : null);

/** The twin of this repetition with the neighbour that behaves so (one per behaviour: a scenario rule). */
const twinOf = (run: RuntimeResult, behaviour: string) => run.neighbourTwins?.find((t) => t.neighbour.behaviour === behaviour && t.status === 'complete');

// Blast radius per misbehaviour: the neighbours' figures in the twin beside it, against the clean run it is paired with.
const blastMetrics = (): MetricDef[] =>
  NEIGHBOUR_BEHAVIOURS.flatMap((b): MetricDef[] => [
    {
      name: `blast.${b}.warmP99Ratio`,
      dimension: 'count',
      better: 'lower',
      description: `the neighbours' warm p99 beside a ${b} neighbour over their warm p99 in the clean twin of the same repetition (hostile.neighbours): its blast radius, 1 = none`,
      sampler: (run) => {
        const twin = twinOf(run, b);
        const beside = twin ? warmP99(twin.latency) : null;
        const clean = warmP99(run.latency);
        return beside && clean && run.status === 'complete' ? ratioSampler(beside, clean, 'beside / clean, both drawn per replicate') : null;
      },
    },
    {
      name: `blast.${b}.errorRate`,
      dimension: 'fraction',
      better: 'lower',
      description: `the neighbours' failed requests / measured requests beside a ${b} neighbour (its own requests are not counted)`,
      sampler: (run) => {
        const c = twinOf(run, b)?.requests;
        return c && c.completed + errorsOf(c) > 0 ? proportionSampler(errorsOf(c), c.completed + errorsOf(c)) : null;
      },
    },
  ]);

function memorySampler(run: RuntimeResult, field: 'ussBytes' | 'pssBytes' | 'rssBytes', aggregate: number | undefined): Sampler | null {
  const m = run.memory;
  if (!m) return null;
  const values = m.instances.map((i) => i[field]).filter((v) => v > 0);
  if (values.length > 0) return meanSampler(values);
  if (aggregate !== undefined && aggregate > 0) {
    // A runner that measures N instances together (a delta over N) reports one figure.
    return { ...exactSampler(aggregate, 1), caveat: 'one aggregate measurement: no per-instance spread, the interval is a point' };
  }
  return null;
}

/** Bytes of the modelled host available to instances (scenario host.memoryGiB minus the runtime's fixed overhead). */
function hostBytesFor(run: RuntimeResult, result: RunResult): number {
  return result.scenario.resolved.host.memoryGiB * 1024 ** 3 - (run.memory?.fixedOverheadBytes ?? 0);
}

function perSecondCompleted(run: RuntimeResult, result: RunResult): number[] {
  const from = result.scenario.resolved.traffic.warmupSeconds;
  const to = from + result.scenario.resolved.traffic.durationSeconds;
  return run.timeseries.filter((p) => p.second >= from && p.second < to).map((p) => p.completed);
}

function throughputSampler(run: RuntimeResult, result: RunResult): Sampler | null {
  const xs = perSecondCompleted(run, result);
  if (xs.length >= 2) return meanSampler(xs);
  return run.throughputRps > 0 ? { ...exactSampler(run.throughputRps, 1), caveat: 'no per-second series: the interval is a point' } : null;
}

const latencyMetrics = (prefix: string, what: string, pick: (r: RuntimeResult) => { count: number; hdr: string }): MetricDef[] =>
  PERCENTILES.map(([p, q]) => ({
    name: `${prefix}.${p}`,
    dimension: 'time' as const,
    better: 'lower' as const,
    description: `${p.replace('p999', 'p99.9')} of ${what}, from the intended send time (HDR histogram)`,
    sampler: hdrQuantile(pick, q),
  }));

/** Every metric, in the order docs and reports list them. */
export const METRICS: readonly MetricDef[] = [
  ...latencyMetrics('latency', 'all measured requests', (r) => r.latency.all),
  ...latencyMetrics('warmLatency', 'requests served by a warm instance', (r) => r.latency.warm),
  ...latencyMetrics('coldLatency', 'requests that caused a cold start', (r) => r.latency.cold),
  ...PERCENTILES.filter(([p]) => p !== 'p999').map(([p, q]) => ({
    name: `coldStart.${p}`,
    dimension: 'time' as const,
    better: 'lower' as const,
    description: `${p} of request-path activation time (arrival at the PoP to first byte), from the activation records`,
    sampler: coldStartQuantile(q),
  })),
  {
    name: 'coldStart.rate',
    dimension: 'fraction',
    better: 'lower',
    description: 'cold requests / measured requests',
    sampler: (run) => (measured(run) > 0 ? proportionSampler(run.requests.cold, measured(run)) : null),
  },
  {
    name: 'coldStart.engineCpu',
    dimension: 'time',
    better: 'lower',
    description: "engine CPU (dockerd, containerd, shims, runc) per request-path activation, removals included: the engine's CPU from launch to the end of traffic over the activations in that span (container runner)",
    sampler: (run) => {
      const cpu = run.engine?.cpuMs;
      if (cpu === undefined || cpu === null) return null;
      const n = requestActivationsSinceLaunch(run.coldStart);
      return n > 0 ? exactSampler(cpu / n, n) : null;
    },
  },
  {
    name: 'errors.rate',
    dimension: 'fraction',
    better: 'lower',
    description: 'failed requests / measured requests',
    sampler: (run) => (measured(run) > 0 ? proportionSampler(errorCount(run), measured(run)) : null),
  },
  {
    name: 'memory.perInstance',
    dimension: 'bytes',
    better: 'lower',
    description: 'mean USS per live instance (memory that exists because the instance exists)',
    sampler: (run) => memorySampler(run, 'ussBytes', run.memory?.perInstanceUssBytes),
  },
  {
    name: 'memory.perInstancePss',
    dimension: 'bytes',
    better: 'lower',
    description: 'mean PSS per live instance (shared pages divided among sharers)',
    sampler: (run) => memorySampler(run, 'pssBytes', run.memory?.perInstancePssBytes),
  },
  {
    name: 'memory.rssPerInstance',
    dimension: 'bytes',
    better: 'lower',
    description: 'mean RSS per live instance (counts shared pages in full: for comparison with published RSS figures only)',
    sampler: (run) => memorySampler(run, 'rssBytes', undefined),
  },
  {
    name: 'memory.density',
    dimension: 'count',
    better: 'higher',
    description: 'instances that fit the modelled host: (host.memoryGiB - fixed overhead) / memory.perInstance',
    sampler: (run, result) => {
      const s = memorySampler(run, 'ussBytes', run.memory?.perInstanceUssBytes);
      const bytes = hostBytesFor(run, result);
      return s ? mapSampler(s, (x) => Math.floor(bytes / x), 'modelled host memory / per-instance USS') : null;
    },
  },
  {
    name: 'throughput.rps',
    dimension: 'throughput',
    better: 'higher',
    description: 'completed measured requests per second (open loop: the offered rate minus losses, not capacity)',
    sampler: throughputSampler,
  },
  {
    name: 'throughput.perCore',
    dimension: 'throughput',
    better: 'higher',
    description: 'throughput.rps / cores of the measuring machine (repro.cores)',
    sampler: (run, result) => {
      const s = throughputSampler(run, result);
      const cores = result.repro.cores;
      return s && cores > 0 ? mapSampler(s, (x) => x / cores, `divided by ${cores} cores`) : null;
    },
  },
  {
    name: 'artifact.size',
    dimension: 'bytes',
    better: 'lower',
    description: 'mean size of the workload artifacts the runtime ran (image, component, bundle)',
    sampler: (run) => (run.artifacts.length > 0 ? exactSampler(run.artifacts.reduce((a, x) => a + x.sizeBytes, 0) / run.artifacts.length, run.artifacts.length) : null),
  },
  {
    name: 'isolation.probesAllowed',
    dimension: 'count',
    better: 'lower',
    description: 'escape probes a hostile tenant got through, over every hostile workload (hostile.probes; repetition 1); an inconclusive probe counts as allowed, with a caveat',
    sampler: (run) => {
      const p = run.probes;
      if (!p || p.error || p.results.length === 0) return null;
      const allowed = p.results.filter((r) => r.outcome === 'allowed').length;
      const unsure = p.results.filter((r) => r.outcome === 'inconclusive').length;
      const s = exactSampler(allowed + unsure, p.results.length);
      return unsure > 0 ? { ...s, caveat: `${unsure} inconclusive probe${unsure === 1 ? '' : 's'} counted as allowed` } : s;
    },
  },
  ...blastMetrics(),
  ...PERCENTILES.filter(([p]) => p === 'p99' || p === 'p50').map(([p, q]) => ({
    name: `sendLag.${p}`,
    dimension: 'time' as const,
    better: 'lower' as const,
    description: `${p} of how late the load generator sent requests (its own health, not the runtime's)`,
    sampler: hdrQuantile((r) => r.sendLag, q),
  })),
];

/** Every metric name, for error messages and docs. */
export function metricNames(): string[] {
  return METRICS.map((m) => m.name);
}

/** The metric of that name, or undefined. */
export function findMetric(name: string): MetricDef | undefined {
  return METRICS.find((m) => m.name === name);
}

/** Runtime labels a result knows: the scenario's, then any others that ran. */
export function resultLabels(result: RunResult): string[] {
  return [...new Set([...result.scenario.resolved.runtimes.map((r) => r.label), ...result.runs.map((r) => r.label)])];
}

/** Repetitions of a label that produced data (a failed repetition measured nothing usable). */
export function usableRuns(result: RunResult, label: string): RuntimeResult[] {
  return result.runs.filter((r) => r.label === label && r.status !== 'failed');
}

/** The samplers of a metric for a label, one per usable repetition. */
export function metricSamplers(result: RunResult, label: string, metric: MetricDef): Sampler[] {
  return usableRuns(result, label)
    .map((run) => metric.sampler(run, result))
    .filter((s): s is Sampler => s !== null);
}

/** Options seeded from the run's own seed, so a report of the same result is identical every time. */
export function optionsFor(result: RunResult, overrides: Partial<BootstrapOptions> = {}): BootstrapOptions {
  return { seed: result.repro.seed, ...DEFAULT_BOOTSTRAP, ...overrides };
}

/** A label's figure for a metric, with n and interval (NaN value and null interval when not measured). */
export function estimateMetric(result: RunResult, label: string, metric: MetricDef, opts = optionsFor(result)): Estimate {
  return bootstrapEstimate(metricSamplers(result, label, metric), opts, `${label}.${metric.name}`);
}

/** The ratio of two labels' figures (a / b) with its interval. */
export function estimateRatio(result: RunResult, a: string, b: string, metric: MetricDef, opts = optionsFor(result)): Estimate {
  return bootstrapRatio(metricSamplers(result, a, metric), metricSamplers(result, b, metric), opts, `${a}/${b}.${metric.name}`);
}
