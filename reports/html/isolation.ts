/** The report's isolation section: the escape-probe matrix of the run (docs/isolation.md). */
import type { RunResult } from '../../lab/results/model.js';
import { PROBE_DESCRIPTIONS, PROBE_IDS } from '../../lab/isolation/probes.js';
import { esc } from '../escape.js';
import { probeMatrix } from '../isolation.js';
import { table, tag } from './parts.js';

export function isolationSection(result: RunResult): string {
  const rows = probeMatrix(result);
  if (rows.length === 0) {
    return `<section id="isolation"><h2>Isolation: escape probes</h2><p class="note">Not measured in this run: a scenario with <code>hostile: { probes: true }</code> runs them (docs/isolation.md).</p></section>`;
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
    return r.error ? [...lines, [esc(r.label), '', `<span class="fail">${esc(r.error)}</span>`, '', '', '']] : lines;
  });
  return `<section id="isolation"><h2>Isolation: escape probes</h2>
${table(['runtime', 'hostile workload', ...PROBE_IDS], body)}
<ul class="note">${PROBE_IDS.map((p) => `<li><code>${esc(p)}</code>: ${esc(PROBE_DESCRIPTIONS[p])}</li>`).join('')}</ul>
<p class="method">Each probe is judged from evidence the lab checks itself (the planted bytes, the token on the host disk, an HTTP status line), in a launch of its own before the runtime's traffic. A denied probe shows that one path is closed, not that the sandbox is sound; see docs/isolation.md.</p></section>`;
}
