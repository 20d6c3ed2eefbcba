/**
 * CSV renderings of a result (csv-stringify): a summary row per runtime, repetition and scope;
 * the per-second series; and every activation. Reads only the results model.
 */
import { stringify } from 'csv-stringify/sync';
import type { LatencySummary, RunResult } from './model.js';

const latencyCols = (s: LatencySummary): (number | string)[] => [s.count, s.p50, s.p90, s.p99, s.p999, s.max, s.mean];

/** One row per runtime x repetition x scope (all, warm, cold, and each workload). */
export function summaryCsv(r: RunResult): string {
  const rows: (string | number)[][] = [];
  for (const run of r.runs) {
    const errors = Object.values(run.requests.errors).reduce((a, b) => a + b, 0);
    const common = [r.scenario.name, r.kind, run.label, run.runtime, run.repetition, run.status];
    const scopes: [string, string, LatencySummary][] = [
      ['all', '*', run.latency.all],
      ['warm', '*', run.latency.warm],
      ['cold', '*', run.latency.cold],
    ];
    for (const [w, b] of Object.entries(run.latency.byWorkload)) {
      scopes.push(['all', w, b.all], ['warm', w, b.warm], ['cold', w, b.cold]);
    }
    for (const [scope, workload, s] of scopes) {
      rows.push([
        ...common,
        scope,
        workload,
        ...latencyCols(s),
        run.requests.completed,
        errors,
        run.coldStart.count,
        run.coldStart.rate,
        run.coldStart.total.p50,
        run.coldStart.total.p99,
        run.throughputRps,
        run.memory?.perInstanceUssBytes ?? '',
        run.memory?.perInstancePssBytes ?? '',
      ]);
    }
  }
  return stringify(rows, {
    header: true,
    columns: [
      'scenario', 'kind', 'label', 'runtime', 'repetition', 'status', 'scope', 'workload',
      'count', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms', 'mean_ms',
      'completed', 'errors', 'cold_starts', 'cold_rate', 'cold_start_p50_ms', 'cold_start_p99_ms',
      'throughput_rps', 'uss_per_instance_bytes', 'pss_per_instance_bytes',
    ],
  });
}

/** The per-second series of every runtime and repetition. */
export function timeseriesCsv(r: RunResult): string {
  const rows = r.runs.flatMap((run) =>
    run.timeseries.map((p) => [run.label, run.repetition, p.second, p.sent, p.completed, p.errors, p.cold, p.p50Ms, p.p99Ms, p.liveInstances ?? '']),
  );
  return stringify(rows, { header: true, columns: ['label', 'repetition', 'second', 'sent', 'completed', 'errors', 'cold', 'p50_ms', 'p99_ms', 'live_instances'] });
}

/** Every activation (cold start) with its phases as columns. */
export function activationsCsv(r: RunResult): string {
  const phaseNames = [...new Set(r.runs.flatMap((run) => run.coldStart.activations.flatMap((a) => a.phases.map((p) => p.name))))];
  const rows = r.runs.flatMap((run) =>
    run.coldStart.activations.map((a) => [
      run.label, run.repetition, a.tenant, a.workload, a.instance, a.path, a.reason, a.strategy, a.startedAtMs, a.totalMs, a.ok ? 1 : 0,
      ...phaseNames.map((n) => a.phases.find((p) => p.name === n)?.ms ?? ''),
    ]),
  );
  return stringify(rows, {
    header: true,
    columns: ['label', 'repetition', 'tenant', 'workload', 'instance', 'path', 'reason', 'strategy', 'started_at_ms', 'total_ms', 'ok', ...phaseNames.map((n) => `phase_${n}_ms`)],
  });
}
