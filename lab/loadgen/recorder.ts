/**
 * What the load generator records, separated from how it sends: latency histograms per scope
 * (all, warm, cold) and per workload, send lag, per-second series, counts and error samples.
 * Pure bookkeeping, so it is unit-tested without any network.
 */
import type { ActivationKind } from '../pop/contract.js';
import { encodeHistogram, newHistogram, recordMs, type Histogram } from '../measure/histogram.js';
import type { EncodedScopes, LoadReport, LoadTimeseriesPoint } from './protocol.js';

interface Scopes {
  all: Histogram;
  warm: Histogram;
  cold: Histogram;
}

const newScopes = (): Scopes => ({ all: newHistogram(), warm: newHistogram(), cold: newHistogram() });
const encodeScopes = (s: Scopes): EncodedScopes => ({ all: encodeHistogram(s.all), warm: encodeHistogram(s.warm), cold: encodeHistogram(s.cold) });

interface Second {
  sent: number;
  completed: number;
  errors: number;
  cold: number;
  h: Histogram;
}

/** Where one request ended up. */
export type Outcome =
  | {
      ok: true;
      latencyMs: number;
      activation: ActivationKind;
      /** The PoP's activation record id, on a cold start (`x-lab-activation-id`). */
      activationId?: string;
      /** Milliseconds the request waited in its tenant's queue at the PoP (`x-lab-queue-ms`). */
      queueMs?: number;
    }
  | { ok: false; kind: string; status?: number; message: string };

/** Accumulates one load run's measurements. */
export class LoadRecorder {
  private readonly scopes = newScopes();
  private readonly byWorkload = new Map<string, Scopes>();
  /** Per workload: warm latency less the wait in the tenant's queue (what the simulator calibrates service time on). */
  private readonly warmService = new Map<string, Histogram>();
  /** Client-side latency of every cold response, warm-up included, by activation record id. */
  private readonly coldClientMs: Record<string, number> = {};
  private readonly sendLag = newHistogram();
  private readonly seconds: Second[] = [];
  private readonly errors: Record<string, number> = {};
  private readonly samples: LoadReport['errorSamples'] = [];
  private completed = 0;
  private late = 0;
  private warmupSent = 0;
  private cold = 0;
  private warm = 0;
  private spare = 0;
  private forcedCold = 0;
  private sentTotal = 0;
  private errorTotal = 0;

  constructor(
    private readonly planned: number,
    private readonly lateThresholdMs: number,
  ) {}

  private second(atMs: number): Second {
    const i = Math.max(0, Math.floor(atMs / 1000));
    while (this.seconds.length <= i) this.seconds.push({ sent: 0, completed: 0, errors: 0, cold: 0, h: newHistogram() });
    return this.seconds[i]!;
  }

  /** A request left the generator `lagMs` after its intended time. */
  sent(atMs: number, lagMs: number, warmup: boolean, forcedCold: boolean): void {
    this.sentTotal++;
    if (warmup) {
      this.warmupSent++;
      return;
    }
    recordMs(this.sendLag, Math.max(0, lagMs));
    if (lagMs > this.lateThresholdMs) this.late++;
    if (forcedCold) this.forcedCold++;
    this.second(atMs).sent++;
  }

  /** A measured request finished (warm-up requests are not passed here). */
  finished(atMs: number, workload: string, tenant: string, outcome: Outcome): void {
    const sec = this.second(atMs);
    if (!outcome.ok) {
      this.errorTotal++;
      sec.errors++;
      this.errors[outcome.kind] = (this.errors[outcome.kind] ?? 0) + 1;
      if (this.samples.filter((s) => s.kind === outcome.kind).length < 3) {
        this.samples.push({ kind: outcome.kind, tenant, ...(outcome.status === undefined ? {} : { status: outcome.status }), message: outcome.message.slice(0, 300) });
      }
      return;
    }
    this.completed++;
    sec.completed++;
    let w = this.byWorkload.get(workload);
    if (!w) this.byWorkload.set(workload, (w = newScopes()));
    const isCold = outcome.activation === 'cold';
    if (isCold) {
      this.cold++;
      sec.cold++;
    } else if (outcome.activation === 'spare') this.spare++;
    else {
      this.warm++;
      let s = this.warmService.get(workload);
      if (!s) this.warmService.set(workload, (s = newHistogram()));
      recordMs(s, outcome.latencyMs - (outcome.queueMs ?? 0));
    }
    for (const s of [this.scopes, w]) {
      recordMs(s.all, outcome.latencyMs);
      recordMs(isCold ? s.cold : s.warm, outcome.latencyMs);
    }
    recordMs(sec.h, outcome.latencyMs);
  }

  /**
   * A cold response arrived (warm-up ones too): its client-side latency, kept by activation id
   * so the PoP's activation record can carry what the client saw.
   */
  coldAnswered(activationId: string, latencyMs: number): void {
    this.coldClientMs[activationId] = latencyMs;
  }

  /** Live counters for progress display. */
  progress(): { sent: number; completed: number; errors: number; cold: number } {
    return { sent: this.sentTotal, completed: this.completed, errors: this.errorTotal, cold: this.cold };
  }

  /** The report; `notSent` counts planned requests never sent (interrupted run). */
  report(
    epochs: { startEpochMs: number; measureStartEpochMs: number; endEpochMs: number },
    warmupMs: number,
    spanMs: number,
    interrupted: boolean,
  ): LoadReport {
    const byWorkload: Record<string, EncodedScopes> = {};
    for (const [k, v] of [...this.byWorkload].sort(([a], [b]) => a.localeCompare(b))) byWorkload[k] = encodeScopes(v);
    const timeseries: LoadTimeseriesPoint[] = this.seconds.map((s, second) => ({
      second,
      sent: s.sent,
      completed: s.completed,
      errors: s.errors,
      cold: s.cold,
      hdr: encodeHistogram(s.h),
    }));
    const measuredEnd = interrupted ? Math.min(spanMs, epochs.endEpochMs - epochs.startEpochMs) : spanMs;
    return {
      type: 'report',
      ...epochs,
      interrupted,
      latency: encodeScopes(this.scopes),
      byWorkload,
      warmServiceByWorkload: Object.fromEntries([...this.warmService].sort(([a], [b]) => a.localeCompare(b)).map(([k, h]) => [k, encodeHistogram(h)])),
      coldClientMs: { ...this.coldClientMs },
      sendLag: encodeHistogram(this.sendLag),
      counts: {
        planned: this.planned,
        completed: this.completed,
        late: this.late,
        warmup: this.warmupSent,
        cold: this.cold,
        warm: this.warm,
        spare: this.spare,
        forcedCold: this.forcedCold,
        notSent: this.planned - this.sentTotal,
        errors: { ...this.errors },
      },
      measuredSeconds: Math.max(0, (measuredEnd - warmupMs) / 1000),
      timeseries,
      errorSamples: this.samples,
    };
  }
}
