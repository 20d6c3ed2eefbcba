/** The report's isolation section: the escape-probe matrix and the misbehaving neighbour's blast radius (docs/isolation.md). */
import type { RunResult } from '../../lab/results/model.js';
import type { BootstrapOptions } from '../../lab/stats/estimate.js';
import { formatEstimate, formatRatio } from '../../lab/stats/format.js';
import { PROBE_DESCRIPTIONS, PROBE_IDS } from '../../lab/isolation/probes.js';
import { esc } from '../escape.js';
import { blastRadius, probeMatrix } from '../isolation.js';
import { table, tag } from './parts.js';

function blastSection(result: RunResult, opts: BootstrapOptions): string {
  const rows = blastRadius(result, opts);
  if (rows.length === 0) return '';
  const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
  const body = rows.map((r) => [
    esc(r.label),
    esc(r.neighbour),
    `${r.sends}: ${esc(Object.entries(r.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ') || 'none sent')}${r.stopMsP50 !== null ? `<br><span class="note">stopped after ${r.stopMsP50} ms (median)</span>` : ''}`,
    esc(formatEstimate(r.cleanP99, 'time')),
    esc(formatEstimate(r.hostileP99, 'time')),
    `<span class="fig">${esc(formatRatio(r.p99Ratio))}</span>`,
    `${pct(r.cleanErrorRate)} → ${pct(r.hostileErrorRate)}${r.failures.length ? `<br><span class="fail">${esc(r.failures.join('; '))}</span>` : ''}`,
  ]);
  return `<h3 id="blast-radius">A misbehaving neighbour: blast radius</h3>
${table(['runtime', 'neighbour', 'its requests: what stopped them', "neighbours' warm p99, clean twin", 'beside the neighbour', 'ratio', 'error rate, clean → beside'], body)}
<p class="method">Each run of a runtime is paired with one twin per misbehaving neighbour, on the same schedule with that neighbour beside the same tenants (interleaved across repetitions); the ratio is the neighbours' warm p99 beside it over the clean twin's of the same repetition, both resampled in each bootstrap replicate (the gate metric <code>blast.&lt;behaviour&gt;.warmP99Ratio</code>). The runtime's other figures are the clean run's.</p>`;
}

/** The lab's own survival of the run: every planned run recorded, nothing it started left behind. */
function survivalLine(result: RunResult): string {
  const s = result.survival;
  if (!s) return '';
  const lost = s.recorded < s.planned ? `<span class="fail">${s.planned - s.recorded} of ${s.planned} planned runs not recorded (the run was ${esc(result.status)})</span>` : `all ${s.planned} planned runs recorded`;
  const left = s.leftBehind.length ? `<span class="fail">left behind: ${esc(s.leftBehind.join('; '))}</span>` : 'nothing it started left behind';
  const unchecked = s.unchecked.length ? `; <span class="note">not checked: ${esc(s.unchecked.join('; '))}</span>` : '';
  return `<h3 id="survival">The lab's own survival</h3><p>Run ${esc(result.status)}; ${lost}; ${left}${unchecked}.</p>`;
}

export function isolationSection(result: RunResult, opts: BootstrapOptions): string {
  const rows = probeMatrix(result);
  const blast = blastSection(result, opts) + (result.scenario.resolved.hostile ? survivalLine(result) : '');
  if (rows.length === 0) {
    return `<section id="isolation"><h2>Isolation: escape probes</h2><p class="note">Not measured in this run: a scenario with <code>hostile: { probes: true }</code> runs them (docs/isolation.md).</p>${blast}</section>`;
  }
  const body = rows.flatMap((r) => {
    const workloads = Object.keys(r.byWorkload).sort();
    const lines = workloads.map((w) => [
      esc(r.label),
      `<code>${esc(w)}</code>`,
      ...PROBE_IDS.map((p) => {
        const rec = r.byWorkload[w]![p];
        return rec ? `${tag(rec.outcome)}<br><span class="note">${esc(rec.detail)}</span>` : tag('not run');
      }),
    ]);
    return r.error ? [...lines, [esc(r.label), '', `<span class="fail">${esc(r.error)}</span>`, ...PROBE_IDS.slice(1).map(() => '')]] : lines;
  });
  return `<section id="isolation"><h2>Isolation: escape probes</h2>
${table(['runtime', 'hostile workload', ...PROBE_IDS], body)}
<ul class="note">${PROBE_IDS.map((p) => `<li><code>${esc(p)}</code>: ${esc(PROBE_DESCRIPTIONS[p])}</li>`).join('')}</ul>
<p class="method">Each probe is judged from evidence the lab checks itself (the planted bytes, the token on the host disk, an HTTP status line, the stand-in neighbour's secret), in a launch of its own before the runtime's traffic. A denied probe shows that one path is closed, not that the sandbox is sound; see docs/isolation.md.</p>${blast}</section>`;
}
