/**
 * The isolation figures of a result: the escape-probe matrix (runtime x hostile workload x
 * probe) and the Isolation verdict drawn from it. A runtime's standing is how many probes a
 * hostile tenant got through; a tie at zero is a tie, since a denied probe shows one path closed,
 * not a sound sandbox (docs/isolation.md).
 */
import type { ProbeId } from '../lab/isolation/probes.js';
import type { ProbeRecord, RunResult } from '../lab/results/model.js';

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
