/**
 * The fairness record: the conditions that must hold for a comparison between runtimes to mean
 * anything (same workload source, same network path, same pre-warm budget, load generator in
 * its own process and keeping up, machine not overloaded), each checked from the result.
 */
import type { RunResult } from '../lab/results/model.js';
import { formatValue, sig3 } from '../lab/stats/format.js';

/** One check: `ok`, `check` (look at it: it may bias the comparison), or `by design` (not recorded, holds by construction). */
export interface FairnessItem {
  check: string;
  status: 'ok' | 'check' | 'by design' | 'unknown';
  detail: string;
}

/** Share of late sends above which the generator is said not to have kept up (documented in docs/reports.md). */
export const LATE_SHARE_LIMIT = 0.01;

/** The fairness record of a result. */
export function fairnessRecord(r: RunResult): FairnessItem[] {
  const items: FairnessItem[] = [];
  const runs = r.runs.filter((x) => x.status !== 'failed');

  // Same workload source digest on every side.
  const byWorkload = new Map<string, Map<string, string[]>>();
  for (const run of runs)
    for (const a of run.artifacts) {
      const m = byWorkload.get(a.workload) ?? byWorkload.set(a.workload, new Map()).get(a.workload)!;
      m.set(a.sourceDigest, [...new Set([...(m.get(a.sourceDigest) ?? []), run.label])]);
    }
  if (byWorkload.size === 0) items.push({ check: 'same workload source on every side', status: 'unknown', detail: 'no artifacts recorded' });
  else {
    const differing = [...byWorkload].filter(([, m]) => m.size > 1);
    items.push({
      check: 'same workload source on every side',
      status: differing.length === 0 ? 'ok' : 'check',
      detail:
        differing.length === 0
          ? [...byWorkload].map(([w, m]) => `${w}: ${[...m.keys()][0]!.slice(0, 19)}… (${[...m.values()][0]!.join(', ')})`).join('; ')
          : differing.map(([w, m]) => `${w}: ${[...m].map(([d, ls]) => `${ls.join(', ')} ran ${d.slice(0, 19)}…`).join(' vs ')}`).join('; '),
    });
  }

  items.push({ check: 'same network path', status: 'by design', detail: 'every runner serves the same PoP protocol on 127.0.0.1 and the same load generator drives it (lab/pop/contract.ts); the path is not recorded per run' });

  const warm = [...new Set(runs.map((x) => x.requests.warmup))];
  items.push({
    check: 'same pre-warm budget',
    status: warm.length <= 1 ? 'ok' : 'check',
    detail: `${r.scenario.resolved.traffic.warmupSeconds} s of warm-up traffic for every runtime; warm-up requests sent: ${runs.map((x) => `${x.label}#${x.repetition} ${x.requests.warmup}`).join(', ') || 'none'}`,
  });

  // The lab's own bookkeeping on the hosts' threads during the measured window (kit/stalls.ts).
  const recorded = runs.filter((x) => x.stalls);
  const probes = recorded.filter((x) => (x.stalls!.byCause['lab-memory-probe']?.count ?? 0) > 0);
  items.push({
    check: "no lab bookkeeping on the hosts' threads in the measured window",
    status: recorded.length === 0 ? 'unknown' : probes.length === 0 ? 'ok' : 'check',
    detail:
      recorded.length === 0
        ? 'no host of this run keeps a stall record'
        : `${recorded.map((x) => `${x.label}#${x.repetition}: ${x.stalls!.bookkeeping.count} segments, ${sig3(x.stalls!.bookkeeping.ms)} ms in all, longest ${sig3(x.stalls!.bookkeeping.maxMs)} ms`).join('; ')}` +
          (probes.length ? `; memory probes ran in the window on ${probes.map((x) => `${x.label}#${x.repetition}`).join(', ')}` : '; stats drains only, no memory probe') +
          (runs.length > recorded.length ? `; not recorded by ${[...new Set(runs.filter((x) => !x.stalls).map((x) => x.label))].join(', ')}` : ''),
  });

  const lateShare = runs.map((x) => ({ run: x, share: x.requests.planned > 0 ? x.requests.late / x.requests.planned : 0 }));
  const behind = lateShare.filter((x) => x.share > LATE_SHARE_LIMIT);
  items.push({
    check: 'load generator in its own process, keeping up',
    status: behind.length === 0 ? 'ok' : 'check',
    detail: `${r.repro.loadGenerator ? `${r.repro.loadGenerator.engine}, a process of its own, sends on schedule (${r.repro.loadGenerator.note})` : 'a separate worker process sends on schedule'}; send lag p99: ${runs.map((x) => `${x.label}#${x.repetition} ${formatValue(x.sendLag.p99, 'time')}`).join(', ')}; late sends: ${lateShare.map((x) => `${x.run.label}#${x.run.repetition} ${sig3(x.share * 100)} %`).join(', ')}${behind.length ? ` (above ${LATE_SHARE_LIMIT * 100} %: the generator fell behind; latencies are still measured from the intended send time)` : ''}`,
  });

  const { atStart, atEnd } = r.repro.loadAverage;
  const cores = r.repro.cores;
  const peak = Math.max(atStart[0] ?? 0, atEnd[0] ?? 0);
  items.push({
    check: 'machine load during the run',
    status: cores > 0 && peak > cores ? 'check' : 'ok',
    detail: `1/5/15-min load average ${atStart.map(sig3).join(' / ')} at start, ${atEnd.map(sig3).join(' / ')} at end, on ${cores} cores${cores > 0 && peak > cores ? ': more runnable tasks than cores, so runtimes competed for CPU' : ''}`,
  });

  items.push({
    check: 'interleaved order',
    status: 'ok',
    detail: `runs in order: ${r.runs.map((x) => `${x.label}#${x.repetition}`).join(' → ')}`,
  });

  const bad = r.runs.filter((x) => x.status !== 'complete');
  items.push({
    check: 'every runtime completed',
    status: bad.length === 0 ? 'ok' : 'check',
    detail: bad.length === 0 ? 'all runs complete' : bad.map((x) => `${x.label}#${x.repetition} ${x.status}${x.error ? `: ${x.error}` : ''}`).join('; '),
  });
  return items;
}
