/**
 * The resolved scenario: what a YAML scenario file means once validated and defaulted.
 * Every other module reads this shape, never the raw YAML.
 *
 * Two scales live side by side in one scenario: the PoP host being *modelled* (`host`,
 * `tenants.count`), which the simulator runs at full size, and the *live* run on this machine
 * (`live`), which is small enough to measure for real.
 */

/** Arrival process of the aggregate request stream. Registered by `type` in lab/traffic/arrivals.ts. */
export type ArrivalSpec =
  | { type: 'constant' }
  | { type: 'poisson' }
  | {
      /** On/off bursts: `rate` is the mean; during `onSeconds` the rate is `rate * (on+off)/on`. */
      type: 'bursts';
      onSeconds: number;
      offSeconds: number;
    }
  | {
      /** Sinusoidal daily pattern compressed into `periodSeconds`; rate(t) = rate * (1 + amplitude * sin(2π(t + phaseSeconds)/period)). */
      type: 'diurnal';
      periodSeconds: number;
      amplitude: number;
      /** Shift of the curve, seconds (absent: 0): a PoP in another time zone is at another hour of its day at the same instant. */
      phaseSeconds?: number;
    };

/** Which tenant each request goes to. */
export type PopularitySpec =
  | { type: 'uniform' }
  | { type: 'zipf'; exponent: number }
  | {
      /**
       * Replay of per-minute invocation counts in the Azure Functions 2019 public dataset CSV
       * format (HashOwner,HashApp,HashFunction,Trigger,1..1440). Each row is one tenant; the
       * row's counts give both its share of traffic and its minute-by-minute shape.
       */
      type: 'trace';
      /** Absolute path of the trace CSV once loaded (the YAML gives it relative to the scenario file). */
      file: string;
      /** Seconds of live time that one trace minute is compressed into. */
      secondsPerMinute: number;
      /** First trace minute replayed (1-based, as in the CSV header). */
      startMinute: number;
    };

export interface WorkloadMixEntry {
  workload: string;
  weight: number;
}

export interface TenantsSpec {
  /** Tenants on the modelled PoP host (the simulator's scale). */
  count: number;
  mix: WorkloadMixEntry[];
  popularity: PopularitySpec;
}

export interface HostSpec {
  /** Memory of the modelled PoP host. */
  memoryGiB: number;
  /** Cores of the modelled PoP host. */
  cores: number;
}

export interface LiveSpec {
  /** Tenants actually run on this machine: the most popular `tenants` of the modelled population. */
  tenants: number;
}

export interface TrafficSpec {
  arrival: ArrivalSpec;
  /** Mean aggregate request rate of the live run, requests per second. */
  rate: number;
  /** Seconds of traffic before measurement starts (results discard them). */
  warmupSeconds: number;
  /** Measured seconds of traffic after warm-up. */
  durationSeconds: number;
  /** Deadline for one request; a request still unanswered then counts as a timeout error. */
  timeoutMs: number;
  /** CPUs the load engine is pinned to; absent: not pinned. */
  generatorCpus?: number[];
}

export interface CacheSpec {
  /** Fraction of requests forced to find no warm instance (a forced instance miss). */
  instanceMissRate: number;
  /** Fraction of activations whose artifact must be fetched from the origin first. */
  artifactMissRate: number;
}

export interface KeepAliveSpec {
  /** An instance idle this long is evicted. 0 disables idle eviction. */
  idleTimeoutSeconds: number;
  /** Upper bound on live instances of one tenant (concurrency beyond it queues). */
  maxInstancesPerTenant: number;
  /** Memory budget of the live run's instances; the least recently used idle instance goes first. 0 = unlimited. */
  memoryBudgetMiB: number;
}

/**
 * What one tenant instance may use (scenario `limits`), enforced by each runner natively where its
 * substrate can; a runner records what it enforced (PopHandle.isolation).
 */
export interface TenantLimits {
  /** Memory of one instance, MiB (container cgroup, Wasm linear memory). */
  memoryMiB: number;
  /** CPU of one instance, cores (container CFS quota). */
  cpus: number;
  /** Processes and threads of one container. */
  pids: number;
  /** How long one guest call may run, ms; 0 = the request timeout only. */
  cpuMsPerRequest: number;
}

/** The schema's defaults of `limits`, for launches without a scenario (benches, tests); a test keeps them equal. */
export const DEFAULT_TENANT_LIMITS: TenantLimits = { memoryMiB: 256, cpus: 1, pids: 128, cpuMsPerRequest: 0 };

/**
 * Tenants that misbehave on purpose (scenario `hostile`, docs/isolation.md). So far: the escape
 * probes, run against each runtime in a launch of their own before its traffic, so nothing of
 * the measured window sees them.
 */
export interface HostileSpec {
  /** Run the escape probes (host file, host process, write outside, control port). */
  probes: boolean;
  /** The hostile workloads that probe: the JS one, its C port, or both. */
  workloads: string[];
  /**
   * Tenants that misbehave beside the measured ones, one at a time: each run is paired with one
   * twin per neighbour (empty: none).
   */
  neighbours: HostileNeighbourSpec[];
}

/** The misbehaving behaviours a neighbour can have. */
export const NEIGHBOUR_BEHAVIOURS = ['spin', 'bomb', 'fork', 'crash', 'drip'] as const;

/** A drip's defaults when the scenario names none: the hostile workloads' own (a test keeps them equal). */
export const DEFAULT_DRIP = { chunks: 50, pauseMs: 200 } as const;

/** A misbehaving neighbour: which hostile workload, what it does, from when and how often. */
export interface HostileNeighbourSpec {
  workload: string;
  behaviour: (typeof NEIGHBOUR_BEHAVIOURS)[number];
  /** Its first misbehaving request, seconds into the measured window. */
  fromSeconds: number;
  /** Then one misbehaving request this often, to the end of the measured window. */
  everySeconds: number;
  /** A drip only: the body's slices (default DEFAULT_DRIP.chunks). */
  chunks?: number;
  /** A drip only: the pause between two slices, ms (default DEFAULT_DRIP.pauseMs). */
  pauseMs?: number;
}

/** What a modelled host costs (scenario `cost`): the report turns density into hosts and money. */
export interface CostSpec {
  /** Price of one modelled host per hour, in `currency`. */
  hostPerHour: number;
  currency: string;
  /** PoPs in the fleet, each carrying the scenario's tenants on hosts like the modelled one. */
  pops: number;
}

export interface RuntimeSpec {
  /** Runner name as registered in runners/registry.ts (`process`, `wasm`, ...). */
  runtime: string;
  /** Label used in results and gates; defaults to `runtime`. Lets one runner appear twice with different options. */
  label: string;
  /** Runner-specific options, checked by the runner's own validator. */
  options: Record<string, unknown>;
}

export interface SloSpec {
  /** Latency budget for the 99th percentile of all requests, milliseconds. */
  p99Ms: number;
  /**
   * What the density search holds (lab/sim/slo.ts): every objective at once. Absent: the p99 of
   * all requests within `p99Ms`. Platforms often state it instead as a warm p99 plus a cold-start
   * budget (cold p99 and cold-start rate), which a Zipf population with a keep-alive can meet
   * where an all-request p99 is only a cold-start quantile.
   */
  objectives?: SloObjective[];
}

/** Metrics an SLO objective can bound: latency in ms, rates as fractions. */
export const SLO_METRICS = ['p99', 'warm.p99', 'cold.p99', 'coldStart.rate', 'errors.rate'] as const;
export type SloMetric = (typeof SLO_METRICS)[number];

/** One bound of the SLO: `metric` at most `max`. */
export interface SloObjective {
  metric: SloMetric;
  max: number;
}

/**
 * The modelled host's traffic for the simulator (lab/sim/). Every field is optional: absent ones
 * are derived from the live traffic (see lab/sim/modelled.ts), so a scenario states only what
 * differs from "the live tenants' per-tenant rates, extended to the whole population".
 */
export interface SimulateSpec {
  /** Aggregate request rate of the modelled host, requests per second. */
  rate?: number;
  /** Simulated seconds of traffic before measurement. */
  warmupSeconds?: number;
  /** Simulated seconds measured after the warm-up. */
  durationSeconds?: number;
  /** Measured requests to simulate; sets the duration from the rate when `durationSeconds` is absent. */
  requests?: number;
  /** Largest tenant count the density search tries; absent: none (it grows until a resource binds). */
  maxTenants?: number;
  /** Keep-alive idle timeouts the density search tries for each runtime; its best is the runtime's answer. */
  densityIdleTimeouts?: number[];
  /**
   * Memory budget of the modelled host's instances, MiB (0: the host's memory less each
   * runtime's fixed cost). Absent: `keepAlive.memoryBudgetMiB`, which a scenario often sizes for
   * its small live slice, not for the host it models.
   */
  memoryBudgetMiB?: number;
}

/** Parameters a scenario can sweep in the simulator, one per scenario. */
export type SweepParameter = 'tenants' | 'rate' | 'instanceMissRate' | 'idleTimeoutSeconds' | 'memoryBudgetMiB';

/** One parameter varied over a list of values; the simulator runs each point for every runtime. */
export interface SweepSpec {
  parameter: SweepParameter;
  values: number[];
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  host: HostSpec;
  live: LiveSpec;
  tenants: TenantsSpec;
  traffic: TrafficSpec;
  cache: CacheSpec;
  keepAlive: KeepAliveSpec;
  limits: TenantLimits;
  /** Hostile tenants; absent: none. */
  hostile?: HostileSpec;
  /** Host price and fleet size; absent: no cost figures. */
  cost?: CostSpec;
  runtimes: RuntimeSpec[];
  slo: SloSpec;
  repetitions: number;
  /** Gate expressions, evaluated after the run from results only (see the gates issue). */
  gates: string[];
  /** The simulated modelled host; when present, `lab run` chains calibration and simulation after the live run. */
  simulate?: SimulateSpec;
  /** A one-parameter sweep the simulator runs (lab/sim/sweep.ts). */
  sweep?: SweepSpec;
}

/** A scenario together with where it came from. */
export interface LoadedScenario {
  scenario: Scenario;
  /** Absolute path of the YAML file. */
  file: string;
  /** The file's text, kept verbatim for the reproducibility record and the report. */
  source: string;
  /** sha256 of `source`, as lab/digest.ts writes it: `sha256:<hex>`. */
  hash: string;
}
