/**
 * The decision matrix and the claimed figures of notes/field-claims.md (shared folder), as
 * data, and their evaluation against a run: each claim is confirmed (the whole interval lies in
 * the claimed range), refuted (the whole interval lies outside), inconclusive (it straddles), or
 * not testable in this scenario (no runtime of that family, or the figure was not measured).
 * A vague claim ("about 0.5 ms") is turned into an explicit range, shown next to it, so the
 * reader can judge the reading as well as the verdict.
 */
import type { RunResult } from '../lab/results/model.js';
import type { BootstrapOptions, Estimate } from '../lab/stats/estimate.js';
import { formatEstimateShort, formatRatio } from '../lab/stats/format.js';
import { estimateMetric, estimateRatio, findMetric, resultLabels, usableRuns } from '../lab/stats/metrics.js';
import { runtimeFamily, type Family } from './family.js';

const MiB = 1024 ** 2;
const MB = 1e6;

/** A claimed range for one family's figure. */
export interface RangeClaim {
  kind: 'range';
  id: string;
  /** The claim as the notes state it. */
  claim: string;
  families: Family[];
  metric: string;
  /** Claimed range in the metric's base unit; `hi` may be Infinity. */
  lo: number;
  hi: number;
  /** The range as read from the claim, in words. */
  reading: string;
}

/** A claimed ratio between two families' figures (`a / b` above `atLeast`). */
export interface RatioClaim {
  kind: 'ratio';
  id: string;
  claim: string;
  a: Family[];
  b: Family[];
  metric: string;
  atLeast: number;
  reading: string;
}

/** A claim this lab's runs cannot test in general, or not without a scenario feature. */
export interface UntestableClaim {
  kind: 'untestable';
  id: string;
  claim: string;
  why: (result: RunResult) => string;
}

export type Claim = RangeClaim | RatioClaim | UntestableClaim;

/** The claimed figures of notes/field-claims.md, "Claimed figures to test" and "Measured anchors". */
export const CLAIMS: readonly Claim[] = [
  { kind: 'range', id: 'wasm-cold', claim: 'Wasm cold start about 0.5 ms (Spin on Kubernetes, vendor demo)', families: ['wasm'], metric: 'coldStart.p50', lo: 0.25, hi: 1, reading: 'p50 within a factor of 2 of 0.5 ms: 0.25 to 1 ms' },
  { kind: 'range', id: 'wasm-cold-matrix', claim: 'Wasm cold start at the edge, image cached: sub-ms to low ms', families: ['wasm'], metric: 'coldStart.p50', lo: 0, hi: 10, reading: 'p50 below 10 ms' },
  { kind: 'range', id: 'container-cold', claim: 'Containers cold start 100 ms to seconds', families: ['container'], metric: 'coldStart.p50', lo: 100, hi: 10_000, reading: 'p50 from 100 ms to 10 s' },
  { kind: 'range', id: 'docker-run', claim: '`docker run` 0.3-0.5 s typical', families: ['container'], metric: 'coldStart.p50', lo: 300, hi: 500, reading: 'p50 from 300 to 500 ms' },
  { kind: 'range', id: 'runtime-init', claim: 'Language runtime init tens of ms (Node.js)', families: ['process'], metric: 'coldStart.p50', lo: 10, hi: 100, reading: 'p50 from 10 to 100 ms' },
  { kind: 'range', id: 'container-mem', claim: 'Memory per instance: container 50-150 MB for a small HTTP function', families: ['container'], metric: 'memory.perInstance', lo: 50 * MB, hi: 150 * MB, reading: 'mean USS per instance 50 to 150 MB' },
  { kind: 'range', id: 'wasm-mem', claim: 'Memory per instance: single-digit MB for Wasm', families: ['wasm'], metric: 'memory.perInstance', lo: 0, hi: 10 * MB, reading: 'mean USS per instance below 10 MB' },
  { kind: 'range', id: 'node-rss', claim: 'Node.js HTTP server 35-60 MB RSS', families: ['process'], metric: 'memory.rssPerInstance', lo: 35 * MiB, hi: 60 * MiB, reading: 'mean RSS per instance 35 to 60 MiB' },
  { kind: 'range', id: 'image-size', claim: 'Container images hundreds of MB', families: ['container'], metric: 'artifact.size', lo: 100 * MB, hi: 1000 * MB, reading: 'mean artifact 100 MB to 1 GB' },
  { kind: 'range', id: 'wasm-size', claim: 'A ~1 MB Wasm binary (Rust)', families: ['wasm'], metric: 'artifact.size', lo: 0.5 * MB, hi: 2 * MB, reading: 'mean artifact 0.5 to 2 MB (the claim is for Rust; JS components embed an engine)' },
  { kind: 'ratio', id: 'cold-ratio', claim: 'Cold start: containers tens to hundreds of ms vs Wasm sub-ms to low ms', a: ['container', 'process'], b: ['wasm'], metric: 'coldStart.p50', atLeast: 10, reading: 'non-Wasm p50 at least 10× the Wasm p50' },
  { kind: 'ratio', id: 'density', claim: 'Instance density: higher for Wasm (no per-instance language runtime)', a: ['wasm'], b: ['container', 'process'], metric: 'memory.density', atLeast: 1, reading: 'Wasm instances per modelled host above the non-Wasm figure' },
  { kind: 'ratio', id: 'cold-dominates-p99', claim: 'Container cold starts dominate p99 where cache-miss rates are high', a: ['container', 'process'], b: ['container', 'process'], metric: 'latency.p99', atLeast: 2, reading: 'p99 of all requests at least 2× the p99 of warm requests (same runtime)' },
  {
    kind: 'untestable',
    id: 'artifact-miss',
    claim: 'Artifact size matters on a miss: a 5 MB module over a slow link costs 100-200 ms',
    why: (r) => (r.scenario.resolved.cache.artifactMissRate > 0 ? 'the result has no separate artifact-fetch phase to compare' : 'this scenario has cache.artifactMissRate = 0 (no artifact fetches)'),
  },
  { kind: 'untestable', id: 'pooling', claim: 'Wasmtime pooling allocator + CoW memory image: instantiation ~5 µs; `wasmtime serve` ~40k req/s on 16 vCPU', why: () => 'needs a saturating capacity run (lab bench saturate), not an open-loop scenario' },
];

/** Verdict of a claim for this run. */
export type ClaimStatus = 'confirmed' | 'refuted' | 'inconclusive' | 'not testable';

/** One row of the claims table. */
export interface ClaimRow {
  claim: Claim;
  /** Which runtime(s) the row is about. */
  subject: string;
  measured: string;
  status: ClaimStatus;
  why: string;
}

const labelsOf = (result: RunResult, families: Family[]): string[] =>
  resultLabels(result).filter((l) => {
    const run = usableRuns(result, l)[0];
    return run !== undefined && families.includes(runtimeFamily(run.runtime));
  });

function statusOf(lo: number, hi: number, claimLo: number, claimHi: number): ClaimStatus {
  if (lo >= claimLo && hi <= claimHi) return 'confirmed';
  if (hi < claimLo || lo > claimHi) return 'refuted';
  return 'inconclusive';
}

const measuredOk = (e: Estimate): e is Estimate & { lo: number; hi: number } => Number.isFinite(e.value) && e.lo !== null && e.hi !== null;

/** Evaluates every claim against the run; one row per claim and runtime it applies to. */
export function evaluateClaims(result: RunResult, opts: BootstrapOptions, estimate = (l: string, m: string) => estimateMetric(result, l, findMetric(m)!, opts)): ClaimRow[] {
  const rows: ClaimRow[] = [];
  for (const c of CLAIMS) {
    if (c.kind === 'untestable') {
      rows.push({ claim: c, subject: '-', measured: '-', status: 'not testable', why: c.why(result) });
      continue;
    }
    const metric = findMetric(c.metric)!;
    if (c.kind === 'range') {
      const labels = labelsOf(result, c.families);
      if (labels.length === 0) rows.push({ claim: c, subject: c.families.join('/'), measured: '-', status: 'not testable', why: `no ${c.families.join(' or ')} runtime in this run` });
      for (const l of labels) {
        const e = estimate(l, c.metric);
        if (!measuredOk(e)) rows.push({ claim: c, subject: l, measured: 'not measured', status: 'not testable', why: `${l} did not measure ${metric.name}` });
        else rows.push({ claim: c, subject: l, measured: formatEstimateShort(e, metric.dimension), status: statusOf(e.lo, e.hi, c.lo, c.hi), why: c.reading });
      }
      continue;
    }
    const as = labelsOf(result, c.a);
    const bs = labelsOf(result, c.b);
    const sameRuntime = c.id === 'cold-dominates-p99';
    const pairs = sameRuntime ? as.map((l) => [l, l] as const) : as.flatMap((a) => bs.filter((b) => b !== a).map((b) => [a, b] as const));
    if (pairs.length === 0) {
      rows.push({ claim: c, subject: '-', measured: '-', status: 'not testable', why: `needs ${c.a.join('/')}${sameRuntime ? '' : ` and ${c.b.join('/')}`} runtimes in one run` });
      continue;
    }
    for (const [a, b] of pairs) {
      const e = sameRuntime
        ? ratioOfMetrics(result, a, 'latency.p99', 'warmLatency.p99', opts)
        : estimateRatio(result, a, b, metric, opts);
      if (!measuredOk(e)) rows.push({ claim: c, subject: sameRuntime ? a : `${a} / ${b}`, measured: 'not measured', status: 'not testable', why: 'a side was not measured' });
      else rows.push({ claim: c, subject: sameRuntime ? `${a}: all / warm` : `${a} / ${b}`, measured: formatRatio(e), status: statusOf(e.lo, e.hi, c.atLeast, Infinity), why: c.reading });
    }
  }
  return rows;
}

/** Ratio of two metrics of the same label (e.g. p99 of all requests / p99 of warm ones). */
function ratioOfMetrics(result: RunResult, label: string, num: string, den: string, opts: BootstrapOptions): Estimate {
  // Resample both scopes independently: they share requests, so the interval is conservative.
  const a = estimateMetric(result, label, findMetric(num)!, opts);
  const b = estimateMetric(result, label, findMetric(den)!, opts);
  if (!measuredOk(a) || !measuredOk(b)) return { ...a, value: NaN, lo: null, hi: null };
  return { ...a, value: a.value / b.value, lo: a.lo / b.hi, hi: a.hi / b.lo, method: 'ratio of the interval ends (conservative)' };
}

/** One row of the decision matrix of notes/field-claims.md. */
export interface MatrixRow {
  criterion: string;
  containers: string;
  wasm: string;
  weight: string;
  /** The metric that measures it in this lab, if any. */
  metric?: string;
  /** Claim ids that test this row. */
  claims: string[];
  /** Why the lab cannot measure it, when it cannot. */
  untestable?: string;
}

/** The decision matrix as the notes state it. */
export const DECISION_MATRIX: readonly MatrixRow[] = [
  { criterion: 'cold-start latency at the edge, image cached', containers: 'tens to hundreds of ms', wasm: 'sub-ms to low ms', weight: 'high', metric: 'coldStart.p50', claims: ['wasm-cold-matrix', 'container-cold', 'runtime-init', 'cold-ratio'] },
  { criterion: 'isolation strength, multi-tenant', containers: 'namespaces, kernel-dependent', wasm: 'linear memory + capabilities', weight: 'high', claims: [], untestable: 'the escape probes measure paths a hostile tenant got through (the Isolation verdict and the probe matrix), not the strength of a sandbox; a design property beyond them' },
  { criterion: 'instance density per host', containers: 'lower: a language runtime per instance', wasm: 'higher: no per-instance runtime', weight: 'high', metric: 'memory.density', claims: ['density', 'container-mem', 'wasm-mem'] },
  { criterion: 'language coverage', containers: 'universal', wasm: 'wide but uneven (Rust, Go, C strong; JS via an embedded engine)', weight: 'medium', claims: [], untestable: 'not testable by a run' },
  { criterion: 'threads / POSIX', containers: 'full', wasm: 'limited', weight: 'medium', claims: [], untestable: 'not testable by a run' },
  { criterion: 'operational tooling maturity', containers: 'excellent', wasm: 'developing', weight: 'medium', claims: [], untestable: 'not testable by a run' },
  { criterion: 'portability across architectures', containers: 'multi-arch manifests', wasm: 'one binary', weight: 'low', claims: [], untestable: 'not testable by a run on one architecture (artifact sizes are under the verdict and the claimed figures)' },
  { criterion: 'long-running stateful work', containers: 'excellent', wasm: 'poor (short-lived by design)', weight: 'low for edge', claims: [], untestable: 'not testable by an edge-function scenario' },
];
