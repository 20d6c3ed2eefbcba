/**
 * What the lab hands its load engine and what it gets back. The engine (lab/loadgen/engine, a
 * native process) reads the job from a file (job-file.ts), prints progress and its report as
 * JSON lines, and never shares an event loop, a GC pause or (when pinned) a core with the lab or
 * the runner it measures.
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
  /**
   * `pop` (default): a request of tenant `t` goes to `/t/<t><path>`, the PoP protocol; `plain`:
   * to `<path>` itself, for an endpoint that serves one workload and speaks no PoP protocol.
   */
  route?: 'pop' | 'plain';
  /** CPUs to pin the engine to (`sched_setaffinity`); absent: not pinned. */
  cpus?: number[];
  /** Tenants; `baseUrl` sends one's requests to an endpoint of its own instead of `popUrl` (a plain endpoint per workload). */
  tenants: { id: string; workload: string; baseUrl?: string }[];
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
  /** Connections the engine dialled in all (keep-alive reuse keeps this near the peak concurrency). */
  connections?: number;
}

/** Engine -> lab, one JSON line each. */
export type FromLoadgen = LoadProgress | LoadReport | { type: 'failed'; message: string };
