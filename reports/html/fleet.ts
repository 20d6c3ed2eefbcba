/**
 * The HTML report of a fleet result (`lab merge`, `lab simulate --fleet`, `lab report fleet.json`):
 * the answer first, then the fleet totals per runtime, what binds where, the classes, PoP by
 * PoP, how far the simulator can be trusted, the assumptions and how the run was sharded. One
 * self-contained file in the same document shell as the run report. Returns the bytes, no I/O.
 */
import type { FleetResult, FleetRuntimeTotals, LatencySummary } from '../../lab/results/model.js';
import { RESULT_SCHEMA_VERSION } from '../../lab/results/model.js';
import { sig3 } from '../../lab/stats/format.js';
import { esc } from '../escape.js';
import { BINDING_ORDER, bindingText, bindingWord, classesText, count, fleetAnswer, popCell, POPS_SHOWN_PER_CLASS, rankedLabels, shownPops, trustLines } from '../fleet.js';
import { money } from './cost.js';
import { htmlDocument } from './document.js';
import { table, tag } from './parts.js';

const ms = (x: number): string => `${sig3(x)} ms`;
const mib = (b: number): string => `${sig3(b / 2 ** 20)} MiB`;
const opt = (r: FleetResult, x: number | undefined): string => (x === undefined ? '<span class="note">no price</span>' : esc(money(x, r.fleet.currency ?? '')));
const lat = (s: LatencySummary): string => (s.count === 0 ? '<span class="note">none</span>' : `${esc(ms(s.p50))} / ${esc(ms(s.p99))}`);

function totalsRow(r: FleetResult, label: string, t: FleetRuntimeTotals): string[] {
  const l = r.latency[label];
  return [
    `<code>${esc(label)}</code>`,
    `${count(t.pops - t.unservable.length)}${t.unservable.length ? ` <span class="fail">(${count(t.unservable.length)} unservable)</span>` : ''}`,
    count(t.hosts),
    sig3(t.tenantsPerHost),
    `<span class="fig">${opt(r, t.perMillionRequests)}</span>`,
    opt(r, t.perTenantMonth),
    opt(r, t.costPerMonth),
    l ? lat(l.warm) : '',
    l ? lat(l.cold) : '',
  ];
}

function totalsSection(r: FleetResult): string {
  const labels = rankedLabels(r);
  const rows = labels.map((l) => totalsRow(r, l, r.totals[l]!));
  return `<section id="totals"><h2>Fleet totals per runtime</h2>
<p class="note">${esc(`Hosts needed: per PoP, the fewest hosts of its size whose share of its tenants each meets the SLO (${r.fleet.slo}), summed over the fleet. Costs: hosts x their class's price, per million of the fleet's requests and per tenant-month (730 hours). Latency: every request of the fleet's hosts, p50 / p99 (each PoP's operating host counted once per host it has). Runtimes best first.`)}</p>
${table(['runtime', 'PoPs served', 'hosts', 'tenants per host', 'per million requests', 'per tenant-month', 'fleet per month', 'warm p50 / p99', 'cold-start p50 / p99'], rows, [1, 2, 3, 4, 5, 6])}</section>`;
}

function bindingSection(r: FleetResult): string {
  const rows = r.fleet.runtimes.map((l) => {
    const t = r.totals[l]!;
    return [`<code>${esc(l)}</code>`, ...BINDING_ORDER.map((b) => (t.binding[b] ? count(t.binding[b]!) : '')), esc(bindingText(t))];
  });
  return `<section id="binding"><h2>What binds, PoP by PoP</h2>
<p class="note">What stops each PoP from using one host fewer: the resource the failing probe ran out of (as density names it: cpu, memory, cold-start capacity, queueing), or that one host already holds the whole PoP.</p>
${table(['runtime', ...BINDING_ORDER.map(bindingWord), 'PoPs (examples)'], rows, [1, 2, 3, 4, 5])}</section>`;
}

function classSection(r: FleetResult): string {
  const labels = r.fleet.runtimes;
  const rows = Object.entries(r.byClass).map(([c, byLabel]) => {
    const any = byLabel[labels[0]!]!;
    return [
      `<strong>${esc(c)}</strong>`,
      count(any.pops),
      ...labels.map((l) => {
        const t = byLabel[l]!;
        const top = [...BINDING_ORDER].sort((a, b) => (t.binding[b] ?? 0) - (t.binding[a] ?? 0))[0]!;
        return `${count(t.hosts)} hosts${t.perMillionRequests !== undefined ? `, ${opt(r, t.perMillionRequests)}/M` : ''}<br><span class="note">mostly ${esc(bindingWord(top))}${t.unservable.length ? `; ${count(t.unservable.length)} unservable` : ''}</span>`;
      }),
    ];
  });
  return `<section id="classes"><h2>By class</h2>${table(['class', 'PoPs', ...labels], rows, [1])}</section>`;
}

function popSection(r: FleetResult): string {
  const labels = r.fleet.runtimes;
  const shown = shownPops(r);
  const rows = shown.map((p) => [
    `<code>${esc(p.id)}</code>`,
    esc(p.class),
    count(p.tenants),
    sig3(p.rate),
    `${p.utcOffsetHours >= 0 ? '+' : ''}${p.utcOffsetHours}`,
    `${sig3(p.host.memoryGiB)} GiB, ${p.host.cores} cores`,
    ...labels.map((l) => esc(popCell(r, p, l))),
  ]);
  const note = shown.length < r.pops.length ? ` The first ${POPS_SHOWN_PER_CLASS} PoPs of each class are shown (${count(shown.length)} of ${count(r.pops.length)}); fleet-pops.csv beside this report has every PoP and runtime with all its figures.` : '';
  return `<section id="pops"><h2>PoP by PoP</h2>
<p class="note">${esc(`Per runtime: hosts x tenants per host (what stops one host fewer), and the cost per million of the PoP's requests.${note}`)}</p>
${table(['PoP', 'class', 'tenants', 'req/s', 'UTC', 'host', ...labels], rows, [2, 3, 4])}</section>`;
}

function trustSection(r: FleetResult): string {
  const rows = trustLines(r).map((t) => [`<code>${esc(t.label)}</code>`, tag(t.state === 'within' ? 'ok' : t.state === 'outside' ? 'fail' : 'not measured'), esc(t.text)]);
  return `<section id="trust"><h2>How far the simulator is trusted</h2>
<p>${esc(`Calibrated from: ${r.calibration.note}`)}</p>
${table(['runtime', 'out of sample', 'validation'], rows)}
${r.validation ? `<p class="note">${esc(`Latest in-sample validation: ${r.validation.scenario}, ${r.validation.at}.`)}</p>` : '<p class="note">No in-sample validation recorded (lab validate-sim).</p>'}</section>`;
}

function executionSection(r: FleetResult): string {
  const e = r.execution;
  const rows = e.perShard.map((s) => [String(s.index), count(s.pops), `${sig3(s.wallSeconds)} s`, s.cpuSeconds !== undefined ? `${sig3(s.cpuSeconds)} s` : '', count(s.simulatedRequests), esc(s.ranIn), esc(mib(s.peakHeapBytes)), esc(mib(s.maxRssBytes)), `<code>${esc(s.file)}</code>`]);
  const head = `${e.shards} shard${e.shards === 1 ? '' : 's'}${e.workers !== undefined ? ` on ${e.workers} worker thread${e.workers === 1 ? '' : 's'}` : ''}${e.wallSeconds !== undefined ? `, ${sig3(e.wallSeconds)} s wall` : ''}, ${count(e.simulatedRequests)} simulated requests`;
  return `<section id="execution"><h2>How it ran</h2><p>${esc(head)}. Each shard is the same command a Kubernetes Indexed Job pod runs (lab simulate --fleet ... --shard i/K); a PoP's seed comes from the fleet seed and its id, so the sharding never changes the outcome.</p>
${table(['shard', 'PoPs', 'wall', 'thread CPU', 'simulated requests', 'ran in', 'peak heap', 'max RSS', 'file'], rows, [1, 2, 3, 4, 6, 7])}</section>`;
}

function reproSection(r: FleetResult): string {
  const p = r.repro;
  return `<section id="repro"><h2>Reproducibility record</h2>
<dl class="repro"><dt>git commit</dt><dd>${esc(`${p.gitCommit ?? 'unknown'}${p.gitDirty ? ' (dirty working tree)' : ''}`)}</dd><dt>fleet</dt><dd>${esc(`${r.fleet.file} ${r.fleet.hash}`)}</dd><dt>base scenario</dt><dd>${esc(`${r.fleet.base.file} ${r.fleet.base.hash}`)}</dd><dt>seed</dt><dd>${r.fleet.seed}</dd><dt>calibration</dt><dd>${esc(`${r.calibration.path} ${r.calibration.digest} (v${r.calibration.calibrationVersion}, run ${r.calibration.source.runId})`)}</dd><dt>node</dt><dd>${esc(p.node)}</dd><dt>machine</dt><dd>${esc(`${p.cpuModel}, ${p.cores} cores, ${p.hostname}`)}</dd></dl>
<h3>Fleet file as run</h3><pre>${esc(r.fleet.source)}</pre>
<h3>Base scenario (${esc(r.fleet.base.name)})</h3><pre>${esc(r.fleet.base.source)}</pre></section>`;
}

/** The self-contained HTML report of a fleet result. */
export function renderFleetHtml(r: FleetResult): string {
  const a = fleetAnswer(r);
  const body = [
    `<header><h1>${esc(r.fleet.name)}: the fleet, simulated</h1><p class="meta">${esc(r.fleet.description)}</p>
<p class="meta">run ${esc(r.runId)} · ${esc(r.startedAt)} to ${esc(r.finishedAt)} · seed ${r.fleet.seed} · classes: ${esc(classesText(r))} · base ${esc(r.fleet.base.name)} · runtimes: ${esc(r.fleet.runtimes.join(', '))}</p></header>`,
    `<section id="answer"><h2>The answer</h2><p class="headline">${esc(a.headline)}</p><ul class="answer-points">${a.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>`,
    totalsSection(r),
    bindingSection(r),
    classSection(r),
    popSection(r),
    trustSection(r),
    `<section id="assumptions"><h2>Assumed, not measured</h2><ul class="note">${r.assumptions.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></section>`,
    executionSection(r),
    reproSection(r),
    `<footer>edge-pop-lab fleet report · results schema ${RESULT_SCHEMA_VERSION} · self-contained: no scripts, no external resources.</footer>`,
  ].join('\n');
  return htmlDocument(`${r.fleet.name}: fleet report`, body);
}
