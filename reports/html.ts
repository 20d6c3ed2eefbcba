/**
 * The HTML decision report of one result: the verdict first, then gates, headline figures,
 * the field claims tested, charts, the fairness and reproducibility records and the scenario.
 * One self-contained file (charts pre-rendered to SVG), readable offline and printable.
 * `renderReport` is the entry point `lab report` and `lab run` call; it returns the bytes and
 * does no I/O.
 */
import type { RunResult } from '../lab/results/model.js';
import { RESULT_SCHEMA_VERSION } from '../lab/results/model.js';
import { formatEstimate, formatRatio, formatValue, sig3 } from '../lab/stats/format.js';
import { findMetric, usableRuns, type Dimension } from '../lab/stats/metrics.js';
import { analyse, type Analysis } from './analysis.js';
import { NOT_A_VERDICT, pairwiseRatios, type CriterionVerdict } from './criteria.js';
import { answerOf } from './answer.js';
import { costTable, type CostTable } from './cost.js';
import { costSection } from './html/cost.js';
import { flaggedLabels } from './model-trust.js';
import { reportCharts, renderCharts } from './charts/index.js';
import { CLAIMS, DECISION_MATRIX } from './claims.js';
import { esc } from './escape.js';
import { htmlDocument } from './html/document.js';
import { chartFigure, table, tag } from './html/parts.js';
import { simulationSection } from './html/simulation.js';
import { stallSection } from './html/stalls.js';
import { isolationSection } from './html/isolation.js';
import { sweepChart } from './charts/sweep.js';
import { densityChart } from './charts/density.js';
import { sloObjectives } from '../lab/sim/slo.js';
import type { Counted } from './language.js';

/** What a report shows besides the result itself. */
export interface ReportOptions {
  /**
   * The simulated full-host result of the same run (`simulated.json` beside `result.json`):
   * shown side by side with the measured figures, with its density, sweep and validation.
   */
  simulated?: RunResult;
  /** Why the simulation of this run is missing (failed, unreadable): said in the report. */
  simulationError?: string;
}

function header(a: Analysis): string {
  const r = a.result;
  return `<header><h1>${esc(r.scenario.name)}: Wasm components vs containers, measured</h1>
<p class="meta">${esc(r.scenario.resolved.description)}</p>
<p class="meta">run ${esc(r.runId)} · ${esc(r.kind)} · status ${esc(r.status)} · ${esc(r.startedAt)} to ${esc(r.finishedAt)} · seed ${r.repro.seed} · runtimes: ${esc(a.labels.join(', ') || 'none')}</p></header>`;
}

function missingBox(a: Analysis): string {
  if (a.missing.length === 0) return '';
  return `<div class="missing" id="missing"><h2>What this run does not cover</h2><ul>${a.missing.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></div>`;
}

/** The first screen: the answer, by how much on each criterion, and what the run does not cover. */
function answerSection(a: Analysis, sim: RunResult | undefined, cost: CostTable | undefined): string {
  const ans = answerOf(a, sim, cost);
  const points = ans.points.length ? `<ul class="answer-points">${ans.points.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : '';
  const undecided = ans.undecided.map((u) => `<p class="note">${esc(u)}</p>`).join('');
  return `<section id="answer"><h2>The answer</h2><p class="headline">${esc(ans.headline)}</p>${points}${undecided}${ans.density ? `<p>${esc(ans.density)}</p>` : ''}${ans.cost ? `<p>${esc(ans.cost)}</p>` : ''}${missingBox(a)}</section>`;
}

function outcomeTag(c: CriterionVerdict): string {
  if (c.outcome === 'winner') return tag(`${c.winner === c.wasm?.label ? 'Wasm' : c.counterpart?.family === 'container' ? 'container' : 'bare process'} wins`);
  if (c.outcome === 'tie') return tag('no difference');
  return tag(c.runtimes.length > 0 ? 'not compared' : 'not measured');
}

const sideCell = (s: CriterionVerdict['wasm']): string => (s ? `<code>${esc(s.label)}</code> ${esc(s.figure)}` : '<span class="note">none measured</span>');

/** The compact matrix under the verdict: each criterion's runtimes, best first, and every pair's ratio. */
function pairwiseDetails(a: Analysis): string {
  const blocks = a.criteria
    .filter((c) => c.runtimes.length > 1)
    .map((c) => {
      const labels = c.runtimes.map((s) => s.label);
      if (!c.metric) return `<h4>${esc(c.criterion.name)}</h4><p>${esc(c.runtimes.map((s) => `${s.label} ${s.figure}`).join('; '))}</p>`;
      const m = pairwiseRatios(a.result, labels, c.metric, a.opts);
      const rows = labels.map((r) => [`<code>${esc(r)}</code> ${esc(c.runtimes.find((s) => s.label === r)!.figure)}`, ...labels.map((col) => (col === r ? '' : esc(formatRatio(m[r]![col]!))))]);
      return `<h4>${esc(c.criterion.name)} <span class="note">(${esc(c.metric.name)}; cell = row / column)</span></h4>${table(['runtime', ...labels], rows)}`;
    });
  return blocks.length ? `<details class="pairwise"><summary>Every runtime, and every pair's ratio</summary>${blocks.join('\n')}</details>` : '';
}

/** Distinct caveat clauses, in order of first appearance: a caveat joins its clauses with '; '. */
function caveatParts(caveats: readonly string[]): string[] {
  return [...new Set(caveats.flatMap((c) => c.split('; ')).filter((x) => x.length > 0))];
}

function verdictSection(a: Analysis): string {
  const rows = a.criteria.map((c) => [esc(c.criterion.name), outcomeTag(c), sideCell(c.wasm), sideCell(c.counterpart), c.ratio ? `<span class="fig">${esc(formatRatio(c.ratio))}</span>` : '', sideCell(c.reference)]);
  // Said once per table: each criterion's note, and each distinct caveat of its ratios.
  const notes = a.criteria.filter((c) => c.criterion.note).map((c) => `<li><strong>${esc(c.criterion.name)}</strong>: ${esc(c.criterion.note!)}</li>`);
  const caveats = caveatParts(a.criteria.flatMap((c) => (c.ratio?.caveat ? [c.ratio.caveat] : []))).map((x) => `<li>caveat: ${esc(x)}</li>`);
  const counterpart = a.criteria.some((c) => c.counterpart?.family === 'process') ? ' (the bare process where the run has no container)' : '';
  return `<section id="verdict"><h2>Verdict for this scenario: Wasm or containers?</h2>
${table(['criterion', 'answer', 'best Wasm', `best container${counterpart}`, 'ratio, worse / better', 'reference: bare process'], rows)}
<ul class="note">${[...notes, ...caveats, `<li>${esc(NOT_A_VERDICT)}</li>`].join('')}</ul>
${pairwiseDetails(a)}
<p class="method">Each row puts the best Wasm runtime of the run against the best container configuration. Figures: value [${sig3(a.opts.confidence * 100)} % interval]. Intervals are percentile bootstraps (${a.opts.resamples} resamples, seed ${a.opts.seed}) of the recorded distributions; ratios resample both runtimes. A side "wins" only when the interval of the ratio excludes 1. See docs/statistics.md.</p></section>`;
}

function gatesSection(a: Analysis): string {
  if ('error' in a.gates) return `<section id="gates"><h2>Gates</h2><p class="fail">${esc(a.gates.error)}</p></section>`;
  if (a.gates.length === 0) return `<section id="gates"><h2>Gates</h2><p class="note">The scenario defines no gates.</p></section>`;
  return `<section id="gates"><h2>Gates</h2>${table(['gate', 'verdict', 'figure and reason'], a.gates.map((g) => [`<code>${esc(g.name)}</code>`, tag(g.verdict), esc(g.message)]))}</section>`;
}

function figuresSection(a: Analysis): string {
  // Caveats once per table: each distinct one numbered under it, a cell only points at its own.
  const listed = caveatParts(a.headlines.flatMap((h) => a.labels.map((l) => h.byLabel[l]!.caveat ?? '')));
  const marks = (caveat: string | undefined): string => {
    const ns = caveatParts(caveat ? [caveat] : []).map((x) => listed.indexOf(x) + 1).sort((x, y) => x - y);
    return ns.length ? `<sup class="note" title="caveat">${ns.join(',')}</sup>` : '';
  };
  const rows = a.headlines.map((h) => [`<code>${esc(h.metric.name)}</code><br><span class="note">${esc(h.metric.description)}</span>`, ...a.labels.map((l) => {
    const e = h.byLabel[l]!;
    return `<span class="fig">${esc(formatEstimate(e, h.metric.dimension))}</span>${marks(e.caveat)}`;
  })]);
  const caveatList = listed.length ? `<ol class="note caveats">${listed.map((x) => `<li>caveat: ${esc(x)}</li>`).join('')}</ol>` : '';
  const methods = a.measuredLabels.flatMap((l) => usableRuns(a.result, l).filter((x) => x.memory).slice(0, 1).map((x) => `<li><strong>${esc(l)}</strong>: ${esc(x.memory!.method)} (fixed overhead ${esc(formatEstimate({ value: x.memory!.fixedOverheadBytes, lo: null, hi: null, n: 1, repetitions: 1, confidence: a.opts.confidence, method: '' }, 'bytes').replace(/ \(n = 1\)$/, ''))})</li>`));
  return `<section id="figures"><h2>Headline figures</h2>
${table(['metric', ...a.labels], rows, a.labels.map((_, i) => i + 1))}
${caveatList}
${methods.length ? `<h3>How memory was measured</h3><ul class="note">${methods.join('')}</ul>` : ''}</section>`;
}

function languageSection(a: Analysis): string {
  const s = a.languages;
  const head = '<h2>Per language</h2>';
  if (s.languages.length < 2) {
    const only = s.languages[0];
    return `<section id="languages">${head}<p class="note">${only ? `Every workload of this run is ${esc(only.name)}: no per-language split (the headline figures are that language's).` : 'No workload recorded in this run.'}</p></section>`;
  }
  const fig = (c: Counted, d: Dimension): string => (c.n === 0 ? '<span class="note">not measured</span>' : `<span class="fig">${esc(formatValue(c.value, d))}</span> <span class="note">(n = ${c.n})</span>`);
  const rows = s.rows.map((r, i) => [
    i === 0 || s.rows[i - 1]!.label !== r.label ? `<strong>${esc(r.label)}</strong>` : '',
    `${esc(r.language.name)}<br><span class="note">${esc(r.workloads.join(', '))}</span>`,
    fig(r.artifactBytes, 'bytes'),
    fig(r.coldStartP50Ms, 'time'),
    fig(r.coldStartP99Ms, 'time'),
    fig(r.memoryPerInstanceBytes, 'bytes'),
    fig(r.warmP50Ms, 'time'),
    fig(r.throughputPerCore, 'throughput'),
  ]);
  return `<section id="languages">${head}
<p class="note">The same handlers written in ${s.languages.map((l) => esc(l.name)).join(' and ')}, per runtime. Artifact size: mean over the runtime's artifacts of those workloads; cold start: request-path activations (arrival to first byte), nearest-rank percentiles; RAM: mean USS of live instances whose tenant runs those workloads; warm p50: per-workload warm histograms merged; throughput per core: the run's throughput shared by the language's part of the measured requests, over ${a.result.repro.cores} cores. Point figures (n = observations), no intervals.${s.inferred.length ? ` Language inferred from the name (not recorded in this result): ${esc(s.inferred.join(', '))}.` : ''}</p>
${table(['runtime', 'language', 'artifact size', 'cold start p50', 'cold start p99', 'RAM per instance (USS)', 'warm p50', 'throughput per core'], rows, [2, 3, 4, 5, 6, 7])}</section>`;
}

function claimsSection(a: Analysis): string {
  const statusOf = (ids: string[]): string => {
    const rows = a.claims.filter((c) => ids.includes(c.claim.id) && c.status !== 'not testable');
    if (rows.length === 0) return tag('not testable');
    return [...new Set(rows.map((r) => r.status))].map(tag).join(' ');
  };
  const matrix = DECISION_MATRIX.map((m) => {
    const metric = m.metric ? findMetric(m.metric) : undefined;
    const measured = metric
      ? a.labels.map((l) => `${esc(l)}: ${esc(formatEstimate(a.headlines.find((h) => h.metric.name === metric.name)?.byLabel[l] ?? { value: NaN, lo: null, hi: null, n: 0, repetitions: 0, confidence: a.opts.confidence, method: '' }, metric.dimension))}`).join('<br>')
      : esc(m.untestable ?? 'not measured in this run');
    return [esc(m.criterion), esc(m.containers), esc(m.wasm), esc(m.weight), `${metric ? `<code>${esc(metric.name)}</code><br>` : ''}${measured}`, m.claims.length ? statusOf(m.claims) : tag('not testable')];
  });
  // A claim and how it is read are said on its first row only; its other runtimes follow.
  const claimRows = a.claims.map((c, i) => {
    const first = i === 0 || a.claims[i - 1]!.claim.id !== c.claim.id;
    return [first ? esc(c.claim.claim) : '', esc(c.subject), esc(c.measured), first || a.claims[i - 1]!.why !== c.why ? esc(c.why) : '', tag(c.status)];
  });
  return `<section id="claims"><h2>Field claims, tested on this scenario</h2>
<p class="note">From notes/field-claims.md. A claim is confirmed when the whole interval lies in the claimed range, refuted when it lies wholly outside, inconclusive when it straddles; vague claims are read as the explicit range shown.</p>
<h3>Decision matrix, filled with measured values</h3>
${table(['criterion', 'containers (claimed)', 'Wasm, WASI 0.2 (claimed)', 'weight', 'measured here', 'claims'], matrix)}
<h3>Claimed figures</h3>
${table(['claim', 'runtime', 'measured', 'read as', 'status'], claimRows)}
<p class="note">${CLAIMS.length} claims; ${a.claims.filter((c) => c.status === 'not testable').length} rows not testable in this scenario.</p></section>`;
}

function fairnessSection(a: Analysis): string {
  return `<section id="fairness"><h2>Fairness record</h2>${table(['condition', 'status', 'detail'], a.fairness.map((f) => [esc(f.check), tag(f.status), esc(f.detail)]))}</section>`;
}

function reproSection(a: Analysis): string {
  const r = a.result.repro;
  const fields: [string, string][] = [
    ['git commit', `${r.gitCommit ?? 'unknown'}${r.gitDirty ? ' (dirty working tree)' : ''}`],
    ['scenario hash', r.scenarioHash],
    ['seed', String(r.seed)],
    ['command line', r.commandLine.join(' ')],
    ['node / v8', `${r.node} / ${r.v8}`],
    ['machine', `${r.cpuModel}, ${r.cores} cores, ${sig3(r.memoryBytes / 1024 ** 3)} GiB, ${r.os} ${r.kernel}, host ${r.hostname}`],
    ['load average', `start ${r.loadAverage.atStart.join(' / ')}, end ${r.loadAverage.atEnd.join(' / ')}`],
    ['packages', Object.entries(r.packages).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['runtime versions', Object.entries(r.runtimeVersions).map(([k, v]) => `${k}: ${Object.entries(v).map(([a, b]) => `${a} ${b}`).join(', ')}`).join('; ')],
    ['artifacts', a.result.runs.filter((x) => x.repetition === 1).flatMap((x) => x.artifacts.map((art) => `${x.label}/${art.workload} ${art.packaging} ${art.digest} (${sig3(art.sizeBytes / 1024)} KiB)`)).join('\n')],
    ['isolation enforced', a.result.runs.filter((x) => x.repetition === 1).map((x) => `${x.label}: ${x.isolation ? x.isolation.join(', ') : 'not stated by its runner'}`).join('\n')],
    ['results schema', `version ${RESULT_SCHEMA_VERSION}`],
  ];
  return `<section id="repro"><h2>Reproducibility record</h2>
<dl class="repro">${fields.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v).replace(/\n/g, '<br>')}</dd>`).join('')}</dl>
<h3>Scenario as run (${esc(a.result.scenario.file)})</h3>
<pre id="scenario-source">${esc(a.result.scenario.source)}</pre></section>`;
}

/** The report's HTML from an analysis (for callers that already analysed the result). */
export async function renderReportFromAnalysis(a: Analysis, opts: ReportOptions = {}): Promise<string> {
  const charts = await renderCharts(reportCharts(a));
  // A simulated result with its simulation record is its own "simulated" side (no measured column).
  const ownSim = a.result.kind === 'simulated' && a.result.simulation ? a.result : undefined;
  const sim = opts.simulated ?? ownSim;
  let simulation = '';
  if (sim || opts.simulationError) {
    const [sweep, density] = sim ? await renderCharts([sweepChart(sim.sweep, []), densityChart(sim.density, sloObjectives(sim.scenario.resolved.slo))]) : [null, null];
    simulation = simulationSection(opts.simulated ? a : null, sim ?? null, { sweep: sweep ?? null, density: density ?? null }, opts.simulationError);
  }
  const cost = costTable(a.result, a.labels, a.opts, sim);
  const body = [
    header(a),
    answerSection(a, sim, cost),
    verdictSection(a),
    gatesSection(a),
    figuresSection(a),
    languageSection(a),
    ...(simulation ? [simulation] : []),
    costSection(cost, cost ? flaggedLabels(sim, cost.rows.filter((r) => r.source === 'simulated at the SLO').map((r) => r.label)) : []),
    claimsSection(a),
    isolationSection(a.result, a.opts),
    stallSection(a.result),
    `<section id="charts"><h2>Charts</h2>${charts.map(chartFigure).join('\n')}</section>`,
    fairnessSection(a),
    reproSection(a),
    `<footer>edge-pop-lab report · results schema ${RESULT_SCHEMA_VERSION} · self-contained: no scripts, no external resources.</footer>`,
  ].join('\n');
  return htmlDocument(`${a.result.scenario.name}: decision report`, body);
}

/** The self-contained HTML report of a result (what `lab report` writes and `lab run` puts next to result.json). */
export async function renderReport(result: RunResult, opts: ReportOptions = {}): Promise<string> {
  return renderReportFromAnalysis(analyse(result), opts);
}
