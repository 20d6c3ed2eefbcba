/**
 * Fixtures shared by the simulator's tests: a tiny zero-variance scenario whose outcomes can be
 * computed by hand, calibrations built from constants, and a minimal live result to calibrate
 * from. Test-only; nothing in the lab imports it.
 */
import { encodeHistogram, newHistogram, recordMs } from '../measure/histogram.js';
import { RESULT_SCHEMA_VERSION, type RunResult, type RuntimeResult } from '../results/model.js';
import type { ActivationRecord } from '../pop/contract.js';
import { DEFAULT_TENANT_LIMITS, type Scenario } from '../scenario/types.js';
import { CALIBRATION_VERSION, type Calibration, type RuntimeCalibration } from './calibration.js';
import { constantWorkload } from './host-model.js';

export const MIB = 1024 * 1024;

/** One tenant, constant arrivals, no warm-up, no forced misses: every figure follows from the arrival gap and the constant times. */
export function tinyScenario(o: { gapMs: number; spanMs: number; cap?: number; missRate?: number; idleTimeoutSeconds?: number; budgetMiB?: number; tenants?: number }): Scenario {
  const tenants = o.tenants ?? 1;
  return {
    name: 'sim-tiny',
    description: 'hand-computable simulator case',
    seed: 7,
    host: { memoryGiB: 1, cores: 1 },
    live: { tenants },
    tenants: { count: tenants, mix: [{ workload: 'hello', weight: 1 }], popularity: { type: 'uniform' } },
    traffic: { arrival: { type: 'constant' }, rate: 1000 / o.gapMs, warmupSeconds: 0, durationSeconds: o.spanMs / 1000, timeoutMs: 5000 },
    cache: { instanceMissRate: o.missRate ?? 0, artifactMissRate: 0 },
    keepAlive: { idleTimeoutSeconds: o.idleTimeoutSeconds ?? 60, maxInstancesPerTenant: o.cap ?? 100, memoryBudgetMiB: o.budgetMiB ?? 0 },
    limits: { ...DEFAULT_TENANT_LIMITS },
    runtimes: [{ runtime: 'process', label: 'process', options: {} }],
    slo: { p99Ms: 100 },
    repetitions: 1,
    gates: [],
  };
}

/** A runtime calibration with constant service and activation times for the given workloads. */
export function constantCalibration(
  label: string,
  workloads: string[],
  o: { serviceMs: number; activationMs: number; activationCpuMs?: number; memoryBytes?: number; fixedBytes?: number; engine?: { activationCpuMs?: number; disposalCpuMs?: number; fillCpuMs?: number } },
): RuntimeCalibration {
  const memoryBytes = o.memoryBytes ?? MIB;
  return {
    label,
    runtime: label,
    runs: 1,
    workloads: Object.fromEntries(workloads.map((w) => [w, constantWorkload(w, { serviceMs: o.serviceMs, activationMs: o.activationMs, memoryBytes, ...(o.activationCpuMs !== undefined ? { activationCpuMs: o.activationCpuMs } : {}), ...(o.engine?.activationCpuMs !== undefined ? { engineCpuMs: o.engine.activationCpuMs } : {}) })])),
    fixedOverheadBytes: o.fixedBytes ?? 0,
    perInstanceBytes: memoryBytes,
    memoryMethod: 'constant (test)',
    engine: o.engine
      ? { method: 'constant (test)', measuredCpuMs: 0, calls: {}, callCpuMs: {}, scale: 1, disposalCpuMs: o.engine.disposalCpuMs ?? 0, fillCpuMsPerActivation: o.engine.fillCpuMs ?? 0 }
      : null,
    live: { measuredRequests: 0, throughputRps: 0, utilisation: 0 },
  };
}

/** A calibration file around runtime calibrations. */
export function calibrationOf(...rcs: RuntimeCalibration[]): Calibration {
  return {
    calibrationVersion: CALIBRATION_VERSION,
    createdAt: '2020-01-01T00:00:00.000Z',
    source: { runId: 'test-run', scenarioName: 'test', scenarioHash: 'sha256:0', path: '/nowhere/result.json' },
    liveCores: 2,
    serviceTimeMethod: 'constant (test)',
    artifactPhases: ['pull'],
    runtimes: Object.fromEntries(rcs.map((r) => [r.label, r])),
  };
}

/** An encoded HDR histogram of the given latencies (ms). */
export function hist(values: number[]): string {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return encodeHistogram(h);
}

/** Replaces a run's measured activations with `n` copies of its first one (ids a0..), each changed by `fields`. */
export function repeatActivation(run: RuntimeResult, n: number, fields: Partial<ActivationRecord>): void {
  const first = run.coldStart.activations[0]!;
  run.coldStart.activations = Array.from({ length: n }, (_, i) => ({ ...first, id: `a${i}`, ...fields }));
}

const EMPTY = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, hdr: '' };

/** A minimal live result: each label ran each workload (warm at `warmMs`, cold starts of `coldMs`), tenants t0001.. one per workload. */
export function fakeLiveResult(labels: string[], workloads: string[], o: { warmMs: number[]; coldMs: number }): RunResult {
  const tenants = workloads.map((w, i) => ({ id: `t${String(i + 1).padStart(4, '0')}`, workload: w, share: 1 / workloads.length }));
  const runs: RuntimeResult[] = labels.map((label) => ({
    label,
    runtime: label,
    repetition: 1,
    status: 'complete',
    startedAt: '',
    finishedAt: '',
    artifacts: [],
    requests: { planned: 100, completed: 100, late: 0, warmup: 0, cold: workloads.length, warm: 100 - workloads.length, spare: 0, forcedCold: 0, errors: {}, notSent: 0 },
    latency: { all: EMPTY, warm: EMPTY, cold: EMPTY, byWorkload: Object.fromEntries(workloads.map((w) => [w, { all: EMPTY, warm: { ...EMPTY, hdr: hist(o.warmMs) }, cold: EMPTY }])) },
    sendLag: EMPTY,
    coldStart: {
      count: workloads.length,
      rate: 0.01,
      total: EMPTY,
      byStrategy: {},
      activations: tenants.map((t, i) => ({ id: `a${i}`, tenant: t.id, workload: t.workload, instance: `${t.id}.1`, path: 'request' as const, reason: 'no-instance' as const, strategy: 'cold', startedAtMs: 0, totalMs: o.coldMs + 5, ok: true, phases: [{ name: 'queue', ms: 5 }, { name: 'init', ms: o.coldMs }] })),
    },
    throughputRps: 10,
    memory: { runtime: label, method: 'test', instances: tenants.map((t) => ({ tenant: t.id, instance: `${t.id}.1`, ussBytes: 8 * MIB, pssBytes: 0, rssBytes: 0 })), perInstanceUssBytes: 8 * MIB, perInstancePssBytes: 0, fixedOverheadBytes: 20 * MIB, extra: {} },
    pop: null,
    timeseries: [{ second: 0, sent: 10, completed: 10, errors: 0, cold: 1, p50Ms: 1, p99Ms: 2, liveInstances: 3 }],
    errorSamples: [],
  }));
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'live',
    runId: 'fake-run',
    status: 'complete',
    startedAt: '',
    finishedAt: '',
    scenario: { name: 'fake', file: '/fake.yaml', hash: 'sha256:fake', source: '', resolved: tinyScenario({ gapMs: 10, spanMs: 100 }) },
    repro: { gitCommit: null, gitDirty: null, scenarioHash: 'sha256:fake', seed: 1, node: '', v8: '', packages: {}, runtimeVersions: {}, artifactDigests: {}, kernel: '', os: '', cpuModel: '', cores: 2, memoryBytes: 0, loadAverage: { atStart: [], atEnd: [] }, hostname: '', commandLine: [] },
    tenants,
    runs,
  };
}
