/**
 * Messages between the lab and its load-generator process. The load generator runs in its own
 * process so that it never shares an event loop (or a GC pause) with the runner it measures.
 * The channel uses Node's 'advanced' IPC serialization, so typed arrays cross it as is.
 */

/** A request the load generator can send for one workload fixture. */
export interface WireFixture {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The status the workload's fixture expects; any other status counts as an error. */
  expectStatus: number;
}

/** The whole job, sent once. Requests are columnar so 100k-request plans stay cheap to ship. */
export interface LoadJob {
  type: 'job';
  /** PoP endpoint base URL (must be a loopback address). */
  popUrl: string;
  tenants: { id: string; workload: string }[];
  /** Traffic fixtures per workload name. */
  fixtures: Record<string, WireFixture[]>;
  atMs: Float64Array;
  tenant: Uint32Array;
  fixture: Uint32Array;
  /** 1 = forced cold. */
  forceCold: Uint8Array;
  /** 1 = warm-up request (sent, not measured). */
  warmup: Uint8Array;
  /** Planned span (warm-up + duration) and warm-up length, milliseconds. */
  spanMs: number;
  warmupMs: number;
  timeoutMs: number;
  /** A send later than this past its intended time counts as late. */
  lateThresholdMs: number;
  /** Upper bound on requests in flight; beyond it a request is counted as a client-overload error, never silently skipped. */
  maxInFlight: number;
}

export interface LoadProgress {
  type: 'progress';
  elapsedMs: number;
  spanMs: number;
  sent: number;
  completed: number;
  errors: number;
  cold: number;
}

/** Per-scope histograms as encoded HDR strings (microseconds). */
export interface EncodedScopes {
  all: string;
  warm: string;
  cold: string;
}

export interface LoadTimeseriesPoint {
  second: number;
  sent: number;
  completed: number;
  errors: number;
  cold: number;
  /** Encoded HDR histogram of that second's latencies. */
  hdr: string;
}

export interface LoadReport {
  type: 'report';
  /** Epoch ms of intended time 0 and of the end of warm-up: activation records are filtered by it. */
  startEpochMs: number;
  measureStartEpochMs: number;
  endEpochMs: number;
  interrupted: boolean;
  latency: EncodedScopes;
  byWorkload: Record<string, EncodedScopes>;
  /** Per workload: warm latency less the wait in the tenant's queue (`x-lab-queue-ms`), encoded HDR. */
  warmServiceByWorkload: Record<string, string>;
  /** Client-side latency (intended send to last byte) of each cold response, warm-up included, by activation record id. */
  coldClientMs: Record<string, number>;
  sendLag: string;
  counts: {
    planned: number;
    completed: number;
    late: number;
    warmup: number;
    cold: number;
    warm: number;
    spare: number;
    forcedCold: number;
    notSent: number;
    errors: Record<string, number>;
  };
  /** Measured seconds only. */
  measuredSeconds: number;
  timeseries: LoadTimeseriesPoint[];
  errorSamples: { kind: string; tenant: string; status?: number; message: string }[];
}

/** Parent -> child: stop sending now and report what was measured. */
export interface LoadStop {
  type: 'stop';
}

export type ToLoadgen = LoadJob | LoadStop;
export type FromLoadgen = LoadProgress | LoadReport | { type: 'failed'; message: string };
