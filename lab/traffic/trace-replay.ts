/**
 * Trace replay: tenant popularity and the arrival-rate profile both taken from a per-minute
 * invocation trace (Azure Functions 2019 format). The `live` most invoked functions of the
 * trace become the live tenants; each trace minute, from `startMinute` on, is compressed into
 * `secondsPerMinute` live seconds. Within a minute a request goes to a tenant in proportion to
 * that tenant's invocations in that minute, and the aggregate rate follows the live tenants'
 * summed invocations minute by minute, scaled so the mean over the span is the scenario's rate.
 * When the span needs more minutes than the trace has after `startMinute`, the replay wraps to
 * minute 1 (a trace file is one day, and the day repeats).
 */
import { InputError } from '../errors.js';
import { AliasSampler } from './alias.js';
import { traceRowTotal, type AzureTraceRow } from './azure-trace.js';
import { TimeWarp } from './time-warp.js';

/** The trace settings replay needs (the `trace` popularity spec minus its file). */
export interface TraceReplaySpec {
  secondsPerMinute: number;
  startMinute: number;
}

/** A trace prepared for one plan: chosen rows, their overall shares and per-minute samplers. */
export interface TraceReplay {
  /** Replayed rows by popularity rank (index 0 = rank 1 = most invocations over the whole trace). */
  readonly rows: readonly AzureTraceRow[];
  /** Probability that a request of the span goes to each replayed row. */
  readonly shares: Float64Array;
  /** Live milliseconds one trace minute is compressed into. */
  readonly segmentMs: number;
  /** Relative aggregate rate of each segment of the span (live tenants' invocations in its minute). */
  readonly segmentWeights: Float64Array;
  /** A fresh warp from operational to real time (each schedule needs its own cursor). */
  warp(): TimeWarp;
  /** The tenant sampler of a segment, built on first use and shared by segments replaying the same minute. */
  samplerFor(segment: number): AliasSampler;
  /** Trace minute (0-based column of `counts`) replayed by a segment. */
  minuteOf(segment: number): number;
}

/** The `live` rows with the most invocations, most first; ties keep file order so the choice is stable. */
export function topTraceRows(rows: readonly AzureTraceRow[], live: number): AzureTraceRow[] {
  if (!Number.isInteger(live) || live < 1) throw new InputError(`live tenant count must be a positive integer, got ${live}`);
  if (rows.length < live) throw new InputError(`the trace has ${rows.length} function rows, fewer than live.tenants (${live})`);
  const totals = rows.map((row, index) => ({ row, index, total: traceRowTotal(row) }));
  totals.sort((a, b) => b.total - a.total || a.index - b.index);
  return totals.slice(0, live).map((t) => t.row);
}

/** Prepares the replay of `rows` (already parsed) for a plan of `spanMs` with `live` tenants. */
export function traceReplay(rows: readonly AzureTraceRow[], spec: TraceReplaySpec, live: number, spanMs: number): TraceReplay {
  const chosen = topTraceRows(rows, live);
  const minutes = (chosen[0] as AzureTraceRow).counts.length;
  if (!(spec.secondsPerMinute > 0) || !Number.isFinite(spec.secondsPerMinute)) throw new InputError(`trace secondsPerMinute must be > 0, got ${spec.secondsPerMinute}`);
  if (!Number.isInteger(spec.startMinute) || spec.startMinute < 1 || spec.startMinute > minutes) {
    throw new InputError(`trace startMinute must be an integer in 1..${minutes} (the trace's minutes), got ${spec.startMinute}`);
  }
  if (!(spanMs > 0)) throw new InputError(`traffic span must be > 0 ms, got ${spanMs}`);
  const segmentMs = spec.secondsPerMinute * 1000;
  const segments = Math.ceil(spanMs / segmentMs);
  const minuteOf = (segment: number): number => (spec.startMinute - 1 + segment) % minutes;

  const segmentWeights = new Float64Array(segments);
  const mass = new Float64Array(live);
  let totalMass = 0;
  for (let s = 0; s < segments; s++) {
    const minute = minuteOf(s);
    const covered = Math.min(segmentMs, spanMs - s * segmentMs);
    let w = 0;
    for (let i = 0; i < live; i++) {
      const c = (chosen[i] as AzureTraceRow).counts[minute] as number;
      w += c;
      mass[i] = (mass[i] as number) + c * covered;
    }
    segmentWeights[s] = w;
    totalMass += w * covered;
  }
  if (!(totalMass > 0)) {
    throw new InputError(`the ${live} replayed trace functions have no invocations in minutes ${spec.startMinute}.. over the ${segments} replayed minute(s); pick another startMinute`);
  }
  // A request lands in segment s with probability ∝ w_s·covered_s and then goes to tenant i with
  // probability c_is / w_s, so the overall share of i is Σ c_is·covered_s / Σ w_s·covered_s.
  const shares = mass.map((m) => m / totalMass);

  const samplers = new Map<number, AliasSampler>();
  return {
    rows: chosen,
    shares,
    segmentMs,
    segmentWeights,
    warp: () => new TimeWarp(segmentWeights, segmentMs, spanMs),
    minuteOf,
    samplerFor(segment: number): AliasSampler {
      const minute = minuteOf(segment);
      let sampler = samplers.get(minute);
      if (!sampler) {
        sampler = new AliasSampler(chosen.map((row) => row.counts[minute] as number));
        samplers.set(minute, sampler);
      }
      return sampler;
    },
  };
}
