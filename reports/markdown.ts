/**
 * The Markdown summary of a result, sized for a pull-request comment: the verdict per
 * criterion, the gates, the headline figures with intervals, the split by workload language (when
 * the run has more than one) and what the run does not cover.
 * Returns a string; the caller decides where it goes.
 */
import type { GateResult } from '../lab/gates/verdict.js';
import type { RunResult } from '../lab/results/model.js';
import { NOT_A_VERDICT } from './criteria.js';
import { answerOf } from './answer.js';
import { costTable } from './cost.js';
import { formatEstimateShort, formatValue, sig3 } from '../lab/stats/format.js';
import type { Dimension } from '../lab/stats/metrics.js';
import { analyse, type Analysis } from './analysis.js';
import type { Counted } from './language.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
const mdTable = (head: string[], rows: string[][]): string => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const ICON: Record<GateResult['verdict'], string> = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' };

/** Gate results as a Markdown table (also used by `lab gate --markdown`). */
export function gatesMarkdown(results: readonly GateResult[], notes: readonly string[] = []): string {
  if (results.length === 0) return `_No gates._${notes.length ? `\n\n${notes.map((n) => `- ${n}`).join('\n')}` : ''}`;
  return [mdTable(['gate', 'verdict', 'figure and reason'], results.map((g) => [`\`${g.name}\``, ICON[g.verdict], g.message])), ...notes.map((n) => `- ${n}`)].join('\n');
}

/** The summary from an analysis. */
export function markdownFromAnalysis(a: Analysis, simulated?: RunResult): string {
  const r = a.result;
  const parts = [
    `## ${r.scenario.name}: Wasm components vs containers (${r.kind}, ${r.status})`,
    `Run \`${r.runId}\`, seed ${r.repro.seed}, commit \`${r.repro.gitCommit?.slice(0, 12) ?? 'unknown'}\`${r.repro.gitDirty ? ' (dirty)' : ''}. Figures: value [${sig3(a.opts.confidence * 100)} % bootstrap interval].`,
  ];
  const ans = answerOf(a, simulated, costTable(r, a.labels, a.opts, simulated));
  parts.push(`**${ans.headline}**`, ...(ans.points.length ? [ans.points.map((p) => `- ${p}`).join('\n')] : []), ...ans.undecided, ...(ans.density ? [ans.density] : []), ...(ans.cost ? [ans.cost] : []));
  if (a.missing.length) parts.push(`**Not covered by this run:**\n${a.missing.map((m) => `- ${m}`).join('\n')}`);
  parts.push('### Verdict: Wasm or containers?', mdTable(['criterion', 'verdict'], a.criteria.map((c) => [c.criterion.name, c.text])), `_${NOT_A_VERDICT}_`);
  parts.push('### Gates', 'error' in a.gates ? `❌ ${a.gates.error}` : gatesMarkdown(a.gates));
  parts.push(
    '### Headline figures',
    mdTable(
      ['metric', ...a.labels],
      a.headlines.map((h) => [`\`${h.metric.name}\``, ...a.labels.map((l) => {
        const e = h.byLabel[l]!;
        return Number.isFinite(e.value) ? `${formatEstimateShort(e, h.metric.dimension)} (n=${e.n})` : 'not measured';
      })]),
    ),
  );
  if (a.languages.languages.length > 1) {
    const f = (c: Counted, d: Dimension): string => (c.n === 0 ? 'not measured' : formatValue(c.value, d));
    parts.push(
      '### Per language',
      mdTable(
        ['runtime', 'language', 'artifact size', 'cold start p50', 'cold start p99', 'RAM per instance (USS)', 'warm p50', 'throughput per core'],
        a.languages.rows.map((r) => [r.label, r.language.name, f(r.artifactBytes, 'bytes'), f(r.coldStartP50Ms, 'time'), f(r.coldStartP99Ms, 'time'), f(r.memoryPerInstanceBytes, 'bytes'), f(r.warmP50Ms, 'time'), f(r.throughputPerCore, 'throughput')]),
      ),
    );
  }
  const stalled = r.runs.filter((x) => x.stalls && x.stalls.suspectSeconds.length > 0);
  if (stalled.length)
    parts.push(
      '### Stall evidence',
      mdTable(
        ['run', 'seconds with p99 > 10x p50', 'unexplained', 'longest host pause'],
        stalled.map((x) => {
          const s = x.stalls!;
          const longest = s.entries[0];
          return [`${x.label}#${x.repetition}`, String(s.suspectSeconds.length), String(s.suspectSeconds.filter((q) => !q.explained).length), longest ? `${longest.thread} ${longest.cause} ${formatValue(longest.ms, 'time')}` : 'none'];
        }),
      ),
    );
  const flagged = a.fairness.filter((f) => f.status === 'check');
  if (flagged.length) parts.push('### Fairness checks to look at', flagged.map((f) => `- **${f.check}**: ${f.detail}`).join('\n'));
  const claims = a.claims.filter((c) => c.status !== 'not testable');
  if (claims.length) parts.push('### Field claims', mdTable(['claim', 'runtime', 'measured', 'status'], claims.map((c) => [c.claim.claim, c.subject, c.measured, c.status])));
  return `${parts.join('\n\n')}\n`;
}

/** The Markdown summary of a result (PR comment); with its simulation, the density and cost lines too. */
export function renderMarkdown(result: RunResult, simulated?: RunResult): string {
  return markdownFromAnalysis(analyse(result), simulated ?? (result.kind === 'simulated' ? result : undefined));
}
