/**
 * The simulated PoP host as the event loop sees it: cores, keep-alive policy settings, request
 * deadline, and per workload the samplers fitted by calibration, all in typed arrays. Built
 * once per simulation from a `RuntimeCalibration`, so the hot loop never touches the JSON.
 */
import type { KeepAliveSpec } from '../scenario/types.js';
import type { RuntimeCalibration } from './calibration.js';
import { EmpiricalSampler, quantileTableOfSamples } from './empirical.js';

/** One workload's samplers and memory, indexed by workload number in the loop. */
export interface WorkloadModel {
  name: string;
  warmServiceMs: EmpiricalSampler;
  /** Replayed activations: core time of activation i. */
  activationCoreMs: Float64Array;
  /** Strategy index (into `HostModel.strategies`) of activation i. */
  activationStrategy: Int32Array;
  /** Phases of activation i are entries phaseStart[i] .. phaseStart[i+1]-1 of phaseKey/phaseMs. */
  phaseStart: Int32Array;
  /** Index into `HostModel.phaseKeys`. */
  phaseKey: Int32Array;
  phaseMs: Float64Array;
  artifactPullMs: EmpiricalSampler | null;
  memoryBytes: number;
}

/** Everything about the host the loop needs. */
export interface HostModel {
  /** Servers: each serves one request or one activation at a time. */
  cores: number;
  /** The policy's settings, `memoryBudgetMiB` already resolved for this host (0 = unlimited). */
  keepAlive: KeepAliveSpec;
  /** A request unanswered after this long is a timeout error (its instance is killed, as the pool does). */
  timeoutMs: number;
  /** Probability that an activation must first pull its artifact. */
  artifactMissRate: number;
  workloads: WorkloadModel[];
  strategies: string[];
  /** Phase histograms of the result: strategy and phase name. */
  phaseKeys: { strategy: string; phase: string }[];
}

/** Settings of a host model that do not come from calibration. */
export interface HostSettings {
  cores: number;
  keepAlive: KeepAliveSpec;
  timeoutMs: number;
  artifactMissRate: number;
  /** Workloads in the order the loop numbers them. */
  workloads: string[];
}

/** Phase names the simulator adds itself (the live pool reports them too). */
export const SIM_PHASES = { queue: 'queue', pull: 'pull' } as const;

/** Builds the loop's model of one runtime from its calibration. */
export function hostModel(rc: RuntimeCalibration, s: HostSettings): HostModel {
  const strategies: string[] = [];
  const phaseKeys: { strategy: string; phase: string }[] = [];
  const strategyIndex = (name: string): number => {
    let i = strategies.indexOf(name);
    if (i < 0) i = strategies.push(name) - 1;
    return i;
  };
  const phaseIndex = (strategy: string, phase: string): number => {
    let i = phaseKeys.findIndex((k) => k.strategy === strategy && k.phase === phase);
    if (i < 0) i = phaseKeys.push({ strategy, phase }) - 1;
    return i;
  };
  const workloads = s.workloads.map((name): WorkloadModel => {
    const wc = rc.workloads[name]!;
    const acts = wc.activations;
    const phaseStart = new Int32Array(acts.length + 1);
    const nPhases = acts.reduce((a, x) => a + x.phases.length, 0);
    const phaseKey = new Int32Array(nPhases);
    const phaseMs = new Float64Array(nPhases);
    let k = 0;
    acts.forEach((a, i) => {
      phaseStart[i] = k;
      for (const p of a.phases) {
        phaseKey[k] = phaseIndex(a.strategy, p.name);
        phaseMs[k] = p.ms;
        k++;
      }
    });
    phaseStart[acts.length] = k;
    return {
      name,
      warmServiceMs: new EmpiricalSampler(wc.warmServiceMs, `${rc.label}/${name} warm service time`),
      activationCoreMs: Float64Array.from(acts, (a) => a.coreMs),
      activationStrategy: Int32Array.from(acts, (a) => strategyIndex(a.strategy)),
      phaseStart,
      phaseKey,
      phaseMs,
      artifactPullMs: wc.artifactPullMs ? new EmpiricalSampler(wc.artifactPullMs, `${rc.label}/${name} artifact pull`) : null,
      memoryBytes: wc.memoryPerInstanceBytes,
    };
  });
  // Queue and pull phases of every strategy exist up front so the loop only indexes.
  for (const st of [...strategies]) {
    phaseIndex(st, SIM_PHASES.queue);
    phaseIndex(st, SIM_PHASES.pull);
  }
  return { cores: s.cores, keepAlive: s.keepAlive, timeoutMs: s.timeoutMs, artifactMissRate: s.artifactMissRate, workloads, strategies, phaseKeys };
}

/** A host model from hand-given constants, for tests and the benchmark (zero-variance inputs). */
export function constantWorkload(name: string, o: { serviceMs: number; activationMs: number; memoryBytes: number; strategy?: string; pullMs?: number }): RuntimeCalibration['workloads'][string] {
  return {
    warmServiceMs: quantileTableOfSamples([o.serviceMs]),
    activations: [{ strategy: o.strategy ?? 'cold', coreMs: o.activationMs, phases: [{ name: 'init', ms: o.activationMs }] }],
    artifactPullMs: o.pullMs !== undefined ? quantileTableOfSamples([o.pullMs]) : null,
    memoryPerInstanceBytes: o.memoryBytes,
    memorySource: 'workload',
  };
}
