/** The report's cost section (scenario `cost`): density turned into hosts and money per runtime (reports/cost.ts). */
import { sig3 } from '../../lab/stats/format.js';
import { HOURS_PER_MONTH, type CostTable, type Span } from '../cost.js';
import { esc } from '../escape.js';
import { table } from './parts.js';

/** An amount of money to three significant figures (never in exponent form). */
export function money(x: number, currency: string): string {
  if (!Number.isFinite(x)) return 'unbounded';
  const v = Number(x.toPrecision(3));
  return `${v.toLocaleString('en-US', { maximumFractionDigits: 12, minimumFractionDigits: v >= 1 && v < 10 ? 2 : 0 })} ${currency}`;
}

/** A figure with its interval, or the figure alone when the interval is a point. */
export function spanText(s: Span, f: (x: number) => string): string {
  return s.lo === s.hi ? f(s.value) : `${f(s.value)} [${f(s.lo)}, ${f(s.hi)}]`;
}

const count = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'unbounded');

export function costSection(c: CostTable | undefined, flagged: readonly string[] = []): string {
  if (!c) return '';
  const m = (x: number) => money(x, c.currency);
  const rows = c.rows.map((r) => [
    `<code>${esc(r.label)}</code>`,
    `${esc(spanText(r.tenantsPerHost, count))}${r.atCeiling ? ' (at least)' : ''}<br><span class="note">${esc(r.source)}</span>`,
    esc(spanText(r.hostsPerPop, count)),
    esc(spanText(r.fleetHosts, count)),
    `<span class="fig">${esc(spanText(r.perMillionRequests, m))}</span>`,
    esc(spanText(r.perTenantMonth, m)),
    esc(spanText(r.fleetPerMonth, m)),
  ]);
  return `<section id="cost"><h2>Cost</h2>
<p class="note">${esc(`${c.tenants.toLocaleString('en-US')} tenants per PoP on ${c.pops.toLocaleString('en-US')} PoP${c.pops === 1 ? '' : 's'}, one host ${m(c.hostPerHour)} per hour (${HOURS_PER_MONTH} hours a month), ${sig3(c.perTenantRate)} requests per second per tenant. Hosts per PoP round up; a cost per million requests or per tenant-month is the host's price over what one full host carries. Intervals are those of the density behind each row, carried through.`)}</p>
${table(['runtime', 'tenants per host', 'hosts per PoP', 'hosts in the fleet', 'per million requests', 'per tenant-month', 'fleet per month'], rows, [2, 3, 4, 5, 6])}
${flagged.length ? `<p class="fail">${esc(`Resting on a simulator outside its out-of-sample bounds (see Density): ${flagged.join(', ')}.`)}</p>` : ''}
<p class="note">Assumed, not measured:</p><ul class="note">${c.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul></section>`;
}
