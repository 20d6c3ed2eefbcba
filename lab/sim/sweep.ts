/**
 * Sweeps: one scenario parameter varied over a list of values, every value simulated for every
 * runtime on the modelled host, so a report can plot each metric against the parameter. The
 * mapping from parameter to scenario field is one table, not a switch spread over the code.
 */
import { InputError } from '../errors.js';
import type { SweepResult } from '../results/model.js';
import type { RuntimeSpec, Scenario, SweepParameter, SweepSpec } from '../scenario/types.js';
import type { RuntimeCalibration } from './calibration.js';
import { modelledHost, type ModelledOverrides } from './modelled.js';
import { simulateRuntime } from './simulate.js';

/** How each sweep parameter changes the modelled host. */
export const SWEEP_OVERRIDES: Record<SweepParameter, (v: number) => ModelledOverrides> = {
  tenants: (v) => ({ tenants: v }),
  rate: (v) => ({ rate: v }),
  instanceMissRate: (v) => ({ instanceMissRate: v }),
  idleTimeoutSeconds: (v) => ({ idleTimeoutSeconds: v }),
  memoryBudgetMiB: (v) => ({ memoryBudgetMiB: v }),
};

/** Simulates every value of the sweep for every runtime. */
export function runSweep(scenario: Scenario, sweep: SweepSpec, runtimes: { spec: RuntimeSpec; calibration: RuntimeCalibration }[]): SweepResult {
  const override = SWEEP_OVERRIDES[sweep.parameter];
  if (!override) throw new InputError(`cannot sweep '${sweep.parameter}'; sweepable: ${Object.keys(SWEEP_OVERRIDES).join(', ')}`);
  return {
    parameter: sweep.parameter,
    values: [...sweep.values],
    points: sweep.values.map((value) => {
      const target = modelledHost(scenario, override(value));
      const point: SweepResult['points'][number] = { value, runtimes: {} };
      for (const { spec, calibration } of runtimes) point.runtimes[spec.label] = simulateRuntime(target, calibration, spec).point;
      return point;
    }),
  };
}
