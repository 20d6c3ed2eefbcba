/**
 * The report's density block: per runtime, tenants per modelled host at the scenario's SLO, the
 * resource that binds it, the best keep-alive policy when the scenario swept one, the figures at
 * that point, the memory-only figure beside it, and the curve (reports/charts/density.ts).
 */
import type { DensityResult, RunResult } from '../../lab/results/model.js';
import { formatEstimateShort, formatValue, sig3 } from '../../lab/stats/format.js';
import type { Analysis } from '../analysis.js';
import type { RenderedChartResult } from '../charts/index.js';
import { lowerBound } from '../cost.js';
import { esc } from '../escape.js';
import { chartFigure, table } from './parts.js';
import { modelTrust } from '../model-trust.js';

/** The measured memory-only density (memory.density: host memory / instance USS) of a label, for comparison with the SLO-bound one. */
function memoryOnlyDensity(live: Analysis | null, label: string): string {
  const e = live?.headlines.find((h) => h.metric.name === 'memory.density')?.byLabel[label];
  return e && Number.isFinite(e.value) ? `<span class="fig">${esc(formatEstimateShort(e, 'count'))}</span>` : '<span class="note">not measured</span>';
}

/** The SLO the density held, in words (older results: the all-request p99). */
export function densitySlo(d: DensityResult): string {
  return d.slo ?? `p99 of all requests ≤ ${formatValue(d.sloP99Ms, 'time')}`;
}

/** Tenants per host as a figure: `≥ n` when it is a lower bound. */
export function densityFigure(x: DensityResult['runtimes'][string]): string {
  return `${lowerBound(x) ? '≥ ' : ''}${x.tenants.toLocaleString('en-US')}`;
}

const ms = (x: number | undefined): string => (x === undefined ? '-' : x < 0 ? 'over 1 % failed' : formatValue(x, 'time'));

function trustCell(sim: RunResult, label: string): string {
  const t = modelTrust(sim, label);
  return `<span class="${t.state === 'outside' ? 'fail' : 'note'}">${esc(t.text)}</span>`;
}

export function densityBlock(sim: RunResult, live: Analysis | null, chart: RenderedChartResult | null): string {
  const d = sim.density;
  if (!d) return '<h3>Density</h3><p class="note">Not searched in this simulation (density search off).</p>';
  const swept = Object.values(d.runtimes).some((x) => x.policies?.length);
  const rows = Object.entries(d.runtimes).map(([label, x]) => {
    const p = x.point;
    const b = x.binding;
    const binding = b ? `<strong>${esc(b.resource)}</strong><br><span class="note">${esc(b.detail)}</span>` : x.atLimit ? '<span class="note">search ceiling reached (older result): at least this many</span>' : '<span class="note">not named (older result)</span>';
    const policy = x.policies?.length ? `${esc(sig3(x.idleTimeoutSeconds ?? 0))} s<br><span class="note">${esc(x.policies.map((q) => `${sig3(q.idleTimeoutSeconds)} s: ${q.tenants.toLocaleString('en-US')}`).join('; '))}</span>` : '';
    return [
      esc(label),
      `<span class="fig density-tenants">${esc(densityFigure(x))}</span>`,
      binding,
      ...(swept ? [policy] : []),
      memoryOnlyDensity(live, label),
      p ? `${esc(ms(p.p99Ms))} / ${esc(ms(p.warmP99Ms))} / ${esc(ms(p.coldP99Ms))}` : '-',
      p ? esc(formatValue(p.coldStartRate, 'fraction')) : '-',
      p && p.cpuUtilisation !== undefined ? esc(formatValue(p.cpuUtilisation, 'fraction')) : '-',
      p ? `${esc(formatValue(p.peakMemoryBytes, 'bytes'))}<br><span class="note">${esc(sig3(p.peakInstances))} instance${p.peakInstances === 1 ? '' : 's'}</span>` : '-',
      esc(String(x.probes.length)),
      trustCell(sim, label),
    ];
  });
  const form = d.sloForm ? ` (the scenario states it as ${esc(d.sloForm)}${d.sloForm === 'all requests' ? '; with more than 1 % of requests cold that p99 is a cold-start quantile, so `slo.objectives` can state a warm p99 plus a cold-start budget instead' : ''})` : '';
  return `<h3 id="density">Density: tenants per host at the SLO, and what binds it</h3>
<p class="note">The most tenants the modelled host carries with ${esc(densitySlo(d))}${form}, each tenant adding ${esc(sig3(d.perTenantRate))} req/s; more than 1 % failed requests never meets it. The search doubles the tenant count until a probe fails, then bisects to within 2 %; it has no ceiling but the host's own (past the count whose offered CPU fills the cores, no SLO can hold). The binding resource is read from the first failing probe: <strong>cpu</strong> (cores busy 80 % of the time, or half of it with a warm latency broken), <strong>memory</strong> (instances evicted for room, each a later cold start), <strong>cold-start capacity</strong> (a cold-start objective broken, or the all-request p99 with warm requests within it), <strong>queueing</strong> (requests behind their tenant's busy instances with cores to spare). Beside it, the memory-only figure (host memory over one instance's USS, measured): where the SLO-bound figure is far below it, RAM is not what limits the host. Each figure is one seeded simulation, with no interval of its own: its uncertainty is the model's, so the last column quotes the latest out-of-sample validation (calibrated at one load, predicting a live run at another) and flags a runtime outside its bounds.</p>
${table(['runtime', 'tenants per host', 'binding resource', ...(swept ? ['best keep-alive (idle timeout)'] : []), 'memory alone: instances per host', 'p99 all / warm / cold there', 'cold-start rate there', 'CPU busy there', 'peak memory there', 'probes', 'model error out of sample'], rows)}
${chart ? chartFigure(chart) : ''}`;
}
