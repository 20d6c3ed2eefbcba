/**
 * `lab bench sim`: the simulator's throughput, simulated requests per second of wall time, on
 * the issue's reference load (4,000 tenants, 10M requests) or any other. A benchmark, never a
 * test: the machine is shared, so figures are printed, not asserted.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import type { Command } from '../commands/command.js';
import { projectRoot } from '../../paths.js';
import { loadLabScenario } from '../scenario-context.js';
import type { Scenario } from '../../scenario/types.js';
import { openSchedule, blankRequest } from '../../traffic/plan.js';
import { CALIBRATION_VERSION, type Calibration, type RuntimeCalibration } from '../../sim/calibration.js';
import { loadCalibration } from '../../sim/calibrate.js';
import { quantileTableOfSamples } from '../../sim/empirical.js';
import { hostModel } from '../../sim/host-model.js';
import { simulateHost } from '../../sim/host-sim.js';
import { modelledHost } from '../../sim/modelled.js';

const MIB = 1024 * 1024;

/** Standard normal quantile (Acklam's rational approximation), for a deterministic synthetic calibration. */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** n log-normal quantiles with the given median and log-space sigma (no randomness: the same table every run). */
function lognormalSamples(n: number, medianMs: number, sigma: number): number[] {
  return Array.from({ length: n }, (_, i) => medianMs * Math.exp(sigma * normalQuantile((i + 0.5) / n)));
}

/** A synthetic calibration with realistic spread, for benchmarking without a measured result. */
export function syntheticCalibration(workloads: string[], o: { serviceMedianMs: number; activationMedianMs: number; instanceBytes: number }): Calibration {
  const rc: RuntimeCalibration = {
    label: 'synthetic',
    runtime: 'synthetic',
    runs: 1,
    fixedOverheadBytes: 64 * MIB,
    perInstanceBytes: o.instanceBytes,
    memoryMethod: 'synthetic',
    engine: null,
    live: { measuredRequests: 0, throughputRps: 0, utilisation: 0 },
    workloads: Object.fromEntries(
      workloads.map((w) => [
        w,
        {
          warmServiceMs: quantileTableOfSamples(lognormalSamples(1001, o.serviceMedianMs, 0.5)),
          warmServiceSource: 'warm-latency' as const,
          warmCpuShare: 1,
          // All CPU, as an in-process Wasm instantiation is.
          activations: lognormalSamples(200, o.activationMedianMs, 0.4).map((ms) => ({ strategy: 'cold', wallMs: ms, cpuMs: ms, engineCpuMs: 0, phases: [{ name: 'init', ms }] })),
          artifactPullMs: quantileTableOfSamples(lognormalSamples(101, 200, 0.3)),
          memoryPerInstanceBytes: o.instanceBytes,
          memorySource: 'workload' as const,
        },
      ]),
    ),
  };
  return { calibrationVersion: CALIBRATION_VERSION, createdAt: new Date(0).toISOString(), source: { runId: 'synthetic', scenarioName: 'synthetic', scenarioHash: '', path: '' }, liveCores: 2, serviceTimeMethod: 'synthetic log-normal', artifactPhases: ['pull'], runtimes: { synthetic: rc } };
}

export const benchSimCommand: Command = {
  name: 'sim',
  summary: 'simulator throughput: simulated requests per second of wall time (goal: >= 1M/s; 4,000 tenants x 10M requests in <= 10 s)',
  usage: `lab bench sim [--scenario <file>] [--tenants N] [--requests N] [--rate R] [--budget MiB] [--calibration <file> --label <label>]

  --scenario     scenario whose host, policy and popularity are simulated (default scenarios/pop-16gb.yaml)
  --tenants      modelled tenants (default 4000)
  --requests     simulated requests (default 10000000)
  --rate         aggregate rate, req/s (default 8000: about two thirds of 16 cores busy with the synthetic calibration)
  --budget       instances' memory budget, MiB (default 0: the whole host's memory less the fixed overhead)
  --calibration  a calibration file instead of the synthetic one (1 ms median service, 5 ms median activation, 2 MiB per instance: Wasm-like)`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { budget: { type: 'string' }, scenario: { type: 'string' }, tenants: { type: 'string' }, requests: { type: 'string' }, rate: { type: 'string' }, calibration: { type: 'string' }, label: { type: 'string' } },
    });
    const loaded = loadLabScenario(resolve(values.scenario ?? `${projectRoot}/scenarios/pop-16gb.yaml`));
    const tenants = Number(values.tenants ?? 4000);
    const requests = Number(values.requests ?? 10_000_000);
    const rate = Number(values.rate ?? 8000);
    const budget = Number(values.budget ?? 0);
    const workloads = loaded.scenario.tenants.mix.map((m) => m.workload);
    const cal = values.calibration ? loadCalibration(resolve(values.calibration)) : syntheticCalibration(workloads, { serviceMedianMs: 1, activationMedianMs: 5, instanceBytes: 2 * MIB });
    const label = values.label ?? Object.keys(cal.runtimes)[0]!;
    const rc = cal.runtimes[label];
    if (!rc) {
      process.stderr.write(`calibration has no runtime '${label}'; it has ${Object.keys(cal.runtimes).join(', ')}\n`);
      return ExitCode.usage;
    }
    const scenario: Scenario = { ...loaded.scenario, simulate: { rate, requests, warmupSeconds: 0 } };
    const target = modelledHost(scenario, { tenants, rate, memoryBudgetMiB: budget });
    const counts = Object.fromEntries(workloads.map((w) => [w, 1]));

    // The planner alone, to show its share of the time.
    let t0 = performance.now();
    const plan = openSchedule(target.scenario, counts, { fixtures: false });
    const scratch = blankRequest();
    let planned = 0;
    while (plan.next(scratch)) planned++;
    const planSeconds = (performance.now() - t0) / 1000;

    const model = hostModel(rc, {
      cores: target.cores,
      keepAlive: { ...target.scenario.keepAlive, memoryBudgetMiB: target.memoryBudgetBytes(rc.fixedOverheadBytes) / MIB },
      timeoutMs: target.scenario.traffic.timeoutMs,
      artifactMissRate: target.scenario.cache.artifactMissRate,
      workloads,
    });
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = simulateHost(openSchedule(target.scenario, counts, { fixtures: false }), model, { seed: scenario.seed });
    const cpu = process.cpuUsage(cpu0);
    const simSeconds = (performance.now() - t0) / 1000;
    // CPU time of this (single-threaded) process: on a shared machine wall time also counts the neighbours' share of the core.
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const rps = out.planned / simSeconds;
    const cpuRps = out.planned / cpuSeconds;
    process.stdout.write(
      [
        `simulated ${out.planned} requests (${tenants} tenants, ${rate} req/s, ${target.cores} cores, ${(target.memoryBudgetBytes(rc.fixedOverheadBytes) / MIB).toFixed(0)} MiB budget, calibration ${label})`,
        `  wall ${simSeconds.toFixed(2)} s = ${(rps / 1e6).toFixed(2)} M simulated requests/s; CPU ${cpuSeconds.toFixed(2)} s = ${(cpuRps / 1e6).toFixed(2)} M/s of one core (planner alone: ${planned} requests in ${planSeconds.toFixed(2)} s); load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`,
        `  cold ${out.cold} (${((100 * out.cold) / Math.max(1, out.measured)).toFixed(2)} %), errors ${JSON.stringify(out.errors)}, peak instances ${out.peakInstances}, evictions ${JSON.stringify(out.evictionsBy)}`,
        `  goals (wall / CPU): >= 1 M req/s: ${rps >= 1e6 ? 'met' : 'NOT met'} / ${cpuRps >= 1e6 ? 'met' : 'NOT met'}; 4,000 tenants x 10M in <= 10 s: ${tenants === 4000 && out.planned >= 10_000_000 ? `${simSeconds <= 10 ? 'met' : 'NOT met'} / ${cpuSeconds <= 10 ? 'met' : 'NOT met'}` : 'not this load'}`,
      ].join('\n') + '\n',
    );
    return ExitCode.ok;
  },
};
