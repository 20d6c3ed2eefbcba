/**
 * What the fleet report says, as data both renderers (reports/html/fleet.ts, reports/fleet-markdown.ts)
 * turn into their format: the answer (runtimes by what the fleet costs, or by hosts without
 * prices), the totals table, what binds where, the classes, and which PoPs are shown one by one.
 * Reads only the results model.
 */
import type { BindingResource, FleetPopSummary, FleetResult, FleetRuntimeTotals } from '../lab/results/model.js';
import { sig3 } from '../lab/stats/format.js';
import { money } from './html/cost.js';
import { modelTrust } from './model-trust.js';

/** PoPs of each class the per-PoP table shows (the CSV beside the report has every one). */
export const POPS_SHOWN_PER_CLASS = 12;

export const count = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Runtime labels, best first: by fleet cost per million requests when priced, else by hosts; a runtime leaving PoPs unservable goes last. */
export function rankedLabels(r: FleetResult): string[] {
  const key = (t: FleetRuntimeTotals): [number, number] => [t.unservable.length > 0 ? 1 : 0, t.perMillionRequests ?? t.hosts];
  return [...r.fleet.runtimes].sort((a, b) => {
    const ka = key(r.totals[a]!);
    const kb = key(r.totals[b]!);
    return ka[0] - kb[0] || ka[1] - kb[1];
  });
}

const cur = (r: FleetResult, x: number | undefined): string => (x === undefined ? 'no price' : money(x, r.fleet.currency ?? ''));

/** One runtime's fleet figures in a sentence. */
function runtimeLine(r: FleetResult, label: string): string {
  const t = r.totals[label]!;
  if (t.unservable.length === t.pops) return `${label}: no host count serves any PoP within the SLO (${bindingText(t)})`;
  const cost = t.perMillionRequests !== undefined ? `, ${cur(r, t.perMillionRequests)} per million requests, ${cur(r, t.costPerMonth)} a month` : '';
  const lost = t.unservable.length ? `; ${count(t.unservable.length)} PoP${t.unservable.length === 1 ? '' : 's'} no host count serves within the SLO` : '';
  return `${label}: ${count(t.hosts)} hosts (${sig3(t.tenantsPerHost)} tenants per host)${cost}${lost}`;
}

/** The report's opening: the headline and one line per runtime, best first. */
export function fleetAnswer(r: FleetResult): { headline: string; lines: string[] } {
  const ranked = rankedLabels(r);
  const best = ranked[0];
  const n = r.pops.length;
  const tenants = r.pops.reduce((a, p) => a + p.tenants, 0);
  const rate = r.pops.reduce((a, p) => a + p.rate, 0);
  const scope = `${count(n)} PoP${n === 1 ? '' : 's'}${r.fleet.sample !== undefined ? ` (a sample of ${count(r.fleet.pops)})` : ''}, ${count(tenants)} tenants, ${sig3(rate)} requests per second on average`;
  if (!best) return { headline: `Fleet ${r.fleet.name}: ${scope}; no runtime simulated.`, lines: [] };
  const t = r.totals[best]!;
  const by = t.perMillionRequests !== undefined ? `the cheapest per million requests (${cur(r, t.perMillionRequests)})` : `the fewest hosts (${count(t.hosts)})`;
  const second = ranked[1] ? r.totals[ranked[1]]! : undefined;
  const ratio = !second || t.hosts === 0 ? '' : second.hosts === t.hosts ? ` ${ranked[1]} needs as many hosts.` : ` ${ranked[1]} needs ${sig3(second.hosts / t.hosts)}x its hosts.`;
  return { headline: `Fleet ${r.fleet.name}: ${scope}. ${best} is ${by} at the SLO (${r.fleet.slo}).${ratio}`, lines: ranked.map((l) => runtimeLine(r, l)) };
}

/** Binding resources in a fixed order, for tables. */
export const BINDING_ORDER: BindingResource[] = ['cpu', 'memory', 'cold-start capacity', 'queueing', 'search bound'];

/** What `search bound` means in a fleet: one host holds the whole PoP. */
export function bindingWord(b: BindingResource): string {
  return b === 'search bound' ? 'fits one host' : b;
}

/** A runtime's binding counts in words: `cpu 120, memory 3 (e.g. metro-001, ...)`. */
export function bindingText(t: FleetRuntimeTotals): string {
  return BINDING_ORDER.filter((b) => t.binding[b])
    .map((b) => `${bindingWord(b)} ${count(t.binding[b]!)} (${t.bindingExamples[b]!.join(', ')}${t.binding[b]! > t.bindingExamples[b]!.length ? ', ...' : ''})`)
    .join('; ');
}

/** The PoPs the per-PoP table shows: the first `POPS_SHOWN_PER_CLASS` of each class, in fleet order. */
export function shownPops(r: FleetResult): FleetPopSummary[] {
  const seen = new Map<string, number>();
  return r.pops.filter((p) => {
    const k = seen.get(p.class) ?? 0;
    seen.set(p.class, k + 1);
    return k < POPS_SHOWN_PER_CLASS;
  });
}

/** One runtime at one PoP in a cell: hosts, tenants per host, what binds, cost. */
export function popCell(r: FleetResult, p: FleetPopSummary, label: string): string {
  const x = p.runtimes[label];
  if (!x) return 'not simulated';
  if (x.hosts === null) return `unservable (${x.binding.resource})`;
  const cost = x.perMillionRequests !== null ? `, ${cur(r, x.perMillionRequests)}/M` : '';
  return `${count(x.hosts)} x ${count(x.tenantsPerHost!)} (${bindingWord(x.binding.resource)})${cost}`;
}

/** The model-trust line of each runtime (out-of-sample validation), as simulated results show it. */
export function trustLines(r: FleetResult): { label: string; state: string; text: string }[] {
  return r.fleet.runtimes.map((label) => ({ label, ...modelTrust(r, label) }));
}

/** The fleet's PoP counts per class, in words. */
export function classesText(r: FleetResult): string {
  return r.fleet.classes.map((c) => `${c.name} ${count(c.count)}`).join(', ');
}
