/**
 * The calibration file: what the simulator samples, fitted from one measured run and naming
 * that run. Versioned, because a simulated figure is only as trustworthy as the measurement it
 * came from, and a reader must be able to follow it back.
 */
import type { QuantileTable } from './empirical.js';

/** Bump on any incompatible change of `Calibration`; `loadCalibration` refuses other versions. */
export const CALIBRATION_VERSION = 4;

/**
 * One measured activation (request-path cold start), as the simulator replays it: its wall
 * time (`wallMs`: the cold request's latency at the client, or the PoP's arrival-to-first-byte
 * time when the client's is unknown, minus the queue wait and the artifact pull, which the
 * simulator models itself), the CPU it needed (`cpuMs`, when the runner measured it)
 * and its phases for the simulated phase summaries.
 */
export interface ActivationSample {
  strategy: string;
  wallMs: number;
  /**
   * CPU time the activation used (sum of its phases' `cpuMs`); null when the runner does not
   * report it, and then the whole wall time is charged to the cores (an overstatement).
   */
  cpuMs: number | null;
  /**
   * Engine CPU on the activation's path (container: the engine's create and start), fitted per
   * call (`EngineCalibration.callCpuMs`); part of the wall time the live run spent off the
   * instance's own CPU, charged to the simulated cores like `cpuMs`. 0 without an engine.
   */
  engineCpuMs: number;
  /** Phases other than `queue` and the artifact phases, in the order the runner reported them. */
  phases: { name: string; ms: number }[];
}

/** What the simulator samples for one workload on one runtime. */
export interface WorkloadCalibration {
  /**
   * Time of a warm request: the live warm latency at the client less its measured wait in the
   * tenant's queue (older results: the quantile-wise smaller of warm latency and first
   * responses). See docs/simulator.md "Service time".
   */
  warmServiceMs: QuantileTable;
  /**
   * Fraction of a warm request's time that is CPU demand: the workload's measured activations'
   * CPU time over their wall time (1 when no CPU time was measured). The rest is replayed off
   * the cores, as for activations: it is the live wait for a CPU, and the network.
   */
  warmCpuShare: number;
  /**
   * Where the warm service time came from: `warm-service` (warm latency less the measured
   * tenant-queue waits), or for results without that measurement the bound that won:
   * `warm-latency`, `first-response`, or `mixed` (each wins some quantiles).
   */
  warmServiceSource: 'warm-service' | 'warm-latency' | 'first-response' | 'mixed';
  /** Measured request-path activations, replayed whole so their phases stay correlated. */
  activations: ActivationSample[];
  /** Artifact pull (fetch from the origin) times, when the runner reported any. */
  artifactPullMs: QuantileTable | null;
  /** Mean USS of this workload's measured instances, bytes (the runtime's mean when none was measured). */
  memoryPerInstanceBytes: number;
  /** Whether `memoryPerInstanceBytes` is this workload's own figure or the runtime's mean. */
  memorySource: 'workload' | 'runtime-mean';
}

/**
 * CPU of the runner's engine outside the instances (container: dockerd, containerd, shims,
 * runc), which on the live machine competed with the tenants for the cores. See
 * docs/simulator.md "Engine CPU".
 */
export interface EngineCalibration {
  /** The runner's sentence on how the engine's CPU was measured. */
  method: string;
  /** Engine CPU measured over the runs, ms (launch to end of traffic). */
  measuredCpuMs: number;
  /** Engine calls made over the runs, by `<path>/<call>`. */
  calls: Record<string, number>;
  /** Fitted engine CPU of one call, ms, by `<path>/<call>`: the mean of the calls that ran alone, times `scale`. */
  callCpuMs: Record<string, number>;
  /**
   * Measured engine CPU over what the calls explain (sum of count x alone mean): the engine's
   * work that no single call shows (events, the exit of a removed container's shim) spread over
   * the calls in proportion.
   */
  scale: number;
  /** Engine CPU of removing one instance, ms: a background job on the simulated cores at each removal. */
  disposalCpuMs: number;
  /** Engine CPU spent refilling reserves per request-path activation, ms (strategies other than cold): a background job at each activation. */
  fillCpuMsPerActivation: number;
}

/** One runtime label's calibration. */
export interface RuntimeCalibration {
  label: string;
  runtime: string;
  /** Repetitions merged into this calibration (failed runs are left out). */
  runs: number;
  workloads: Record<string, WorkloadCalibration>;
  /** Memory the runtime needs whatever the instance count (host process, shims), bytes: the mean over runs. */
  fixedOverheadBytes: number;
  /** Mean USS over all measured instances, bytes. */
  perInstanceBytes: number;
  /** The runner's own sentence on how memory was measured. */
  memoryMethod: string;
  /** The engine's CPU, for runners that drive one and could measure it; null otherwise. */
  engine: EngineCalibration | null;
  /** Live figures the simulator's validation compares against. */
  live: {
    measuredRequests: number;
    throughputRps: number;
    /** Busy fraction of the live machine's cores implied by warm service times (see docs/simulator.md). */
    utilisation: number;
  };
}

/** A calibration file. */
export interface Calibration {
  calibrationVersion: typeof CALIBRATION_VERSION;
  createdAt: string;
  /** The measured result it was fitted from. */
  source: { runId: string; scenarioName: string; scenarioHash: string; path: string };
  /** Cores of the machine that measured (repro.cores): the servers of a live-replica simulation. */
  liveCores: number;
  /** One line on how service time was derived, copied into reports. */
  serviceTimeMethod: string;
  /** Phase names treated as artifact pulls (modelled apart, off the cores). */
  artifactPhases: string[];
  runtimes: Record<string, RuntimeCalibration>;
}
