/**
 * The calibration file: what the simulator samples, fitted from one measured run and naming
 * that run. Versioned, because a simulated figure is only as trustworthy as the measurement it
 * came from, and a reader must be able to follow it back.
 */
import type { QuantileTable } from './empirical.js';

/** Bump on any incompatible change of `Calibration`; `loadCalibration` refuses other versions. */
export const CALIBRATION_VERSION = 1;

/**
 * One measured activation (request-path cold start), as the simulator replays it: the time it
 * held the host (`coreMs`: arrival-to-first-byte minus the queue wait and the artifact pull,
 * which the simulator models itself) and its phases for the simulated phase summaries.
 */
export interface ActivationSample {
  strategy: string;
  coreMs: number;
  /** Phases other than `queue` and the artifact phases, in the order the runner reported them. */
  phases: { name: string; ms: number }[];
}

/** What the simulator samples for one workload on one runtime. */
export interface WorkloadCalibration {
  /**
   * Time a warm request holds a core: the live warm latency distribution (client side, from
   * the intended send time). See docs/simulator.md "Service time" for why and its bias.
   */
  warmServiceMs: QuantileTable;
  /** Measured request-path activations, replayed whole so their phases stay correlated. */
  activations: ActivationSample[];
  /** Artifact pull (fetch from the origin) times, when the runner reported any. */
  artifactPullMs: QuantileTable | null;
  /** Mean USS of this workload's measured instances, bytes (the runtime's mean when none was measured). */
  memoryPerInstanceBytes: number;
  /** Whether `memoryPerInstanceBytes` is this workload's own figure or the runtime's mean. */
  memorySource: 'workload' | 'runtime-mean';
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
