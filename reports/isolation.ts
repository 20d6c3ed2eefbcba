/**
 * The isolation figures of a result: the escape-probe matrix (runtime x hostile workload x
 * probe) and the Isolation verdict drawn from it, and the blast radius of a misbehaving
 * neighbour (the neighbours' warm p99 beside it over their clean twin's, with its interval). A runtime's standing is how many probes a
 * hostile tenant got through; a tie at zero is a tie, since a denied probe shows one path closed,
 * not a sound sandbox (docs/isolation.md).
 */
import type { ProbeId } from '../lab/isolation/probes.js';
import type { LatencyBreakdown, ProbeRecord, RequestCounts, RunResult, RuntimeResult } from '../lab/results/model.js';
import { bootstrapEstimate, bootstrapRatio, missingEstimate } from '../lab/stats/bootstrap.js';
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

/** The Isolation verdict: undefined when no runtime ran the probes. */
export function isolationStanding(result: RunResult): { outcome: 'winner' | 'tie' | 'not-measured'; winner?: string; runnerUp?: string; text: string } | undefined {
  const rows = probeMatrix(result).filter((r) => r.total > 0);
  if (rows.length === 0) return undefined;
  const figures = rows.map((r) => `${r.label}: ${r.allowed} of ${r.total} probes allowed${r.inconclusive ? `, ${r.inconclusive} inconclusive` : ''}${r.error ? ' (incomplete)' : ''}`).join('; ');
  if (rows.length < 2) return { outcome: 'not-measured', text: `not compared in this run: only ${figures}` };
  const sorted = [...rows].sort((a, b) => a.allowed - b.allowed);
  const [best, second] = [sorted[0]!, sorted[1]!];
  // Inconclusive or missing probes could hide an allowed one: no winner can be named over them.
  const sure = best.inconclusive === 0 && !best.error && best.total === second.total;
  if (best.allowed < second.allowed && sure) {
    return { outcome: 'winner', winner: best.label, runnerUp: second.label, text: `${best.label} wins: a hostile tenant got fewer paths out (${figures})` };
  }
  const tied = sorted.filter((r) => r.allowed === best.allowed).map((r) => r.label);
  return { outcome: 'tie', text: `no difference between ${tied.join(', ')}${sure ? '' : ' as far as the probes that ran can tell'}: ${figures}` };
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
/** One row per runtime label whose runs carry a neighbour twin; empty when none do. */
export function blastRadius(result: RunResult, opts: BootstrapOptions): BlastRow[] {
  const labels = [...new Set(result.runs.filter((r) => r.neighbourTwin).map((r) => r.label))];
  return labels.map((label) => {
    const runs = result.runs.filter((r) => r.label === label && r.neighbourTwin);
    const ok = runs.filter((r) => r.status === 'complete' && r.neighbourTwin!.status === 'complete');
    const clean = ok.map((r) => warmP99(r.latency)).filter((s): s is Sampler => s !== null);
    const hostile = ok.map((r) => warmP99(r.neighbourTwin!.latency)).filter((s): s is Sampler => s !== null);
    const byOutcome: Record<string, number> = {};
    const sends = runs.flatMap((r) => r.neighbourTwin!.sends);
    for (const s of sends) {
      const k = s.outcome === 'contained' ? s.by.replace(/ \(.*$/, '') : s.outcome;
      byOutcome[k] = (byOutcome[k] ?? 0) + 1;
    }
    // Errors over measured requests, pooled over the repetitions that completed.
    const errorRate = (pick: (r: RuntimeResult) => RequestCounts): number => {
      let errors = 0;
      let total = 0;
      for (const r of ok) {
        const c = pick(r);
        const e = Object.values(c.errors).reduce((a, b) => a + b, 0);
        errors += e;
        total += c.completed + e;
      }
      return total > 0 ? errors / total : 0;
    };
    const stops = sends.filter((s) => s.outcome === 'contained').map((s) => s.ms).sort((a, b) => a - b);
    const n = runs[0]!.neighbourTwin!.neighbour;
    return {
      label,
      neighbour: `${n.workload} ${n.behaviour} every ${n.everySeconds} s`,
      sends: sends.length,
      byOutcome,
      stopMsP50: stops.length ? stops[Math.floor((stops.length - 1) / 2)]! : null,
      cleanP99: clean.length ? bootstrapEstimate(clean, opts, `${label}.clean.warm.p99`) : missingEstimate(opts),
      hostileP99: hostile.length ? bootstrapEstimate(hostile, opts, `${label}.neighbour.warm.p99`) : missingEstimate(opts),
      p99Ratio: clean.length && hostile.length ? bootstrapRatio(hostile, clean, opts, `${label}.blast.warm.p99`) : missingEstimate(opts),
      cleanErrorRate: errorRate((r) => r.requests),
      hostileErrorRate: errorRate((r) => r.neighbourTwin!.requests),
      failures: runs.filter((r) => r.neighbourTwin!.status !== 'complete').map((r) => `repetition ${r.repetition}: ${r.neighbourTwin!.error ?? r.neighbourTwin!.status}`),
    };
  });
}
