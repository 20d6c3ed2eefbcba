/**
 * The one versioned results model. JSON, CSV, HTML, Markdown and JUnit renderers read only
 * this; live runs, the simulator and the fleet simulation produce it. Bump
 * `RESULT_SCHEMA_VERSION` on any incompatible change, keep the versions still readable in
 * `READABLE_RESULT_VERSIONS`, and say why in the history below (docs/architecture.md "One
 * results model" points here).
 *
 * History:
 * - 1: live and simulated run results (`RunResult`).
 * - 2: the fleet kinds (`FleetShardResult`, `FleetResult`, lab simulate --fleet, lab merge).
 *   A lab of version 1 would take a fleet file for a run result, so files now say 2; a version
 *   1 file is a version 2 run result unchanged (nothing in `RunResult` changed meaning) and is
 *   read as one.
 */

import type { ActivationRecord, ArtifactInfo, EngineCpuReport, MemoryReport, NotMeasured, PopStats, StallCause } from '../pop/contract.js';
import type { HostileNeighbourSpec, Scenario } from '../scenario/types.js';
import type { ContainmentOutcome } from '../isolation/containment.js';
import type { ProbeId, ProbeOutcome } from '../isolation/probes.js';

export const RESULT_SCHEMA_VERSION = 2;

/** Versions this lab reads: older files whose meaning the current version keeps (see the history above). */
export const READABLE_RESULT_VERSIONS: readonly number[] = [1, 2];

/** Summary of one HDR histogram, milliseconds, plus the histogram itself. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** The HDR histogram (microsecond values), compressed base64 as hdr-histogram-js encodes it. */
  hdr: string;
}

/** Latency split the ways a reader needs it. Keys of `byWorkload` are workload names. */
export interface LatencyBreakdown {
  all: LatencySummary;
  warm: LatencySummary;
  cold: LatencySummary;
  byWorkload: Record<string, { all: LatencySummary; warm: LatencySummary; cold: LatencySummary; warmService?: LatencySummary }>;
}

/** What the load generator counted. Nothing is dropped silently: every planned request lands in one bucket. */
export interface RequestCounts {
  planned: number;
  /** Measured requests (warm-up excluded) that got a response. */
  completed: number;
  /** Requests sent later than their intended time by more than the lateness threshold. */
  late: number;
  /** Warm-up requests (sent, not measured). */
  warmup: number;
  cold: number;
  warm: number;
  spare: number;
  forcedCold: number;
  /** Errors by kind: http-5xx, status-mismatch, timeout, connection, ... */
  errors: Record<string, number>;
  /** Requests not sent because the run was interrupted. */
  notSent: number;
}

/** One second of the measured run. */
export interface TimeseriesPoint {
  /** Second since the start of traffic (warm-up included). */
  second: number;
  sent: number;
  completed: number;
  errors: number;
  cold: number;
  p50Ms: number;
  p99Ms: number;
  /** Live instances at the end of this second (from PoP stats), when sampled. */
  liveInstances?: number;
}

/** One pause of one host thread inside the measured window. */
export interface StallEntry {
  /** ms from the start of the measured window. */
  atMs: number;
  ms: number;
  thread: string;
  cause: StallCause;
  /** The lab's own bookkeeping (stats drain, memory probe), not the substrate's work. */
  bookkeeping: boolean;
  detail?: string;
}

/** Totals of a set of pauses. */
export interface StallTotals {
  count: number;
  ms: number;
  maxMs: number;
}

/** A second of the measured window whose p99 was more than `suspectRatio` times its p50. */
export interface SuspectSecond {
  second: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Pauses in flight during that second's slow requests, per thread and cause: union of their
   * intervals, ms. Cold starts on the request path count too (`cold-start`, thread `tenant <id>`):
   * a request that waited for its instance to start is the substrate's cold start, not a stall.
   */
  pauses: { thread: string; cause: StallCause | 'cold-start'; ms: number }[];
  /** Whether one thread's (or one tenant's cold starts') pauses cover at least half of p99 - p50 (the excess the stall would explain). */
  explained: boolean;
}

/** The host's stall record for one runtime run. */
export interface StallEvidence {
  /** Substrate pauses shorter than this were not recorded (bookkeeping always is). */
  thresholdMs: number;
  suspectRatio: number;
  /** Pauses in the measured window, longest first, at most `STALL_ENTRIES_KEPT`. */
  entries: StallEntry[];
  /** Pauses in the window that were not kept in `entries` (they are in the totals). */
  entriesDropped: number;
  /** Per `<cause>` in the window. */
  byCause: Record<string, StallTotals>;
  /** The lab's own bookkeeping in the window. */
  bookkeeping: StallTotals;
  suspectSeconds: SuspectSecond[];
}

/** Summary of one activation phase across activations. */
export interface PhaseSummary {
  name: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface ColdStartResult {
  /** Request-path activations (cold starts) observed. */
  count: number;
  /** Cold requests / measured requests. */
  rate: number;
  /** Activation time (arrival at PoP to first byte), as the host measured it. */
  total: LatencySummary;
  /** Per strategy (runners with several), then per phase. */
  byStrategy: Record<string, { total: LatencySummary; phases: PhaseSummary[] }>;
  /** Every activation record of the measured window, for later analysis. */
  activations: ActivationRecord[];
  /**
   * Request-path activations during warm-up (each tenant's first cold start, mostly). Not part
   * of any figure above; kept so calibration still knows a workload's activation time when no
   * cold start of it fell inside the measured window.
   */
  warmupActivations?: ActivationRecord[];
}

/** One escape probe of one hostile workload, as judged (lab/isolation/probes.ts). */
export interface ProbeRecord {
  workload: string;
  probe: ProbeId;
  outcome: ProbeOutcome;
  /** What decided it: the denial's code, the evidence that matched, or why it is inconclusive. */
  detail: string;
}

/**
 * The escape probes of a scenario's `hostile:` section against one runtime, in a launch of their
 * own before its traffic (docs/isolation.md). `error` when that launch failed: the probes that
 * ran before it are kept.
 */
export interface RuntimeProbes {
  /** The hostile workloads' artifacts in this runtime's packaging. */
  artifacts: ArtifactInfo[];
  results: ProbeRecord[];
  error?: string;
}

/** One request of the misbehaving neighbour and what stopped it (lab/isolation/containment.ts). */
export interface HostileSend {
  /** Offset from the start of the traffic, ms (the measured window starts after the warm-up). */
  atMs: number;
  /** Until its answer, ms. */
  ms: number;
  status: number;
  outcome: ContainmentOutcome;
  by: string;
}

/**
 * The twin of a runtime's run with the scenario's misbehaving neighbour beside the same tenants,
 * on the same schedule (interleaved with the clean run it is attached to). Its latencies are
 * the neighbours' only: the neighbour's own requests are not the load generator's.
 */
export interface NeighbourTwin {
  neighbour: HostileNeighbourSpec;
  status: RuntimeResult['status'];
  error?: string;
  requests: RequestCounts;
  latency: LatencyBreakdown;
  sends: HostileSend[];
}

/** One runtime's part of a run (one repetition). */
export interface RuntimeResult {
  /** Label from the scenario (the runner name unless relabelled). */
  label: string;
  runtime: string;
  repetition: number;
  status: 'complete' | 'interrupted' | 'failed';
  error?: string;
  startedAt: string;
  finishedAt: string;
  artifacts: ArtifactInfo[];
  /** What confined each instance, mechanism by mechanism, as the runner enforced it (absent: the runner did not say). */
  isolation?: string[];
  /** Repetition 1 of a scenario with `hostile: { probes }`: what a hostile tenant could do here. */
  probes?: RuntimeProbes;
  /** With `hostile.neighbours`: this run's twins, one per misbehaving neighbour (in the scenario's order), beside the same tenants. */
  neighbourTwins?: NeighbourTwin[];
  requests: RequestCounts;
  /** Latency from the INTENDED send time to the full response, milliseconds. */
  latency: LatencyBreakdown;
  /** How late the load generator sent requests relative to their intended time (its own health). */
  sendLag: LatencySummary;
  coldStart: ColdStartResult;
  /** Achieved measured throughput, requests per second. */
  throughputRps: number;
  memory: MemoryReport | null;
  /** PoP counters at the end of the run. */
  pop: PopStats['counters'] | null;
  /**
   * CPU of the runner's engine outside the PoP host and the instances, from launch to the end of
   * the traffic (warm-up included), for runners that drive one (container); absent otherwise.
   */
  engine?: EngineCpuReport;
  /** Figures this runner could not give (an endpoint speaking no PoP protocol), each with why. */
  notMeasured?: NotMeasured[];
  timeseries: TimeseriesPoint[];
  /**
   * What held up the host's threads during the measured window, and the seconds it explains;
   * absent when the host keeps no such record (then `notMeasured` says so).
   */
  stalls?: StallEvidence;
  /** A few error samples (first of each kind) with the tenant they came from. */
  errorSamples: { kind: string; tenant: string; status?: number; message: string }[];
}

/** Everything needed to reproduce or audit a run. */
export interface ReproRecord {
  gitCommit: string | null;
  gitDirty: boolean | null;
  scenarioHash: string;
  seed: number;
  node: string;
  v8: string;
  packages: Record<string, string>;
  /** Runner-reported versions (engine, runtime...). */
  runtimeVersions: Record<string, Record<string, string>>;
  artifactDigests: Record<string, string>;
  kernel: string;
  os: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  hostname: string;
  commandLine: string[];
  /** The load engine and where it ran; absent in results of the Node generator that came before it. */
  loadGenerator?: LoadGeneratorRecord;
}

/** How the load was generated: which engine, pinned where, and whether it shared cores with the runtimes. */
export interface LoadGeneratorRecord {
  engine: string;
  /** CPUs the engine was pinned to; null: not pinned. */
  cpus: number[] | null;
  /** Whether the engine could have run on a core a runtime used (true unless both were pinned apart). */
  sharedCoresWithRuntimes: boolean;
  /** Why, in one sentence, for the report. */
  note: string;
}

/** Where a simulated result's inputs came from (present only when `kind` is 'simulated'). */
export interface SimulationInfo {
  /** Path of the calibration file the simulator sampled. */
  calibrationPath: string;
  calibrationVersion: number;
  /** The live result the calibration was fitted from. */
  source: { runId: string; scenarioHash: string; path: string };
  /** The modelled traffic actually simulated (tenants, rate, seconds, cores, memory budget). */
  modelled: { tenants: number; rate: number; warmupSeconds: number; durationSeconds: number; cores: number; memoryBudgetBytes: number };
  /** Simulated requests (warm-up included) and the wall time they took. */
  simulatedRequests: number;
  wallSeconds: number;
}

/** Prediction error of one metric of one runtime: simulated vs measured on the same scenario. */
export interface PredictionError {
  measured: number;
  simulated: number;
  /** (simulated - measured) / measured; absent when measured is 0. */
  relative?: number;
  /** simulated - measured, in the metric's unit (percentage points for rates). */
  absolute: number;
  /**
   * 95 % confidence interval of the measured figure from its own sample (order statistics for
   * percentiles, Wilson for rates): how far the live figure could move on a rerun of the same
   * system. A simulated figure inside it is as close as this measurement can tell.
   */
  measuredCi95?: [number, number];
}

/** The latest simulator validation (lab validate-sim), quoted next to every simulated figure. */
export interface ValidationSummary {
  /** Path of the validation JSON file. */
  path: string;
  scenario: string;
  at: string;
  /** Per runtime label: errors of p50, p99 (ms), cold-start rate (percentage points) and peak memory (bytes). */
  errors: Record<string, { p50Ms: PredictionError; p99Ms: PredictionError; coldStartRatePct: PredictionError; peakMemoryBytes: PredictionError }>;
  /** Whether each runtime met the goals (p99 within `goals.p99Relative`, cold-start rate within `goals.coldStartRatePoints`). */
  goals: { p99Relative: number; coldStartRatePoints: number };
  met: Record<string, boolean>;
  /**
   * Out of sample: the calibration came from another live run (another load, tenant count,
   * miss rate or keep-alive) than the one predicted, as density and cost use the simulator.
   * Absent: in sample (the run predicted from its own calibration).
   */
  outOfSample?: { calibratedFrom: { scenario: string; runId: string; path: string } };
  /**
   * The record was not measured on this machine: no validation was run here, so the one
   * committed with the lab (results/baselines/validation/, the reference machine's) is quoted.
   */
  committedBaseline?: true;
}

/** Figures of one simulated point (a sweep value or a density probe) for one runtime. */
export interface SimulatedPoint {
  tenants: number;
  rate: number;
  p50Ms: number;
  /** p99 counting errors as slower than any answer; -1 when more than 1 % of measured requests failed. */
  p99Ms: number;
  coldStartRate: number;
  peakInstances: number;
  /** Peak instances x per-instance memory + fixed overhead, bytes. */
  peakMemoryBytes: number;
  errors: number;
  throughputRps: number;
  /** The point meets every SLO objective (lab/sim/slo.ts; `slo.p99Ms` for results written before objectives). */
  sloMet: boolean;
  /** Warm and cold-start p99 of completed measured requests, ms (absent in older results). */
  warmP99Ms?: number;
  coldP99Ms?: number;
  /** Failed measured requests over measured requests. */
  errorRate?: number;
  /** Busy share of the host's cores over the measured window (processor sharing: min(jobs, cores) / cores). */
  cpuUtilisation?: number;
  /** Memory the instances may use on the modelled host (its memory less the fixed overhead, or keepAlive.memoryBudgetMiB), bytes. */
  memoryBudgetBytes?: number;
  /** Instances evicted to make room under the memory budget. */
  memoryEvictions?: number;
}

/** A one-parameter sweep: one point per value per runtime label. */
export interface SweepResult {
  parameter: string;
  values: number[];
  points: { value: number; runtimes: Record<string, SimulatedPoint> }[];
}

/** What stops a host from taking one more tenant: the resource the first failing probe ran out of. */
export type BindingResource = 'memory' | 'cpu' | 'cold-start capacity' | 'queueing' | 'search bound';

/** Why the density stops where it does. */
export interface DensityBinding {
  resource: BindingResource;
  /** One sentence with the figures that show it (utilisation, evictions, the broken objectives). */
  detail: string;
  /** Tenants of the probe that failed (the density is the last count below it that met the SLO). */
  failedAt: number;
  /** Objectives that probe broke, in words. */
  broken: string[];
}

/** One runtime's density under one keep-alive policy. */
export interface DensityAnswer {
  tenants: number;
  point: SimulatedPoint | null;
  /** Every tenant count simulated, ascending: the curve behind the number. */
  probes: SimulatedPoint[];
  /** Absent in results written before density named its binding resource. */
  binding?: DensityBinding;
  /** Results written before: the search stopped at its ceiling (the density is a lower bound). */
  atLimit?: boolean;
}

/** Density: the most tenants per modelled host that still meet the SLO, per runtime label. */
export interface DensityResult {
  /** `slo.p99Ms` of the scenario. */
  sloP99Ms: number;
  /** The objectives held, in words (absent in older results: the p99 of all requests within sloP99Ms). */
  slo?: string;
  /** `all requests`, `warm p99 plus a cold-start budget` or `custom`. */
  sloForm?: string;
  /** Per-tenant mean rate the search holds constant while adding tenants, requests per second. */
  perTenantRate: number;
  /** Per label: the best policy's answer, and, when the scenario swept keep-alive, every policy's. */
  runtimes: Record<string, DensityAnswer & { idleTimeoutSeconds?: number; policies?: (DensityAnswer & { idleTimeoutSeconds: number })[] }>;
}

/** What a result records of one workload. */
export interface WorkloadRecord {
  /** The language registry's id (`js`, `c`). */
  language: string;
  /** Its display name (`JS`, `C`). */
  languageName: string;
  /** `sha256:` of the handler source. */
  sourceDigest: string;
}

/** The whole result of one run: live (`lab run`) or simulated. */
export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  kind: 'live' | 'simulated';
  runId: string;
  status: 'complete' | 'interrupted' | 'failed';
  startedAt: string;
  finishedAt: string;
  scenario: {
    name: string;
    file: string;
    hash: string;
    /** The YAML text as run. */
    source: string;
    resolved: Scenario;
  };
  repro: ReproRecord;
  /** Tenants of the live run with their workloads and traffic shares. */
  tenants: { id: string; workload: string; share: number }[];
  /**
   * The run's workloads by name: language and handler source digest, so renderers need no
   * workload tree. Absent in results written before it was recorded (renderers then infer the
   * language from the name).
   */
  workloads?: Record<string, WorkloadRecord>;
  /** One entry per runtime per repetition, in the order they ran (interleaved A B B A). */
  runs: RuntimeResult[];
  /** Simulated results only: the calibration and modelled traffic behind them. */
  simulation?: SimulationInfo;
  /** Simulated results only: the latest simulator validation at the time of the simulation (in sample). */
  validation?: ValidationSummary;
  /** Simulated results only: the latest out-of-sample validation, quoted beside density and cost. */
  outOfSample?: ValidationSummary;
  /** Simulated results of a scenario with `sweep:`. */
  sweep?: SweepResult;
  /** Simulated results of `lab run` with `simulate:`: tenants per host at the SLO. */
  density?: DensityResult;
  /** Live results: whether the lab came through its own run whole (checked after every runtime stopped). */
  survival?: LabSurvival;
}

/**
 * The lab's own survival of a run (docs/isolation.md): every planned run recorded, and nothing
 * it started still there once it stopped everything. Matters most beside hostile tenants.
 */
export interface LabSurvival {
  /** Runs planned (runtimes x repetitions, and their neighbour twins) and runs recorded in this file. */
  planned: number;
  recorded: number;
  /** What this run started that outlived it, named (a process, a container, an image tag); empty: nothing. */
  leftBehind: string[];
  /** What could not be checked, and why (an engine that went away, say). */
  unchecked: string[];
}

// ---- fleet simulation (lab simulate --fleet, lab merge; docs/simulator.md "Fleet") -----------

/** Where a fleet's calibration came from: a live result calibrated now, a calibration file given, or a committed baseline found to cover the fleet. */
export interface FleetCalibrationRecord {
  origin: 'result' | 'calibration file' | 'baseline';
  /** The calibration file every shard read. */
  path: string;
  /** sha256 of that file's text: every shard of one fleet run must have read the same. */
  digest: string;
  calibrationVersion: number;
  /** The measured run it was fitted from. */
  source: { runId: string; scenarioName: string; scenarioHash: string; path: string };
  /** One sentence for the report: what the fleet is calibrated from, and why that one. */
  note: string;
}

/** The fleet file and its base scenario, as a shard or the merged result records them. */
export interface FleetRecord {
  name: string;
  description: string;
  /** Absolute path of the fleet file as read. */
  file: string;
  /** sha256 of the fleet file's text. */
  hash: string;
  /** The fleet file's text, verbatim. */
  source: string;
  seed: number;
  /** PoPs the fleet describes. */
  pops: number;
  /** The base scenario: path, hash, and its text verbatim. */
  base: { name: string; file: string; hash: string; source: string };
  /** Runtime labels simulated at every PoP. */
  runtimes: string[];
  /** The SLO every PoP's hosts must hold (the base scenario's), in words. */
  slo: string;
  /** Classes (templates) and their PoP counts; explicit PoPs count as the class `pops`. */
  classes: { name: string; count: number }[];
  /** Currency of the prices; absent when no host has a price. */
  currency?: string;
  /** The price of a host without one of its own, and whose it is: the fleet's, or the base scenario's (the price of its host, `host`, taken for every size). */
  defaultHostPerHour?: { value: number; from: 'fleet' | 'base scenario'; host?: { memoryGiB: number; cores: number } };
  /** Simulated seconds per probe: warm-up, then measured. */
  warmupSeconds: number;
  durationSeconds: number;
  /** PoPs simulated: all of them, or an evenly spaced sample (`lab bench fleet --sample`). */
  sample?: number;
}

/**
 * One runtime at one PoP: the fewest hosts whose share of the PoP's tenants each meets the SLO
 * (density per host at the PoP's own traffic), what stops one host fewer, and what it costs.
 */
export interface FleetPopRuntime {
  /** Hosts the PoP needs; null when even one tenant per host breaks the SLO (unservable). */
  hosts: number | null;
  /** Tenants one host carries at that count, ceil(tenants / hosts): the simulated operating point. */
  tenantsPerHost: number | null;
  /** The operating point's figures (one host of the PoP). */
  point: SimulatedPoint | null;
  /** Tenants per host with one host fewer, where the SLO broke (null: not simulated, see `binding`). */
  failedTenantsPerHost: number | null;
  /** What stops one host fewer: the failing probe's binding resource, `cpu` past the host's CPU capacity, `search bound` when one host holds the whole PoP. */
  binding: DensityBinding;
  /** Host counts simulated, ascending: the search behind the answer. */
  probes: { hosts: number; tenantsPerHost: number; sloMet: boolean }[];
  /** hosts x price per host-hour; null without a price or hosts. */
  costPerHour: number | null;
  /** Cost per million of the PoP's requests (at its mean rate). */
  perMillionRequests: number | null;
  /** Cost per tenant per month (730 hours). */
  perTenantMonth: number | null;
  /** Requests simulated for this runtime at this PoP, warm-up and every probe included. */
  simulatedRequests: number;
}

/** One PoP of a fleet, as simulated: its traffic and host, and each runtime's answer. */
export interface FleetPopSummary {
  /** Position in the fleet's expansion (classes in file order, then `pops`): the canonical order. */
  index: number;
  id: string;
  class: string;
  tenants: number;
  /** Mean request rate of the whole PoP, requests per second. */
  rate: number;
  utcOffsetHours: number;
  host: { memoryGiB: number; cores: number };
  /** Price of one of its hosts per hour (absent: no price). */
  hostPerHour?: number;
  mix: { workload: string; weight: number }[];
  /** Seed of the PoP's schedule and simulator streams: derived from the fleet seed and the PoP id only. */
  seed: number;
  runtimes: Record<string, FleetPopRuntime>;
}

/** Latency of all requests the fleet's hosts served (each PoP's operating host counted once per host it stands for). */
export interface FleetLatency {
  all: LatencySummary;
  warm: LatencySummary;
  cold: LatencySummary;
}

/** Execution facts of one shard: not part of the outcome (they differ run to run). */
export interface FleetShardExecution {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  /** Requests simulated, every PoP, runtime and probe. */
  simulatedRequests: number;
  /** `worker`: a worker thread of lab simulate --fleet; `process`: the shard command on its own (a Kubernetes Job pod). */
  ranIn: 'worker' | 'process';
  /** Peak V8 heap of the isolate that ran the shard (sampled after each PoP), bytes. */
  peakHeapBytes: number;
  /** Peak resident set of the process at the shard's end (a worker's is its whole process's), bytes. */
  maxRssBytes: number;
  /** CPU time of the thread that ran the shard (user + system, 10 ms resolution), seconds; absent where the OS does not say (no /proc/thread-self). */
  cpuSeconds?: number;
}

/**
 * What one shard wrote (`lab simulate --fleet f.yaml --shard i/K`): its PoPs' summaries and the
 * mergeable histograms of their hosts, never a PoP's histograms on their own. Written as it
 * goes, one PoP at a time.
 */
export interface FleetShardResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  kind: 'fleet-shard';
  fleet: FleetRecord;
  calibration: FleetCalibrationRecord;
  shard: { index: number; count: number };
  /** This shard's PoPs (index = shard.index mod shard.count), in index order. */
  pops: FleetPopSummary[];
  /** Per runtime label: the merged latency histograms of its PoPs' hosts. */
  latency: Record<string, FleetLatency>;
  execution: FleetShardExecution;
}

/** One runtime's figures over the whole fleet (or one class of it). */
export interface FleetRuntimeTotals {
  pops: number;
  /** PoPs no host count serves within the SLO (even one tenant per host breaks it), by id. */
  unservable: string[];
  hosts: number;
  tenants: number;
  /** Mean requests per second of the PoPs served. */
  rate: number;
  /** Absent without prices. */
  costPerHour?: number;
  costPerMonth?: number;
  perMillionRequests?: number;
  perTenantMonth?: number;
  /** PoPs by what stops them using one host fewer. */
  binding: Partial<Record<BindingResource, number>>;
  /** Up to `FLEET_BINDING_EXAMPLES` PoP ids per binding resource, in fleet order. */
  bindingExamples: Partial<Record<BindingResource, string[]>>;
  /** Tenants per host over the PoPs served: fleet tenants / fleet hosts. */
  tenantsPerHost: number;
}

/** PoP ids listed per binding resource in the totals (the per-PoP table has them all). */
export const FLEET_BINDING_EXAMPLES = 8;

/** The merged fleet result (`lab merge`, or `lab simulate --fleet`, which merges its own shards). */
export interface FleetResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  kind: 'fleet';
  runId: string;
  status: 'complete';
  startedAt: string;
  finishedAt: string;
  fleet: FleetRecord;
  calibration: FleetCalibrationRecord;
  /** Every PoP, in fleet order. */
  pops: FleetPopSummary[];
  /** Per runtime label, the whole fleet. */
  totals: Record<string, FleetRuntimeTotals>;
  /** Per class, per runtime label. */
  byClass: Record<string, Record<string, FleetRuntimeTotals>>;
  latency: Record<string, FleetLatency>;
  /** The assumptions the cost figures rest on, in words. */
  assumptions: string[];
  /** Shards merged and how each ran: execution facts, not outcome. */
  execution: { shards: number; workers?: number; wallSeconds?: number; simulatedRequests: number; perShard: (FleetShardExecution & { index: number; pops: number; file: string })[] };
  repro: ReproRecord;
  /** The latest simulator validations at merge time (in and out of sample), as simulated results quote them. */
  validation?: ValidationSummary;
  outOfSample?: ValidationSummary;
}
