/**
 * How far the simulator can be trusted for one runtime's density and cost: the latest
 * out-of-sample validation (calibrated at one load, predicting a live run at another, as
 * density extrapolates), within its bounds or not. A figure resting on a model outside them is
 * flagged wherever it is shown, never silently.
 */
import type { RunResult } from '../lab/results/model.js';
import { formatPredictionError } from './prediction-error.js';

export interface ModelTrust {
  state: 'within' | 'outside' | 'not validated';
  /** One line: the out-of-sample errors and bounds, or why there are none. */
  text: string;
}

/** `sim`: any result quoting the latest out-of-sample validation (a simulated run, a fleet). */
export function modelTrust(sim: Pick<RunResult, 'outOfSample'> | undefined, label: string): ModelTrust {
  const v = sim?.outOfSample;
  if (!v) return { state: 'not validated', text: 'not validated out of sample (lab validate-sim scenarios/validate-sim-shifted.yaml --calibrate-from scenarios/validate-sim-steady.yaml)' };
  const e = v.errors[label];
  if (!e) return { state: 'not validated', text: `${label} is not in the out-of-sample validation (${v.scenario})` };
  const where = v.committedBaseline ? `; the lab's committed record of ${v.at.slice(0, 10)}, not measured on this machine` : '';
  const errors = `p99 ${formatPredictionError('p99Ms', e.p99Ms)}, cold-start rate ${formatPredictionError('coldStartRatePct', e.coldStartRatePct)}${where}`;
  const bounds = `bounds ${Math.round(v.goals.p99Relative * 100)} % / ${v.goals.coldStartRatePoints} pts`;
  return v.met[label]
    ? { state: 'within', text: `out of sample ${errors} (within ${bounds})` }
    : { state: 'outside', text: `outside the out-of-sample bounds: ${errors} (${bounds}); the figure rests on a model that missed` };
}

/** Labels whose density rests on a model outside the out-of-sample bounds. */
export function flaggedLabels(sim: Pick<RunResult, 'outOfSample'> | undefined, labels: readonly string[]): string[] {
  return labels.filter((l) => modelTrust(sim, l).state === 'outside');
}
