/**
 * The report's stall evidence: per runtime run, what held up the host's threads in the measured
 * window (GC, instantiations, guest calls, the lab's own bookkeeping) and every second whose p99
 * was more than ten times its p50, with the pauses that explain it or the word "unexplained".
 * A tail that comes from the host, not the substrate, must be visible as such.
 */
import type { RunResult, RuntimeResult } from '../../lab/results/model.js';
import { sig3 } from '../../lab/stats/format.js';
import { esc } from '../escape.js';
import { table, tag } from './parts.js';

/** Seconds listed per run; the rest are counted. */
const SECONDS_SHOWN = 12;

const ms = (x: number): string => `${sig3(x)} ms`;

function causes(run: RuntimeResult): string {
  const by = Object.entries(run.stalls!.byCause).sort((a, b) => b[1].ms - a[1].ms);
  if (by.length === 0) return 'none';
  return by.map(([c, t]) => `${esc(c)} ${t.count}× ${ms(t.ms)} (longest ${ms(t.maxMs)})`).join('<br>');
}

function summaryRow(run: RuntimeResult): string[] {
  const name = `${esc(run.label)} #${run.repetition}`;
  if (!run.stalls) return [name, 'not recorded by this host', '', '', ''];
  const s = run.stalls;
  const unexplained = s.suspectSeconds.filter((x) => !x.explained).length;
  return [
    name,
    causes(run),
    `${s.bookkeeping.count} segments, ${ms(s.bookkeeping.ms)} (longest ${ms(s.bookkeeping.maxMs)})`,
    String(s.suspectSeconds.length),
    s.suspectSeconds.length === 0 ? tag('ok') : unexplained === 0 ? `${tag('explained')} all` : `${tag('check')} ${unexplained} unexplained`,
  ];
}

function secondsTable(run: RuntimeResult): string {
  const s = run.stalls!;
  if (s.suspectSeconds.length === 0) return '';
  const shown = [...s.suspectSeconds].sort((a, b) => b.p99Ms - a.p99Ms).slice(0, SECONDS_SHOWN);
  const rows = shown.map((x) => [
    String(x.second),
    ms(x.p50Ms),
    ms(x.p99Ms),
    x.pauses.slice(0, 4).map((p) => `${esc(p.thread)} ${esc(p.cause)} ${ms(p.ms)}`).join('<br>') || 'none recorded',
    x.explained ? tag('explained') : tag('unexplained'),
  ]);
  const more = s.suspectSeconds.length - shown.length;
  return `<h3>${esc(run.label)} #${run.repetition}: seconds with p99 &gt; ${s.suspectRatio}× p50${more > 0 ? ` (worst ${shown.length} of ${s.suspectSeconds.length})` : ''}</h3>
${table(['second', 'p50', 'p99', 'host pauses in flight (thread, cause, time)', 'verdict'], rows, [0, 1, 2])}`;
}

/** The stall evidence section. */
export function stallSection(result: RunResult): string {
  const runs = result.runs.filter((r) => r.status !== 'failed');
  if (runs.length === 0) return '';
  const threshold = runs.find((r) => r.stalls)?.stalls?.thresholdMs;
  return `<section id="stalls"><h2>Stall evidence</h2>
<p class="method">Each Node host records what held up its threads (kit/stalls.ts): GC pauses, instantiations, guest calls and event-loop lag from ${threshold !== undefined ? ms(threshold) : 'its threshold'} up, and every segment of the lab's own bookkeeping (stats drains, memory probes), on the wall clock. A second whose p99 is more than ten times its p50 is explained when one thread's recorded pauses, or one tenant's cold starts, cover at least half of p99 − p50 while its slow requests were in flight. Pauses of the substrate (GC of instance memories, instantiation) are its own behaviour and stay in its figures; bookkeeping of the lab's in the window would not be, and is listed. See docs/methodology.md.</p>
${table(['run', 'pauses in the measured window, by cause', 'lab bookkeeping in the window', 'suspect seconds', 'verdict'], runs.map(summaryRow), [3])}
${runs.filter((r) => r.stalls).map(secondsTable).join('\n')}</section>`;
}
