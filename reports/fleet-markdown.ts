/**
 * The Markdown summary of a fleet result, sized for a pull-request comment: the answer, the
 * totals per runtime, what binds, the classes and the model's trust. Returns a string.
 */
import type { FleetResult } from '../lab/results/model.js';
import { sig3 } from '../lab/stats/format.js';
import { bindingText, bindingWord, BINDING_ORDER, classesText, count, fleetAnswer, rankedLabels, trustLines } from './fleet.js';
import { money } from './html/cost.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
const mdTable = (head: string[], rows: string[][]): string => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** The Markdown summary of a fleet result. */
export function renderFleetMarkdown(r: FleetResult): string {
  const a = fleetAnswer(r);
  const m = (x: number | undefined): string => (x === undefined ? 'no price' : money(x, r.fleet.currency ?? ''));
  const labels = rankedLabels(r);
  const parts = [
    `## ${r.fleet.name}: the fleet, simulated`,
    `Run \`${r.runId}\`, seed ${r.fleet.seed}, ${r.execution.shards} shard${r.execution.shards === 1 ? '' : 's'}; classes: ${classesText(r)}; base scenario \`${r.fleet.base.name}\`; calibrated from ${r.calibration.note}`,
    `**${a.headline}**`,
    a.lines.map((l) => `- ${l}`).join('\n'),
    '### Fleet totals per runtime',
    mdTable(
      ['runtime', 'PoPs served', 'hosts', 'tenants per host', 'per million requests', 'per tenant-month', 'fleet per month', 'warm p99', 'cold-start p99'],
      labels.map((l) => {
        const t = r.totals[l]!;
        const lat = r.latency[l];
        return [l, `${count(t.pops - t.unservable.length)}${t.unservable.length ? ` (${count(t.unservable.length)} unservable)` : ''}`, count(t.hosts), sig3(t.tenantsPerHost), m(t.perMillionRequests), m(t.perTenantMonth), m(t.costPerMonth), lat ? `${sig3(lat.warm.p99)} ms` : '', lat && lat.cold.count ? `${sig3(lat.cold.p99)} ms` : 'none'];
      }),
    ),
    '### What binds',
    mdTable(['runtime', ...BINDING_ORDER.map(bindingWord)], r.fleet.runtimes.map((l) => [l, ...BINDING_ORDER.map((b) => (r.totals[l]!.binding[b] ? count(r.totals[l]!.binding[b]!) : ''))])),
    r.fleet.runtimes.map((l) => `- ${l}: ${bindingText(r.totals[l]!)}`).join('\n'),
    '### By class',
    mdTable(['class', 'PoPs', ...r.fleet.runtimes], Object.entries(r.byClass).map(([c, byLabel]) => [c, count(byLabel[r.fleet.runtimes[0]!]!.pops), ...r.fleet.runtimes.map((l) => `${count(byLabel[l]!.hosts)} hosts${byLabel[l]!.perMillionRequests !== undefined ? `, ${m(byLabel[l]!.perMillionRequests)}/M` : ''}`)])),
    '### Simulator trust',
    trustLines(r).map((t) => `- ${t.label}: ${t.text}`).join('\n'),
    `_Every PoP and runtime: fleet-pops.csv beside the fleet result. Assumed, not measured: ${r.assumptions.join('; ')}._`,
  ];
  return `${parts.join('\n\n')}\n`;
}
