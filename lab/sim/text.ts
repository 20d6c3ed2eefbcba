/**
 * Terminal renderings of simulator outputs: each returns a string and does no I/O, so the
 * commands decide where it goes and tests can read it.
 */
import type { DensityResult, PredictionError, RunResult, SweepResult, ValidationSummary } from '../results/model.js';

const MIB = 1024 * 1024;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const signed = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`);

/** A measured figure's 95 % interval as relative offsets, marked `*` when the simulated figure lies inside it. */
function ciText(e: PredictionError): string {
  const ci = e.measuredCi95;
  if (!ci || e.measured === 0) return 'n/a';
  const inside = e.simulated >= ci[0] && e.simulated <= ci[1] ? ' *' : '';
  return `${signed((ci[0] - e.measured) / e.measured)}..${signed((ci[1] - e.measured) / e.measured)}${inside}`;
}

/** The validation errors, one line per runtime, with the goals. */
export function validationText(v: Pick<ValidationSummary, 'errors' | 'met' | 'goals' | 'outOfSample' | 'committedBaseline'> & { scenario: string; at: string }): string {
  const sample = v.outOfSample ? `out of sample (calibrated from ${v.outOfSample.calibratedFrom.scenario}, run ${v.outOfSample.calibratedFrom.runId})` : 'in sample';
  const how = v.committedBaseline ? `${sample}, the committed record (results/baselines/validation/), not measured on this machine` : sample;
  const lines = [`simulator validation on ${v.scenario}, ${how} (${v.at}); goals: p99 within ${pct(v.goals.p99Relative)}, cold-start rate within ${v.goals.coldStartRatePoints} points`];
  lines.push('runtime      p50 live→sim (err)            p99 live→sim (err)            live p99 95% CI      cold% live→sim (pts)     peak MiB live→sim (err)  goals');
  for (const [label, e] of Object.entries(v.errors)) {
    lines.push(
      [
        label.padEnd(12),
        `${e.p50Ms.measured}→${e.p50Ms.simulated} ms (${signed(e.p50Ms.relative)})`.padEnd(30),
        `${e.p99Ms.measured}→${e.p99Ms.simulated} ms (${signed(e.p99Ms.relative)})`.padEnd(30),
        ciText(e.p99Ms).padEnd(20),
        `${e.coldStartRatePct.measured.toFixed(2)}→${e.coldStartRatePct.simulated.toFixed(2)} (${e.coldStartRatePct.absolute >= 0 ? '+' : ''}${e.coldStartRatePct.absolute.toFixed(2)})`.padEnd(25),
        `${(e.peakMemoryBytes.measured / MIB).toFixed(0)}→${(e.peakMemoryBytes.simulated / MIB).toFixed(0)} (${signed(e.peakMemoryBytes.relative)})`.padEnd(24),
        v.met[label] ? 'met' : 'NOT met',
      ].join(' '),
    );
  }
  lines.push('live p99 95% CI: how far the measured p99 could move on a rerun (order statistics); * = the simulated p99 lies inside it');
  return lines.join('\n');
}

/** Density per runtime: tenants per host at the SLO and what binds it. */
export function densityText(d: DensityResult): string {
  const lines = [`density at ${d.slo ?? `p99 <= ${d.sloP99Ms} ms`} (each tenant adds ${d.perTenantRate.toFixed(4)} req/s on average):`];
  for (const [label, r] of Object.entries(d.runtimes)) {
    const p = r.point;
    const bound = r.binding ? `; bound by ${r.binding.resource}: ${r.binding.detail}` : '';
    const policy = r.idleTimeoutSeconds !== undefined ? `, best idle timeout ${r.idleTimeoutSeconds} s` : '';
    lines.push(
      p
        ? `  ${label}: ${r.tenants}${r.binding?.resource === 'search bound' || r.atLimit ? '+' : ''} tenants${policy}, p99 ${p.p99Ms} ms (warm ${p.warmP99Ms ?? '?'} ms), cold-start rate ${pct(p.coldStartRate)}, CPU ${p.cpuUtilisation !== undefined ? pct(p.cpuUtilisation) : '?'}, peak ${p.peakInstances} instances / ${(p.peakMemoryBytes / MIB).toFixed(0)} MiB (${r.probes.length} probes)${bound}`
        : `  ${label}: no tenant count meets the SLO (${r.probes.length} probes)${bound}`,
    );
  }
  return lines.join('\n');
}

/** A sweep as a table: one row per value, p99 and cold-start rate per runtime. */
export function sweepText(s: SweepResult): string {
  const labels = Object.keys(s.points[0]?.runtimes ?? {});
  const lines = [`sweep of ${s.parameter}: ${labels.map((l) => `${l} p99 ms / cold% / peak MiB`).join(' | ')}`];
  for (const p of s.points) {
    lines.push(`  ${String(p.value).padStart(10)}  ${labels.map((l) => {
      const x = p.runtimes[l]!;
      return `${x.p99Ms} / ${pct(x.coldStartRate)} / ${(x.peakMemoryBytes / MIB).toFixed(0)}`;
    }).join(' | ')}`);
  }
  return lines.join('\n');
}

/** A simulated run in a few lines: modelled host, per runtime p50/p99/cold rate/peak memory, density, sweep, validation. */
export function simulatedText(r: RunResult): string {
  const m = r.simulation?.modelled;
  const lines = [
    `simulated ${r.scenario.name}: ${m?.tenants} tenants, ${m?.rate.toFixed(1)} req/s, ${m?.durationSeconds} s measured, ${m?.cores} cores, budget ${((m?.memoryBudgetBytes ?? 0) / MIB).toFixed(0)} MiB; ${r.simulation?.simulatedRequests} requests in ${r.simulation?.wallSeconds} s`,
  ];
  for (const x of r.runs) {
    lines.push(`  ${x.label}: p50 ${x.latency.all.p50} ms, p99 ${x.latency.all.p99} ms, cold-start rate ${pct(x.coldStart.rate)}, peak ${x.memory?.extra.peakInstances} instances / ${((x.memory?.extra.peakMemoryBytes ?? 0) / MIB).toFixed(0)} MiB, errors ${JSON.stringify(x.requests.errors)}`);
  }
  if (r.density) lines.push(densityText(r.density));
  if (r.sweep) lines.push(sweepText(r.sweep));
  lines.push(r.validation ? validationText(r.validation) : 'simulator validation: none yet (run lab validate-sim scenarios/validate-sim-*.yaml)');
  lines.push(r.outOfSample ? validationText(r.outOfSample) : 'out-of-sample validation: none yet (run lab validate-sim scenarios/validate-sim-shifted.yaml --calibrate-from scenarios/validate-sim-steady.yaml)');
  return lines.join('\n');
}
