/**
 * A load job split into shards for load generators that run apart (the pods of a cluster's
 * load-generator Job), and their reports joined back into one.
 *
 * Sharding is by tenant: every request of a tenant goes to one shard, so each tenant's arrivals
 * keep their order and their own connection pool, as one generator would have sent them. Tenants
 * are dealt to the shard with the fewest requests so far, most requests first (a Zipf mix makes
 * the hottest tenant a large share: shards are then as even as whole tenants allow). Every shard
 * keeps the full tenant and fixture tables, so indices mean the same in each.
 */
import { decodeHistogram, encodeHistogram, mergeInto, newHistogram } from '../measure/histogram.js';
import type { EncodedScopes, LoadJob, LoadReport, LoadTimeseriesPoint } from './protocol.js';

type Job = Omit<LoadJob, 'type'>;

/** Which shard each tenant's requests go to (index = tenant index). */
export function tenantShards(job: Pick<Job, 'tenants' | 'tenant'>, shards: number): number[] {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a positive integer, got ${shards}`);
  const counts = new Array<number>(job.tenants.length).fill(0);
  for (const t of job.tenant) counts[t]!++;
  const order = counts.map((c, i) => [c, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const load = new Array<number>(shards).fill(0);
  const of = new Array<number>(job.tenants.length).fill(0);
  for (const [c, i] of order) {
    let best = 0;
    for (let s = 1; s < shards; s++) if (load[s]! < load[best]!) best = s;
    of[i] = best;
    load[best]! += c;
  }
  return of;
}

/** The job split into `shards` jobs (by tenant, see above); their requests together are the job's, each once. */
export function shardJob(job: Job, shards: number): Job[] {
  const of = tenantShards(job, shards);
  const out: Job[] = [];
  for (let s = 0; s < shards; s++) {
    const idx: number[] = [];
    for (let i = 0; i < job.atMs.length; i++) if (of[job.tenant[i]!] === s) idx.push(i);
    out.push({
      ...job,
      atMs: Float64Array.from(idx, (i) => job.atMs[i]!),
      tenant: Uint32Array.from(idx, (i) => job.tenant[i]!),
      fixture: Uint32Array.from(idx, (i) => job.fixture[i]!),
      forceCold: Uint8Array.from(idx, (i) => job.forceCold[i]!),
      warmup: Uint8Array.from(idx, (i) => job.warmup[i]!),
    });
  }
  return out;
}

function mergeEncoded(parts: string[]): string {
  const h = newHistogram();
  for (const p of parts) if (p !== '') mergeInto(h, decodeHistogram(p));
  return encodeHistogram(h);
}

function mergeScopes(parts: EncodedScopes[]): EncodedScopes {
  return { all: mergeEncoded(parts.map((p) => p.all)), warm: mergeEncoded(parts.map((p) => p.warm)), cold: mergeEncoded(parts.map((p) => p.cold)) };
}

/** The reports of a sharded job's generators as one: histograms merged, counts summed, seconds aligned on each generator's own start. */
export interface MergedLoad {
  report: LoadReport;
  /** The spread of the generators' intended time zero, ms: their seconds are added as if it were 0. */
  startSkewMs: number;
}

/** Joins shard reports (one per generator) into one report of the whole job. */
export function mergeLoadReports(reports: LoadReport[]): MergedLoad {
  if (reports.length === 0) throw new Error('no load reports to merge');
  const workloads = [...new Set(reports.flatMap((r) => Object.keys(r.byWorkload)))].sort();
  const services = [...new Set(reports.flatMap((r) => Object.keys(r.warmServiceByWorkload)))].sort();
  const seconds = new Map<number, { sent: number; completed: number; errors: number; cold: number; hdr: string[] }>();
  for (const r of reports) {
    for (const p of r.timeseries) {
      const s = seconds.get(p.second) ?? seconds.set(p.second, { sent: 0, completed: 0, errors: 0, cold: 0, hdr: [] }).get(p.second)!;
      s.sent += p.sent;
      s.completed += p.completed;
      s.errors += p.errors;
      s.cold += p.cold;
      s.hdr.push(p.hdr);
    }
  }
  const timeseries: LoadTimeseriesPoint[] = [...seconds].sort((a, b) => a[0] - b[0]).map(([second, s]) => ({ second, sent: s.sent, completed: s.completed, errors: s.errors, cold: s.cold, hdr: mergeEncoded(s.hdr) }));
  const errors: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.counts.errors)) errors[k] = (errors[k] ?? 0) + v;
  const sum = (f: (r: LoadReport) => number): number => reports.reduce((a, r) => a + f(r), 0);
  // The first sample of each error kind, as one generator keeps them.
  const samples: LoadReport['errorSamples'] = [];
  for (const r of reports) for (const e of r.errorSamples) if (!samples.some((s) => s.kind === e.kind)) samples.push(e);
  const starts = reports.map((r) => r.startEpochMs);
  const connections = reports.every((r) => r.connections === undefined) ? undefined : sum((r) => r.connections ?? 0);
  const report: LoadReport = {
    type: 'report',
    startEpochMs: Math.min(...starts),
    measureStartEpochMs: Math.min(...reports.map((r) => r.measureStartEpochMs)),
    endEpochMs: Math.max(...reports.map((r) => r.endEpochMs)),
    interrupted: reports.some((r) => r.interrupted),
    latency: mergeScopes(reports.map((r) => r.latency)),
    byWorkload: Object.fromEntries(workloads.map((w) => [w, mergeScopes(reports.flatMap((r) => (r.byWorkload[w] ? [r.byWorkload[w]] : [])))])),
    warmServiceByWorkload: Object.fromEntries(services.map((w) => [w, mergeEncoded(reports.flatMap((r) => (r.warmServiceByWorkload[w] !== undefined ? [r.warmServiceByWorkload[w]] : [])))])),
    coldClientMs: Object.assign({}, ...reports.map((r) => r.coldClientMs)) as Record<string, number>,
    sendLag: mergeEncoded(reports.map((r) => r.sendLag)),
    counts: {
      planned: sum((r) => r.counts.planned),
      completed: sum((r) => r.counts.completed),
      late: sum((r) => r.counts.late),
      warmup: sum((r) => r.counts.warmup),
      cold: sum((r) => r.counts.cold),
      warm: sum((r) => r.counts.warm),
      spare: sum((r) => r.counts.spare),
      forcedCold: sum((r) => r.counts.forcedCold),
      notSent: sum((r) => r.counts.notSent),
      errors,
    },
    // The generators ran side by side: the measured span is the longest of theirs, not their sum.
    measuredSeconds: Math.max(...reports.map((r) => r.measuredSeconds)),
    timeseries,
    errorSamples: samples,
    ...(connections !== undefined ? { connections } : {}),
  };
  return { report, startSkewMs: Math.max(...starts) - Math.min(...starts) };
}
