/**
 * The one contract between the lab and every substrate (bare process, Wasm host, Docker, ...).
 *
 * A runner exposes a *PoP endpoint* on 127.0.0.1: plain HTTP, so that a host written in any
 * language (the Rust Wasmtime host included) can implement it. The TypeScript `Runner`
 * interface below only prepares artifacts and launches/stops that endpoint; everything else
 * (tenant traffic, eviction, stats, memory) goes over HTTP and is driven by `PopClient`.
 *
 * HTTP protocol of a PoP endpoint:
 * - `ANY /t/<tenant>/<path>`: a tenant request. The guest sees `<path>` (with query).
 *   Request header `x-lab-force-cold: 1` makes the host activate a fresh instance for it.
 *   Response headers added by the host: `x-lab-activation: cold | warm | spare`,
 *   `x-lab-instance: <id>`; on a cold start also `x-lab-activation-id: <id>`; when the request
 *   waited in its tenant's queue (instance cap or memory budget) also `x-lab-queue-ms: <ms>`,
 *   the wait, so a client can tell the host's queueing from the instance's service.
 *   `server-timing: pop;dur=<ms>[, guest;dur=<ms>]` (W3C Server-Timing, milliseconds): `pop` runs
 *   from the request's arrival at the PoP (its `request` event: headers parsed) to the response
 *   head being written; `guest`, when the substrate can tell, is the part spent inside the
 *   guest's own handler. Their difference is what the host adds to the request.
 *   Host-side failures answer 5xx with header `x-lab-error: <kind>` and a text body that names
 *   the tenant (`tenant t0003: instance crashed (exit code 1)`).
 * - `POST /_lab/evict` with JSON `{ "tenant"?: string }`: evict one tenant's instances, or all.
 * - `GET /_lab/stats`: `PopStats` JSON; `?drain=1` also clears the activation log.
 * - `GET /_lab/memory`: `MemoryReport` JSON (may take a while: it measures).
 * - `GET /_lab/health`: 200 once the endpoint serves.
 */

import type { KeepAliveSpec, TenantLimits } from '../scenario/types.js';
import type { LoadJob, LoadProgress, LoadReport } from '../loadgen/protocol.js';
import type { ConformanceDeclaration } from './conformance.js';

/** Header names of the PoP protocol, in one place. */
export const POP_HEADERS = {
  forceCold: 'x-lab-force-cold',
  activation: 'x-lab-activation',
  instance: 'x-lab-instance',
  activationId: 'x-lab-activation-id',
  /** Milliseconds the request waited in its tenant's queue; absent when it did not wait. */
  queue: 'x-lab-queue-ms',
  error: 'x-lab-error',
  /** Host-side timing of a tenant request (see the protocol above). */
  timing: 'server-timing',
} as const;

/** How a request found its instance. `spare` = handed a pre-instantiated instance from a pool. */
export type ActivationKind = 'cold' | 'warm' | 'spare';

/** Why a cold start happened. */
export type ColdReason = 'no-instance' | 'forced' | 'all-busy';

/** One named phase of an activation, e.g. spawn, init, firstResponse, create, start, pull. */
export interface Phase {
  name: string;
  ms: number;
  /**
   * CPU time (user + system, all threads) the instance itself consumed during this phase,
   * milliseconds, when the substrate can tell (process: from /proc at ready). Wall time `ms`
   * includes waiting for a CPU on a busy machine; this does not, so the simulator charges it
   * to its cores instead of the wall time.
   */
  cpuMs?: number;
}

/** One activation (a cold start on the request path, or a spare instance made off it). */
export interface ActivationRecord {
  id: string;
  tenant: string;
  workload: string;
  instance: string;
  /** Where it happened: on the request path (`request`) or filling a spare pool (`spare-fill`). */
  path: 'request' | 'spare-fill';
  reason: ColdReason | 'pool';
  /** Activation strategy for runners that have several (container: cold, pre-created, paused, ...). */
  strategy: string;
  /** Epoch milliseconds when the request arrived at the PoP (or the fill started). */
  startedAtMs: number;
  /** Arrival at the PoP to first byte of the response (request path), or to ready (spare fill). */
  totalMs: number;
  /**
   * Set by the lab, not the runner: the latency the load generator saw for this request
   * (intended send time to last byte), when it got the response. `totalMs` plus the loopback
   * network, the client's send lag and the response body.
   */
  clientMs?: number;
  phases: Phase[];
  ok: boolean;
  error?: string;
}

/** Live instance counts and counters of a PoP endpoint. */
export interface PopStats {
  runtime: string;
  /** Live instances per tenant id. */
  instances: Record<string, number>;
  /** Spare (pre-instantiated, unassigned) instances per tenant id. */
  spares: Record<string, number>;
  counters: {
    requests: number;
    cold: number;
    warm: number;
    spare: number;
    errors: number;
    evictions: number;
    /** Evictions by cause: the `EvictionCause` values of lab/policy/types.ts (idle, memory, command, crash, forced, timeout). */
    evictionsBy: Record<string, number>;
  };
  activations: ActivationRecord[];
  /** CPU the substrate's engine spent outside the PoP host and the instances, when the runner has one (container). */
  engine?: EngineCpuReport;
  /** Pauses of the host's threads, when the host records them (Node hosts); `drain` empties `stalls`, `totals` are cumulative. */
  timeline?: HostTimeline;
}

/**
 * What held up a host thread: the substrate's own work (`gc`, `instantiate`, `guest-call`,
 * `load`, `compile`), a blocked event loop no other record explains (`event-loop`), or the lab's
 * own bookkeeping (`lab-stats`, `lab-memory-probe`), which must not fall in a measured window.
 */
export type StallCause = 'gc' | 'event-loop' | 'instantiate' | 'guest-call' | 'load' | 'compile' | 'lab-stats' | 'lab-memory-probe';

/** The causes that are the lab's bookkeeping rather than the substrate's work. */
export const BOOKKEEPING_CAUSES: readonly StallCause[] = ['lab-stats', 'lab-memory-probe'];

/** One pause of one host thread. */
export interface StallRecord {
  /** Wall-clock start, ms since the Unix epoch (aligns with the load report's `startEpochMs`). */
  atEpochMs: number;
  ms: number;
  /** `main` (the PoP server and the pool) or `worker-<n>` (an engine thread). */
  thread: string;
  cause: StallCause;
  /** The tenant, the GC kind, ...: whatever names it further. */
  detail?: string;
}

/** A host's pause records: every bookkeeping segment, and substrate pauses of at least `thresholdMs`. */
export interface HostTimeline {
  thresholdMs: number;
  stalls: StallRecord[];
  /** Per `<thread>/<cause>`: how many were recorded and their time, cumulative since launch. */
  totals: Record<string, { count: number; ms: number; maxMs: number }>;
}

/**
 * CPU of the machinery a runner drives outside its PoP host and its instances (container: the
 * engine's dockerd, containerd, shims and runc), cumulative since the PoP launched. It competes
 * with the tenants for the same cores, so the simulator charges it to its modelled cores.
 */
export interface EngineCpuReport {
  /** How it was measured, or why not, in one sentence. */
  method: string;
  /** Engine CPU since launch, milliseconds; null when it cannot be measured here (`method` says why). */
  cpuMs: number | null;
  /**
   * Engine calls by `<path>/<call>` (`request/create`, `request/start`, `fill/create`,
   * `disposal/remove`, ...): how many were made, how many ran alone (no other call of this PoP
   * in flight), and the engine CPU those took in all. Overlapping calls are not charged.
   */
  operations: Record<string, { count: number; alone: number; aloneCpuMs: number }>;
}

/** Memory of one instance, measured (never a declared size). */
export interface InstanceMemory {
  tenant: string;
  instance: string;
  /** Unique set size: Private_Clean + Private_Dirty, bytes. */
  ussBytes: number;
  /** Proportional set size, bytes. */
  pssBytes: number;
  /** Resident set size, bytes (counts shared pages in full: for reference only). */
  rssBytes: number;
}

export interface MemoryReport {
  runtime: string;
  /** How the figures were obtained, in one sentence, for the report. */
  method: string;
  instances: InstanceMemory[];
  /** Per-instance memory: mean USS over live instances, bytes. */
  perInstanceUssBytes: number;
  perInstancePssBytes: number;
  /** Memory the runtime needs regardless of instance count (host process, shims...), bytes. */
  fixedOverheadBytes: number;
  /** Extra figures a runner can report (cgroup usage, per-artifact cost...). */
  extra: Record<string, number>;
}

/** A workload artifact a runner prepared, for the reproducibility and fairness records. */
export interface ArtifactInfo {
  workload: string;
  /** Packaging: node, wasm-component, oci-image-scratch, ... */
  packaging: string;
  /** Content digest, `sha256:<hex>`, of the artifact itself. */
  digest: string;
  /** Digest of the workload's handler source, identical across packagings of one workload. */
  sourceDigest: string;
  sizeBytes: number;
  path?: string;
  /** Why the packaging is not the one asked for, when it is not (a language without init, a fallback to the plain build). */
  note?: string;
}

/** A tenant as a runner sees it. */
export interface TenantAssignment {
  id: string;
  workload: string;
}

/** Everything a runner needs to launch its PoP endpoint for one run; `O` is the runner's typed options. */
export interface LaunchPlan<O = unknown> {
  runId: string;
  tenants: TenantAssignment[];
  keepAlive: KeepAliveSpec;
  /** What one instance may use (scenario `limits`); absent in ad-hoc launches, which take DEFAULT_TENANT_LIMITS. Runner options of the same name override it. */
  limits?: TenantLimits;
  /** The runner's options, parsed once from the scenario by `Runner.parseOptions`. */
  options: O;
  /** The scenario's seed: runners that draw random choices (artifact misses) derive their streams from it. Absent in ad-hoc launches (benches, tests). */
  seed?: number;
  /** Fraction of activations whose artifact must first be fetched from the origin (scenario `cache.artifactMissRate`); absent = 0. */
  artifactMissRate?: number;
  /** Deadline for one tenant request, milliseconds; an instance that exceeds it is killed. */
  requestTimeoutMs: number;
  /** Directory for the runner's logs and scratch files. */
  workDir: string;
}

/** A figure a runner cannot give, and why: the result says so instead of inventing it. */
export interface NotMeasured {
  /** `coldStart`, `memory`, `pop` (counters), ... */
  figure: string;
  why: string;
}

/** A launched PoP endpoint. */
export interface PopHandle {
  /** What confines each instance, mechanism by mechanism, as this launch enforces it (a runner that does not say leaves it out). */
  isolation?: string[];
  /** Base URL, always http://127.0.0.1:<port>. */
  url: string;
  /**
   * Present when the endpoint speaks no PoP protocol (a reference host, a server of the user's):
   * the base URL each workload's requests go to as they are (`<base><path>`, no tenant route),
   * measured client-side only, and what therefore cannot be measured.
   */
  plain?: { urls: Record<string, string>; notMeasured: NotMeasured[] };
  /**
   * Figures a PoP endpoint cannot give although it speaks the protocol (a cluster's: memory when
   * the cluster has no metrics API, ...): named in the result; `memory` among them means
   * `/_lab/memory` is not asked.
   */
  notMeasured?: NotMeasured[];
  /**
   * Present when the runner sends the plan itself, from where its instances are (a cluster's
   * load-generator Job): the lab hands it the job instead of starting its own engine, and gets
   * one report back (several generators' merged).
   */
  remoteLoad?: (job: Omit<LoadJob, 'type'>, onProgress: (p: LoadProgress) => void) => RemoteLoadRun;
  /** Stops the endpoint and every instance; idempotent; never throws for an already-dead host. */
  stop(): Promise<void>;
}

/** A load the runner drives: await `done`; `stop()` ends it early (Ctrl-C). */
export interface RemoteLoadRun {
  done: Promise<LoadReport>;
  stop(): void;
}

/** What `prepare` returns. */
export interface PreparedRuntime {
  artifacts: ArtifactInfo[];
  /** Versions of the runner's own parts (engine, runtime), for the reproducibility record. */
  versions: Record<string, string>;
}

declare const parsedBrand: unique symbol;

/**
 * The options of a runner whose type is not known statically (one taken from the registry by
 * name): a value only that runner's `parseOptions` produces, so a raw scenario map can never be
 * passed to `prepare` or `launch` unchecked.
 */
export interface OpaqueOptions {
  readonly [parsedBrand]: true;
}

/** A runner's options after their one check: the typed value, or every problem (each naming the option). */
export type ParsedOptions<O> = { ok: true; value: O } | { ok: false; problems: string[] };

/**
 * A substrate. Registered by name in runners/registry.ts; adding one is one folder plus one
 * registry line, and the conformance suite (runners/conformance/) runs against it.
 *
 * The scenario's `options` map is checked once, by `parseOptions`, into the typed value `O` that
 * `prepare` and `launch` take and that travels on to the host; nothing downstream checks it
 * again.
 */
export interface Runner<O = unknown> {
  readonly name: string;
  /** Every problem with a scenario's `options` map, or the typed options. */
  parseOptions(raw: Record<string, unknown>): ParsedOptions<O>;
  /** Builds or locates artifacts for these workloads (cached), without starting anything. */
  prepare(workloads: string[], options: O): Promise<PreparedRuntime>;
  /** Starts the PoP endpoint on 127.0.0.1 and resolves once it serves. */
  launch(plan: LaunchPlan<O>): Promise<PopHandle>;
  /** What the conformance suite needs to know: behaviours it cannot show (and why), test options, its misbehaving tenant. */
  readonly conformance: ConformanceDeclaration;
}
