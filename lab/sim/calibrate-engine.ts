/**
 * Calibration of the engine's CPU (container runner: dockerd, containerd, shims, runc). The
 * runner meters each engine call and charges the engine's CPU delta to the calls that ran alone;
 * this fits a per-call cost from those and scales it so the calls add up to the engine's whole
 * measured CPU. The simulator charges the request-path calls to the activation, and removals and
 * reserve fills as background work, all on its modelled cores.
 */
import type { EngineCpuReport, Phase } from '../pop/contract.js';
import { requestActivationsSinceLaunch } from '../results/assemble.js';
import type { RuntimeResult } from '../results/model.js';
import type { EngineCalibration } from './calibration.js';

/** Engine calls that are not a cold start's work: the artifact-miss experiment's own set-up and the pull (modelled apart). */
const NOT_CHARGED_TO_ACTIVATION = new Set(['missSetup', 'pull', 'pull-partial']);

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function callName(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

/**
 * The engine calibration of one label's runs, or null when the runner reported no engine, or
 * could not measure its CPU in some run (then the engine stays off the simulated cores, as
 * before v4, and the calibration says so).
 */
export function fitEngine(runs: RuntimeResult[]): EngineCalibration | null {
  const reports = runs.map((r) => r.engine).filter((e): e is EngineCpuReport => e !== undefined);
  if (reports.length === 0 || reports.length < runs.length || reports.some((e) => e.cpuMs === null)) return null;
  const calls: Record<string, number> = {};
  const alone = new Map<string, { n: number; ms: number }>();
  for (const e of reports) {
    for (const [k, o] of Object.entries(e.operations)) {
      calls[k] = (calls[k] ?? 0) + o.count;
      const a = alone.get(k) ?? { n: 0, ms: 0 };
      alone.set(k, { n: a.n + o.alone, ms: a.ms + o.aloneCpuMs });
    }
  }
  // A call never seen alone borrows the mean of the same call on another path (a fill's create
  // costs the engine what a cold start's create does).
  const byName = new Map<string, { n: number; ms: number }>();
  for (const [k, a] of alone) {
    const b = byName.get(callName(k)) ?? { n: 0, ms: 0 };
    byName.set(callName(k), { n: b.n + a.n, ms: b.ms + a.ms });
  }
  const meanOf = (k: string): number => {
    const a = alone.get(k);
    if (a && a.n > 0) return a.ms / a.n;
    const b = byName.get(callName(k));
    return b && b.n > 0 ? b.ms / b.n : 0;
  };
  const measuredCpuMs = reports.reduce((s, e) => s + (e.cpuMs as number), 0);
  const explained = Object.entries(calls).reduce((s, [k, n]) => s + n * meanOf(k), 0);
  const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  // Nothing explained (no call ran alone): the measured CPU shared equally by every call.
  const scale = explained > 0 ? measuredCpuMs / explained : 1;
  const callCpuMs: Record<string, number> = {};
  for (const k of Object.keys(calls).sort()) callCpuMs[k] = round3(explained > 0 ? meanOf(k) * scale : totalCalls > 0 ? measuredCpuMs / totalCalls : 0);
  // Reserve fills follow every request-path activation since launch, the span the engine's CPU covers.
  const requestActivations = runs.reduce((n, r) => n + requestActivationsSinceLaunch(r.coldStart), 0);
  let fill = 0;
  for (const [k, n] of Object.entries(calls)) if (k.startsWith('fill/')) fill += n * (callCpuMs[k] ?? 0);
  return {
    method: reports[0]!.method,
    measuredCpuMs: round3(measuredCpuMs),
    calls,
    callCpuMs,
    scale: round3(scale),
    disposalCpuMs: callCpuMs['disposal/remove'] ?? 0,
    fillCpuMsPerActivation: requestActivations > 0 ? round3(fill / requestActivations) : 0,
  };
}

/** Engine CPU on one activation's path: the fitted cost of each request-path engine call among its phases. */
export function activationEngineCpuMs(phases: readonly Phase[], engine: EngineCalibration | null): number {
  if (!engine) return 0;
  let ms = 0;
  for (const p of phases) if (!NOT_CHARGED_TO_ACTIVATION.has(p.name)) ms += engine.callCpuMs[`request/${p.name}`] ?? 0;
  return round3(ms);
}
