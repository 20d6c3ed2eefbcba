/**
 * A plain-text table of a result for the terminal: medians and tails per runtime, cold-start
 * figures and memory. Returns a string; the caller decides where it goes.
 */
import type { RunResult } from './model.js';

const mib = (b: number | undefined): string => (b === undefined ? '-' : (b / 1048576).toFixed(2));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** The terminal summary of a run. */
export function textSummary(r: RunResult): string {
  const head = ['runtime', 'rep', 'status', 'reqs', 'err', 'p50 ms', 'p99 ms', 'p99.9 ms', 'cold', 'cold rate', 'cold p50', 'cold p99', 'warm p50', 'USS MiB/inst', 'req/s'];
  const rows = [head];
  for (const run of r.runs) {
    const errors = Object.values(run.requests.errors).reduce((a, b) => a + b, 0);
    rows.push([
      run.label,
      String(run.repetition),
      run.status,
      String(run.requests.completed),
      String(errors),
      String(run.latency.all.p50),
      String(run.latency.all.p99),
      String(run.latency.all.p999),
      String(run.coldStart.count),
      `${(run.coldStart.rate * 100).toFixed(1)}%`,
      String(run.coldStart.total.p50),
      String(run.coldStart.total.p99),
      String(run.latency.warm.p50),
      mib(run.memory?.perInstanceUssBytes),
      String(run.throughputRps),
    ]);
  }
  const notes = r.runs.filter((x) => x.error).map((x) => `${x.label} (repetition ${x.repetition}): ${x.error}`);
  const phases = r.runs
    .filter((x) => x.repetition === 1)
    .flatMap((x) => Object.entries(x.coldStart.byStrategy).map(([s, v]) => `${x.label}/${s}: ${v.phases.map((p) => `${p.name} p50 ${p.p50Ms} ms`).join(', ')}`));
  return [
    `scenario ${r.scenario.name} (${r.kind}, ${r.status}), seed ${r.repro.seed}`,
    table(rows),
    ...(phases.length ? ['cold-start phases:', ...phases.map((p) => `  ${p}`)] : []),
    ...(notes.length ? ['problems:', ...notes.map((n) => `  ${n}`)] : []),
  ].join('\n');
}
