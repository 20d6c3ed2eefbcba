/**
 * The isolation figures of a result: the escape-probe matrix (runtime x hostile workload x
 * probe) and the Isolation verdict drawn from it, and the blast radius of a misbehaving
 * neighbour (the neighbours' warm p99 beside it over their clean twin's, with its interval). A
 * runtime's standing (reports/criteria.ts) is how many probes a hostile tenant got through; a tie
 * at zero is a tie, since a denied probe shows one path closed, not a sound sandbox
 * (docs/isolation.md).
 */
import type { ProbeId } from '../lab/isolation/probes.js';
import { describeNeighbour } from '../lab/isolation/containment.js';
import type { LatencyBreakdown, NeighbourTwin, ProbeRecord, RequestCounts, RunResult, RuntimeResult } from '../lab/results/model.js';
import { bootstrapEstimate, missingEstimate } from '../lab/stats/bootstrap.js';
import { estimateMetric, findMetric } from '../lab/stats/metrics.js';
import { empiricalFromHdr } from '../lab/stats/empirical.js';
import type { BootstrapOptions, Estimate } from '../lab/stats/estimate.js';
import { quantileSampler, type Sampler } from '../lab/stats/sampler.js';

/** One runtime's probes, as the first repetition recorded them. */
export interface ProbeRow {
  label: string;
  /** workload -> probe -> record. */
  byWorkload: Record<string, Partial<Record<ProbeId, ProbeRecord>>>;
  allowed: number;
  inconclusive: number;
  total: number;
  error?: string;
}

/** The probe matrix, one row per runtime label that ran the probes; empty when none did. */
export function probeMatrix(result: RunResult): ProbeRow[] {
  return result.runs
    .filter((r) => r.repetition === 1 && r.probes)
    .map((r) => {
      const byWorkload: ProbeRow['byWorkload'] = {};
      for (const rec of r.probes!.results) (byWorkload[rec.workload] ??= {})[rec.probe] = rec;
      const results = r.probes!.results;
      return {
        label: r.label,
        byWorkload,
        allowed: results.filter((x) => x.outcome === 'allowed').length,
        inconclusive: results.filter((x) => x.outcome === 'inconclusive').length,
        total: results.length,
        ...(r.probes!.error ? { error: r.probes!.error } : {}),
      };
    });
}

/** The misbehaving neighbour's effect on one runtime's tenants, against the clean twins of the same repetitions. */
export interface BlastRow {
  label: string;
  neighbour: string;
  /** Misbehaving requests, and how many each mechanism stopped (`not contained`, `unknown` too). */
  sends: number;
  byOutcome: Record<string, number>;
  /** Median time from a contained request to its stop, ms (null: none was contained). */
  stopMsP50: number | null;
  cleanP99: Estimate;
  hostileP99: Estimate;
  /** hostile / clean warm p99 of the neighbours: the blast radius. */
  p99Ratio: Estimate;
  cleanErrorRate: number;
  hostileErrorRate: number;
  /** Twins that failed, with why. */
  failures: string[];
}

const warmP99 = (l: LatencyBreakdown): Sampler | null => (l.warm.count > 0 && l.warm.hdr ? quantileSampler(empiricalFromHdr(l.warm.hdr), 0.99) : null);
/** One row per runtime label and misbehaving neighbour (by behaviour, in the scenario's order); empty when no run carries a twin. */
export function blastRadius(result: RunResult, opts: BootstrapOptions): BlastRow[] {
  const labels = [...new Set(result.runs.filter((r) => r.neighbourTwins?.length).map((r) => r.label))];
  return labels.flatMap((label) => {
    const runs = result.runs.filter((r) => r.label === label);
    const behaviours = [...new Set(runs.flatMap((r) => (r.neighbourTwins ?? []).map((t) => t.neighbour.behaviour)))];
    return behaviours.map((b) => blastRow(result, label, b, runs.flatMap((run) => (run.neighbourTwins ?? []).filter((t) => t.neighbour.behaviour === b).map((twin) => ({ run, twin }))), opts));
  });
}

// Errors over measured requests, pooled over the repetitions that completed.
function errorRate(counts: RequestCounts[]): number {
  let errors = 0;
  let total = 0;
  for (const c of counts) {
    const e = Object.values(c.errors).reduce((a, b) => a + b, 0);
    errors += e;
    total += c.completed + e;
  }
  return total > 0 ? errors / total : 0;
}

/** One runtime beside one neighbour: its twins against the clean runs of the same repetitions. */
function blastRow(result: RunResult, label: string, behaviour: string, pairs: { run: RuntimeResult; twin: NeighbourTwin }[], opts: BootstrapOptions): BlastRow {
  const ok = pairs.filter((p) => p.run.status === 'complete' && p.twin.status === 'complete');
  const clean = ok.map((p) => warmP99(p.run.latency)).filter((s): s is Sampler => s !== null);
  const hostile = ok.map((p) => warmP99(p.twin.latency)).filter((s): s is Sampler => s !== null);
  const byOutcome: Record<string, number> = {};
  const sends = pairs.flatMap((p) => p.twin.sends);
  for (const s of sends) {
    const k = s.outcome === 'contained' ? s.by.replace(/ \(.*$/, '') : s.outcome;
    byOutcome[k] = (byOutcome[k] ?? 0) + 1;
  }
  const stops = sends.filter((s) => s.outcome === 'contained').map((s) => s.ms).sort((a, b) => a - b);
  const neighbour = describeNeighbour(pairs[0]!.twin.neighbour);
  const key = `${label}.${behaviour}`;
  return {
    label,
    neighbour,
    sends: sends.length,
    byOutcome,
    stopMsP50: stops.length ? stops[Math.floor((stops.length - 1) / 2)]! : null,
    cleanP99: clean.length ? bootstrapEstimate(clean, opts, `${key}.clean.warm.p99`) : missingEstimate(opts),
    hostileP99: hostile.length ? bootstrapEstimate(hostile, opts, `${key}.neighbour.warm.p99`) : missingEstimate(opts),
    // The gates' figure (lab/stats/metrics.ts), so the report and `lab gate` agree.
    p99Ratio: estimateMetric(result, label, findMetric(`blast.${behaviour}.warmP99Ratio`)!, opts),
    cleanErrorRate: errorRate(ok.map((p) => p.run.requests)),
    hostileErrorRate: errorRate(ok.map((p) => p.twin.requests)),
    failures: pairs.filter((p) => p.twin.status !== 'complete').map((p) => `repetition ${p.run.repetition}: ${p.twin.error ?? p.twin.status}`),
  };
}
