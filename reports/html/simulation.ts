/**
 * Measured next to simulated (issue 6): per runtime, the live slice's figures against the
 * simulated full host's, the latest simulator validation error quoted beside every prediction,
 * the density (most tenants per host within the p99 SLO) and the sweep plot when there is one.
 * `live` is null for the report of a simulated result on its own (no measured column).
 */
import type { PredictionError, RunResult } from '../../lab/results/model.js';
import { formatEstimateShort, formatValue, sig3 } from '../../lab/stats/format.js';
import { resultLabels, usableRuns, type Dimension } from '../../lab/stats/metrics.js';
import type { Analysis } from '../analysis.js';
import type { RenderedChartResult } from '../charts/index.js';
import { esc } from '../escape.js';
import { chartFigure, table, tag } from './parts.js';
import { densityBlock } from './density.js';
import { formatPredictionError, type ErrorKey } from '../prediction-error.js';

/** The figures compared, with the validation error that applies to each (none for per-instance memory). */
const FIGURES: { name: string; metric?: string; dimension: Dimension; error?: ErrorKey; simulated: (r: RunResult, label: string) => number }[] = [
  { name: 'latency p50', metric: 'latency.p50', dimension: 'time', error: 'p50Ms', simulated: (r, l) => first(r, l)?.latency.all.p50 ?? NaN },
  { name: 'latency p99', metric: 'latency.p99', dimension: 'time', error: 'p99Ms', simulated: (r, l) => first(r, l)?.latency.all.p99 ?? NaN },
  { name: 'cold-start rate', metric: 'coldStart.rate', dimension: 'fraction', error: 'coldStartRatePct', simulated: (r, l) => first(r, l)?.coldStart.rate ?? NaN },
  { name: 'RAM per instance (USS)', metric: 'memory.perInstance', dimension: 'bytes', simulated: (r, l) => first(r, l)?.memory?.perInstanceUssBytes ?? NaN },
  { name: 'peak memory', dimension: 'bytes', error: 'peakMemoryBytes', simulated: (r, l) => simulatedPeak(r, l) },
];

const first = (r: RunResult, label: string) => usableRuns(r, label)[0];

/** Simulated peak memory: as the simulator reports it, else peak instances x USS + fixed overhead. */
function simulatedPeak(r: RunResult, label: string): number {
  const m = first(r, label)?.memory;
  if (!m) return NaN;
  const peak = m.extra['peakMemoryBytes'];
  if (typeof peak === 'number') return peak;
  const instances = m.extra['peakInstances'];
  return typeof instances === 'number' ? instances * m.perInstanceUssBytes + m.fixedOverheadBytes : NaN;
}

/** Measured peak memory, the way validation counts it: peak live instances x mean USS + fixed overhead. */
function measuredPeak(r: RunResult, label: string): { value: number; detail: string } | null {
  const runs = usableRuns(r, label).filter((x) => x.memory);
  const live = runs.flatMap((x) => x.timeseries.map((p) => p.liveInstances).filter((n): n is number => n !== undefined));
  if (runs.length === 0 || live.length === 0) return null;
  const peak = Math.max(...live);
  const uss = runs.reduce((a, x) => a + x.memory!.perInstanceUssBytes, 0) / runs.length;
  const fixed = runs.reduce((a, x) => a + x.memory!.fixedOverheadBytes, 0) / runs.length;
  return { value: peak * uss + fixed, detail: `${peak} live instances` };
}

const errorValue = (key: ErrorKey, x: number): string => (key === 'coldStartRatePct' ? `${sig3(x)} %` : formatValue(x, key === 'peakMemoryBytes' ? 'bytes' : 'time'));

/** The measured figure's own 95 % interval, when the validation recorded it: the noise the error is read against. */
function measuredCi(key: ErrorKey, e: PredictionError): string {
  const ci = e.measuredCi95;
  return ci ? ` (95 % CI ${esc(errorValue(key, ci[0]))}–${esc(errorValue(key, ci[1]))})` : '';
}

/** The explicit sentence a report shows when no validation backs the predictions. */
export const NO_VALIDATION = 'no validation run yet: run `lab validate-sim <scenario>`';

function validationBlock(sim: RunResult): string {
  const v = sim.validation;
  if (!v) return `<p class="no-validation fail"><strong>${esc(NO_VALIDATION)}</strong> (e.g. <code>lab validate-sim scenarios/validate-sim-steady.yaml</code>). Until then, no simulated figure above has a measured error.</p>`;
  const keys: [ErrorKey, string][] = [['p50Ms', 'p50'], ['p99Ms', 'p99'], ['coldStartRatePct', 'cold-start rate'], ['peakMemoryBytes', 'peak memory']];
  const rows = Object.entries(v.errors).map(([label, errs]) => [
    esc(label),
    ...keys.map(([k]) => `<span class="fig">${esc(formatPredictionError(k, errs[k]))}</span><br><span class="note">${esc(errorValue(k, errs[k].measured))} measured${measuredCi(k, errs[k])} → ${esc(errorValue(k, errs[k].simulated))} simulated</span>`),
    tag(v.met[label] ? 'pass' : 'fail'),
  ]);
  return `<h3>Latest simulator validation</h3>
<p class="validation-meta">Scenario <strong>${esc(v.scenario)}</strong>, ${esc(v.at)} (<code>${esc(v.path)}</code>): a live run simulated from its own calibration, prediction error = simulated − measured. Goals: p99 within ${sig3(v.goals.p99Relative * 100)} %, cold-start rate within ${sig3(v.goals.coldStartRatePoints)} percentage points. The 95 % CI is the measured figure's own sampling interval: how far it could move on a rerun of the same system.</p>
${table(['runtime', ...keys.map(([, n]) => `${n} error`), 'goals met'], rows)}`;
}

function comparisonBlock(live: Analysis, sim: RunResult): string {
  const labels = [...new Set([...live.labels, ...resultLabels(sim)])];
  const v = sim.validation;
  const rows = labels.flatMap((l) =>
    FIGURES.map((f, i) => {
      let measured = 'not measured';
      if (f.metric) {
        const e = live.headlines.find((h) => h.metric.name === f.metric)?.byLabel[l];
        if (e && Number.isFinite(e.value)) measured = formatEstimateShort(e, f.dimension);
      } else {
        const m = measuredPeak(live.result, l);
        if (m) measured = `${formatValue(m.value, 'bytes')} (${m.detail})`;
      }
      const s = usableRuns(sim, l).length ? f.simulated(sim, l) : NaN;
      const err = f.error ? v?.errors[l]?.[f.error] : undefined;
      const validation = !f.error ? '<span class="note">not validated</span>' : !v ? '<span class="note">no validation run yet</span>' : err ? `<span class="fig">${esc(formatPredictionError(f.error, err))}</span>` : `<span class="note">${esc(l)} not in the validation</span>`;
      return [i === 0 ? `<strong>${esc(l)}</strong>` : '', esc(f.name), `<span class="fig">${esc(measured)}</span>`, `<span class="fig">${esc(usableRuns(sim, l).length ? formatValue(s, f.dimension) : 'not simulated')}</span>`, validation];
    }),
  );
  const t = live.result.scenario.resolved;
  const m = sim.simulation?.modelled;
  const scale = `Measured: the live slice, ${t.live.tenants} tenants at ${sig3(t.traffic.rate)} req/s for ${sig3(t.traffic.durationSeconds)} s on this machine's ${live.result.repro.cores} cores.${m ? ` Simulated: the full modelled host, ${sig3(m.tenants)} tenants at ${sig3(m.rate)} req/s for ${sig3(m.durationSeconds)} s (after ${sig3(m.warmupSeconds)} s warm-up) on ${m.cores} cores with ${formatValue(m.memoryBudgetBytes, 'bytes')} for instances.` : ''}`;
  return `<p class="note">${esc(scale)} Measured figures carry their ${sig3(live.opts.confidence * 100)} % interval; simulated figures are one seeded simulation; the last column is the latest validation's prediction error for that figure${v ? ` (${esc(v.scenario)}, ${esc(v.at)})` : ''}.</p>
${table(['runtime', 'figure', 'measured (live slice)', 'simulated (full host)', 'latest validation error'], rows)}`;
}

/** The section, with the rendered sweep and density charts. */
export function simulationSection(live: Analysis | null, sim: RunResult | null, charts: { sweep: RenderedChartResult | null; density: RenderedChartResult | null }, error?: string): string {
  const sweep = charts.sweep;
  const head = live ? '<h2>Measured and simulated</h2>' : '<h2>Simulated full host</h2>';
  if (!sim) return `<section id="simulation">${head}<p class="fail">The simulation could not be shown: ${esc(error ?? 'no simulated result')}. The measured figures above stand on their own.</p></section>`;
  const info = sim.simulation;
  const source = info ? `<p class="meta">Simulated run ${esc(sim.runId)}, calibrated from run ${esc(info.source.runId)} (<code>${esc(info.calibrationPath)}</code>, calibration v${info.calibrationVersion}); ${esc(sig3(info.simulatedRequests))} requests simulated in ${esc(sig3(info.wallSeconds))} s. Model and caveats: docs/simulator.md.</p>` : '';
  return `<section id="simulation">${head}
${source}
${error ? `<p class="fail">${esc(error)}</p>` : ''}
${live ? comparisonBlock(live, sim) : ''}
${validationBlock(sim)}
${densityBlock(sim, live, charts.density)}
${sweep && !('missing' in sweep) ? chartFigure(sweep) : ''}
</section>`;
}
