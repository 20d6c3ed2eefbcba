/**
 * Calibration: from a measured `RunResult`, per runtime label and workload, the distributions
 * the simulator samples (warm service time, activations with their phases, artifact pulls),
 * memory per instance and fixed cost, and the live machine's core count. Works on any runner's
 * result: it reads only the results model, never a runner's internals.
 */
import { ExitCode, LabError } from '../errors.js';
import { decodeHistogram, mergeInto, newHistogram } from '../measure/histogram.js';
import type { RunResult, RuntimeResult } from '../results/model.js';
import type { ActivationRecord } from '../pop/contract.js';
import { readVersionedJson, writeAtomic } from '../results/store.js';
import type { Scenario } from '../scenario/types.js';
import { CALIBRATION_VERSION, type ActivationSample, type Calibration, type RuntimeCalibration, type WorkloadCalibration } from './calibration.js';
import { activationEngineCpuMs, fitEngine } from './calibrate-engine.js';
import { lowerEnvelope, quantileTableOfHistogram, quantileTableOfSamples, type QuantileTable } from './empirical.js';

/** Phase names runners use for fetching an artifact from the origin (container: pull). */
export const ARTIFACT_PHASES: readonly string[] = ['pull', 'fetch'];

/** The phase the pool adds for time spent waiting in the tenant's queue: the simulator models that wait itself. */
const QUEUE_PHASE = 'queue';

/**
 * The phase the pool adds for a cold start's first request, from the instance's ready to its
 * first byte: one request served with no wait in the tenant's queue, on the live machine as
 * loaded as it was. It bounds warm service time from above (a fresh instance is never faster).
 */
const FIRST_RESPONSE_PHASE = 'firstResponse';

/** Fewer first responses than this per workload do not make a table worth bounding by. */
const MIN_FIRST_RESPONSES = 5;

/**
 * Activations kept per workload. Replaying more adds nothing to the distribution and only
 * grows the file; the subsample is a fixed stride, so the same result gives the same file.
 */
export const MAX_ACTIVATION_SAMPLES = 4000;

const SERVICE_TIME_METHOD =
  'warm service time = per workload, the live warm latency at the client (network, host proxy and the live wait for a CPU included) less each request\'s measured wait in its tenant\'s queue (x-lab-queue-ms), which the simulator models itself; ' +
  'results without that measurement fall back to the quantile-wise minimum of warm latency and first responses of fresh instances. ' +
  'Activations: the client-side latency of the cold request (intended send to last byte) less its tenant-queue wait and artifact pull, replayed off the cores except their measured CPU time (phase cpuMs), which the processor-sharing cores serve; without cpuMs the whole wall time is CPU demand. ' +
  'Engine CPU (container: dockerd, containerd, shims, runc), when measured: each engine call on the activation\'s path is CPU demand too, and removals and reserve fills are background CPU jobs on the same cores';

/** Error for a calibration that cannot serve a scenario; the message lists everything missing. */
export class CalibrationMismatchError extends LabError {
  constructor(
    readonly missing: string[],
    source: string,
  ) {
    super(`calibration from ${source} cannot simulate this scenario:\n${missing.map((m) => `  - ${m}`).join('\n')}\nrun the scenario live with these runtimes and workloads first (lab run), then calibrate from that result`, ExitCode.invalidInput);
    this.name = 'CalibrationMismatchError';
  }
}

function strideSample<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor((i * xs.length) / max)] as T);
  return out;
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Warm service time. Warm latency includes waits in the tenant's queue (behind cold starts at
 * the cap or the memory budget), which the simulator models itself. When the load generator
 * measured each request's wait (`warmService`), that is subtracted request by request. Older
 * results lack it: then the warm latency is bounded quantile by quantile by the first responses
 * of fresh instances, which never waited there. Both are upper bounds of the service time, so
 * their minimum is too, but a biased one: first responses come right after their activation's
 * CPU burst, so the bound also cuts the live contention tail, which is why measuring is better.
 */
function warmDemand(warm: QuantileTable, service: QuantileTable | null, firstResponses: number[]): Pick<WorkloadCalibration, 'warmServiceMs' | 'warmServiceSource'> {
  if (service && service.samples > 0) return { warmServiceMs: service, warmServiceSource: 'warm-service' };
  if (warm.samples === 0 || firstResponses.length < MIN_FIRST_RESPONSES) return { warmServiceMs: warm, warmServiceSource: 'warm-latency' };
  const e = lowerEnvelope(warm, quantileTableOfSamples(firstResponses));
  return { warmServiceMs: e.table, warmServiceSource: e.fromB === 0 ? 'warm-latency' : e.fromA === 0 ? 'first-response' : 'mixed' };
}

/** One label's runs merged: warm histograms, activations, memory per workload. */
function calibrateLabel(label: string, runs: RuntimeResult[], tenantWorkload: Map<string, string>, liveCores: number): RuntimeCalibration {
  const workloadNames = new Set<string>();
  for (const r of runs) for (const w of Object.keys(r.latency.byWorkload)) workloadNames.add(w);
  for (const r of runs) for (const a of r.coldStart.activations) workloadNames.add(a.workload);

  const ussByWorkload = new Map<string, number[]>();
  const allUss: number[] = [];
  const fixed: number[] = [];
  let memoryMethod = '';
  for (const r of runs) {
    if (!r.memory) continue;
    memoryMethod = r.memory.method;
    fixed.push(r.memory.fixedOverheadBytes);
    for (const i of r.memory.instances) {
      allUss.push(i.ussBytes);
      const w = tenantWorkload.get(i.tenant);
      if (w) (ussByWorkload.get(w) ?? ussByWorkload.set(w, []).get(w)!).push(i.ussBytes);
    }
    // A runner may report only the mean (no per-instance list): weigh it as one observation.
    if (r.memory.instances.length === 0 && r.memory.perInstanceUssBytes > 0) allUss.push(r.memory.perInstanceUssBytes);
  }
  const perInstanceBytes = Math.round(mean(allUss));
  const engine = fitEngine(runs);

  const workloads: Record<string, WorkloadCalibration> = {};
  let serviceMsTotal = 0;
  let warmCount = 0;
  for (const w of [...workloadNames].sort()) {
    const warm = newHistogram();
    const service = newHistogram();
    // The measured service time only when every run has it: mixing would bias the table.
    const measuredService = runs.every((r) => r.latency.byWorkload[w] === undefined || r.latency.byWorkload[w]?.warmService !== undefined);
    for (const r of runs) {
      const e = r.latency.byWorkload[w]?.warm.hdr;
      if (e) mergeInto(warm, decodeHistogram(e));
      const s = r.latency.byWorkload[w]?.warmService?.hdr;
      if (measuredService && s) mergeInto(service, decodeHistogram(s));
    }
    serviceMsTotal += (warm.mean / 1000) * warm.totalCount;
    warmCount += warm.totalCount;
    const activations: ActivationSample[] = [];
    const pulls: number[] = [];
    const firstResponses: number[] = [];
    // Measured-window cold starts; when a workload had none there (a small live slice), its
    // warm-up cold starts, which are the same activations on the same machine.
    const usable = (xs: ActivationRecord[] | undefined): ActivationRecord[] => (xs ?? []).filter((a) => a.workload === w && a.path === 'request' && a.ok);
    const measuredActs = runs.flatMap((r) => usable(r.coldStart.activations));
    const source = measuredActs.length > 0 ? measuredActs : runs.flatMap((r) => usable(r.coldStart.warmupActivations));
    for (const a of source) {
      let queue = 0;
      let pull = 0;
      let cpu: number | null = null;
      const phases: { name: string; ms: number }[] = [];
      for (const p of a.phases) {
        if (p.cpuMs !== undefined) cpu = (cpu ?? 0) + p.cpuMs;
        if (p.name === QUEUE_PHASE) queue += p.ms;
        else if (ARTIFACT_PHASES.includes(p.name)) pull += p.ms;
        else phases.push({ name: p.name, ms: p.ms });
        if (p.name === FIRST_RESPONSE_PHASE) firstResponses.push(p.ms);
      }
      if (pull > 0) pulls.push(pull);
      // What the client saw when the lab recorded it (the cold request's share of network, proxy
      // and send lag included), else the PoP's own arrival-to-first-byte time.
      activations.push({ strategy: a.strategy, wallMs: Math.max(0, (a.clientMs ?? a.totalMs) - queue - pull), cpuMs: cpu, engineCpuMs: activationEngineCpuMs(a.phases, engine), phases });
    }
    const own = ussByWorkload.get(w) ?? [];
    const measuredCpu = activations.filter((a) => a.cpuMs !== null);
    const cpuSum = measuredCpu.reduce((s, a) => s + (a.cpuMs as number), 0);
    const wallSum = measuredCpu.reduce((s, a) => s + a.wallMs, 0);
    workloads[w] = {
      warmCpuShare: wallSum > 0 ? Math.min(1, cpuSum / wallSum) : 1,
      ...warmDemand(quantileTableOfHistogram(warm), measuredService && service.totalCount > 0 ? quantileTableOfHistogram(service) : null, firstResponses),
      activations: strideSample(activations, MAX_ACTIVATION_SAMPLES),
      artifactPullMs: pulls.length > 0 ? quantileTableOfSamples(pulls) : null,
      memoryPerInstanceBytes: own.length > 0 ? Math.round(mean(own)) : perInstanceBytes,
      memorySource: own.length > 0 ? 'workload' : 'runtime-mean',
    };
  }

  const measured = runs.reduce((a, r) => a + r.requests.completed + Object.values(r.requests.errors).reduce((x, y) => x + y, 0), 0);
  const throughputRps = mean(runs.map((r) => r.throughputRps));
  const meanServiceMs = warmCount > 0 ? serviceMsTotal / warmCount : 0;
  return {
    label,
    runtime: runs[0]!.runtime,
    runs: runs.length,
    workloads,
    fixedOverheadBytes: Math.round(mean(fixed)),
    perInstanceBytes,
    memoryMethod,
    engine,
    live: { measuredRequests: measured, throughputRps, utilisation: liveCores > 0 ? (throughputRps * meanServiceMs) / 1000 / liveCores : 0 },
  };
}

/**
 * Fits a calibration to a measured result. `path` is where the result file lives (recorded so
 * the calibration names its source). Runs that failed are left out; a label with no usable run
 * is left out too, and `checkCovers` then names it when a scenario needs it.
 */
export function calibrate(result: RunResult, path: string): Calibration {
  if (result.kind !== 'live') throw new LabError(`result ${path} is ${result.kind}: calibrate from a measured (live) result, not a simulated one`, ExitCode.invalidInput);
  const tenantWorkload = new Map(result.tenants.map((t) => [t.id, t.workload]));
  const byLabel = new Map<string, RuntimeResult[]>();
  for (const r of result.runs) {
    if (r.status === 'failed') continue;
    (byLabel.get(r.label) ?? byLabel.set(r.label, []).get(r.label)!).push(r);
  }
  const liveCores = result.repro.cores;
  const runtimes: Record<string, RuntimeCalibration> = {};
  for (const [label, runs] of byLabel) runtimes[label] = calibrateLabel(label, runs, tenantWorkload, liveCores);
  return {
    calibrationVersion: CALIBRATION_VERSION,
    createdAt: new Date().toISOString(),
    source: { runId: result.runId, scenarioName: result.scenario.name, scenarioHash: result.scenario.hash, path },
    liveCores,
    serviceTimeMethod: SERVICE_TIME_METHOD,
    artifactPhases: [...ARTIFACT_PHASES],
    runtimes,
  };
}

/**
 * Everything the scenario needs that the calibration lacks: runtime labels, workloads, warm
 * samples, cold-start records, memory figures. Empty when the calibration covers the scenario.
 */
export function missingFromCalibration(c: Calibration, scenario: Scenario): string[] {
  const missing: string[] = [];
  const workloads = scenario.tenants.mix.map((m) => m.workload);
  for (const rt of scenario.runtimes) {
    const rc = c.runtimes[rt.label];
    if (!rc) {
      const have = Object.keys(c.runtimes);
      missing.push(`runtime '${rt.label}' (the result has ${have.length ? have.map((h) => `'${h}'`).join(', ') : 'no usable runtime'})`);
      continue;
    }
    if (!(rc.perInstanceBytes > 0)) missing.push(`runtime '${rt.label}': no memory report (memory per instance unknown)`);
    for (const w of workloads) {
      const wc = rc.workloads[w];
      if (!wc) missing.push(`runtime '${rt.label}': workload '${w}' (never ran in the measured result)`);
      else {
        if (wc.warmServiceMs.samples === 0) missing.push(`runtime '${rt.label}': workload '${w}' has no warm requests (service time unknown)`);
        if (wc.activations.length === 0) missing.push(`runtime '${rt.label}': workload '${w}' has no successful request-path cold starts (activation time unknown)`);
      }
    }
  }
  return missing;
}

/** Throws `CalibrationMismatchError` naming every gap when the calibration cannot serve the scenario. */
export function checkCovers(c: Calibration, scenario: Scenario): void {
  const missing = missingFromCalibration(c, scenario);
  if (missing.length > 0) throw new CalibrationMismatchError(missing, c.source.path);
}

/** Writes a calibration file atomically. */
export function saveCalibration(file: string, c: Calibration): void {
  writeAtomic(file, `${JSON.stringify(c, null, 1)}\n`);
}

/** Reads a calibration file, refusing versions this lab does not understand. */
export function loadCalibration(file: string): Calibration {
  return readVersionedJson<Calibration>(file, 'calibration', 'calibrationVersion', CALIBRATION_VERSION, 'calibrate again (lab simulate --from <result.json>)');
}
