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
  /** Time of a warm request: `warmCpuShare` of it is CPU demand on the processor-sharing cores, the rest is replayed off them first. */
  warmServiceMs: EmpiricalSampler;
  warmCpuShare: number;
  /** Replayed activations: the part of activation i spent off the cores (its wall time less its CPU time). */
  activationOffMs: Float64Array;
  /** Replayed activations: CPU demand of activation i, the instance's and the engine's (its whole wall time when the runner did not measure CPU). */
  activationCpuMs: Float64Array;
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
  /** Processor-sharing cores: n running jobs each progress at min(1, cores / n). */
  cores: number;
  /** The policy's settings, `memoryBudgetMiB` already resolved for this host (0 = unlimited). */
  keepAlive: KeepAliveSpec;
  /** A request unanswered after this long is a timeout error (its instance is killed, as the pool does). */
  timeoutMs: number;
  /** Probability that an activation must first pull its artifact. */
  artifactMissRate: number;
  /** Engine CPU off every request's path (0 without an engine): a background job on the cores at each instance removal, and at each activation for reserve fills. */
  engineDisposalCpuMs: number;
  engineFillCpuMs: number;
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
      warmCpuShare: wc.warmCpuShare,
      // The measured wall time already holds the live machine's wait for a CPU: only the CPU
      // time is served (and slowed down) by the simulated cores, the rest is replayed as is.
      // The engine's calls on the path are CPU too (its processes shared the live cores).
      activationOffMs: Float64Array.from(acts, (a) => (a.cpuMs === null ? 0 : Math.max(0, a.wallMs - a.cpuMs - a.engineCpuMs))),
      activationCpuMs: Float64Array.from(acts, (a) => (a.cpuMs === null ? a.wallMs : Math.min(a.cpuMs + a.engineCpuMs, a.wallMs))),
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
  return {
    cores: s.cores,
    keepAlive: s.keepAlive,
    timeoutMs: s.timeoutMs,
    artifactMissRate: s.artifactMissRate,
    engineDisposalCpuMs: rc.engine?.disposalCpuMs ?? 0,
    engineFillCpuMs: rc.engine?.fillCpuMsPerActivation ?? 0,
    workloads,
    strategies,
    phaseKeys,
  };
}

/**
 * A host model from hand-given constants, for tests and the benchmark (zero-variance inputs).
 * `activationCpuMs` (default: all of `activationMs`) is the CPU part of the activation.
 */
export function constantWorkload(name: string, o: { serviceMs: number; activationMs: number; activationCpuMs?: number; engineCpuMs?: number; memoryBytes: number; strategy?: string; pullMs?: number }): RuntimeCalibration['workloads'][string] {
  return {
    warmServiceMs: quantileTableOfSamples([o.serviceMs]),
    warmServiceSource: 'warm-latency',
    warmCpuShare: 1,
    activations: [{ strategy: o.strategy ?? 'cold', wallMs: o.activationMs, cpuMs: o.activationCpuMs ?? o.activationMs, engineCpuMs: o.engineCpuMs ?? 0, phases: [{ name: 'init', ms: o.activationMs }] }],
    artifactPullMs: o.pullMs !== undefined ? quantileTableOfSamples([o.pullMs]) : null,
    memoryPerInstanceBytes: o.memoryBytes,
    memorySource: 'workload',
  };
}
