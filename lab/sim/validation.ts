/**
 * Validation of the simulator: the prediction error of p50, p99, cold-start rate and peak
 * memory when the simulator replays a live run from that run's own calibration. Stored under
 * the results tree (`validation/<scenario>/<timestamp>.json`), and the latest one is quoted
 * next to every simulated figure, so no simulated number is shown without its measured error.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeHistogram, encodeHistogram, mergeInto, newHistogram, type Histogram } from '../measure/histogram.js';
import { empiricalFromHdr } from '../stats/empirical.js';
import { quantileInterval } from '../stats/quantile-interval.js';
import { wilsonInterval } from '../stats/wilson.js';
import { resultsDir } from '../paths.js';
import type { PredictionError, RunResult, RuntimeResult, ValidationSummary } from '../results/model.js';
import { writeAtomic } from '../results/store.js';
import type { Calibration } from './calibration.js';

/** Goals in sample (the run predicted from its own calibration): p99 within 10 %, cold-start rate within 2 percentage points. */
export const VALIDATION_GOALS = { p99Relative: 0.1, coldStartRatePoints: 2 } as const;

/**
 * Goals out of sample (calibrated at one load, predicting another): p99 within 15 %, cold-start
 * rate within 3 points. A density or cost figure resting on a runtime outside them is flagged.
 */
export const OUT_OF_SAMPLE_GOALS = { p99Relative: 0.15, coldStartRatePoints: 3 } as const;

export type ValidationGoals = { p99Relative: number; coldStartRatePoints: number };

/** Bump on any incompatible change of the validation file. */
export const VALIDATION_VERSION = 2;

/** A validation file: the summary plus where its three inputs live. */
export interface ValidationRecord extends Omit<ValidationSummary, 'path'> {
  validationVersion: typeof VALIDATION_VERSION;
  livePath: string;
  simulatedPath: string;
  calibrationPath: string;
  /** Load average of the measuring machine during the live run: a busy machine makes the live figures noisy. */
  liveLoadAverage: { atStart: number[]; atEnd: number[] };
  /** The simulated replica served the live schedule this many times, each with its own simulator streams (figures merged). */
  replicaRepetitions: number;
}

/** The figures compared, for one runtime label. */
export interface ComparedFigures {
  p50Ms: number;
  p99Ms: number;
  coldStartRatePct: number;
  peakMemoryBytes: number;
}

/** The repetitions' latency histograms (all requests) merged into one. */
function mergedLatency(runs: RuntimeResult[]): Histogram {
  const all = newHistogram();
  for (const r of runs) if (r.latency.all.hdr) mergeInto(all, decodeHistogram(r.latency.all.hdr));
  return all;
}

/** 95 % intervals of the live figures that have a sampling distribution (peak memory has none). */
export type FigureIntervals = Partial<Record<keyof ComparedFigures, [number, number]>>;

const CONFIDENCE = 0.95;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

function error(measured: number, simulated: number, ci?: [number, number]): PredictionError {
  return {
    measured: round6(measured),
    simulated: round6(simulated),
    absolute: round6(simulated - measured),
    ...(measured !== 0 ? { relative: round6((simulated - measured) / measured) } : {}),
    ...(ci ? { measuredCi95: [round6(ci[0]), round6(ci[1])] as [number, number] } : {}),
  };
}

/** The live figures' own 95 % intervals: order statistics of the merged latency histogram, Wilson for the cold-start rate. */
export function liveIntervals(runs: RuntimeResult[]): FigureIntervals {
  const all = mergedLatency(runs);
  const sample = empiricalFromHdr(encodeHistogram(all));
  const measured = measuredOf(runs);
  const cold = runs.reduce((a, r) => a + r.requests.cold, 0);
  const [lo, hi] = wilsonInterval(cold, measured, CONFIDENCE);
  return { p50Ms: quantileInterval(sample, 0.5, CONFIDENCE), p99Ms: quantileInterval(sample, 0.99, CONFIDENCE), coldStartRatePct: [100 * lo, 100 * hi] };
}

function measuredOf(rs: RuntimeResult[]): number {
  return rs.reduce((a, r) => a + r.requests.completed + Object.values(r.requests.errors).reduce((x, y) => x + y, 0), 0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * The figures of one label's runs, live repetitions or the simulated replica's, merged the same
 * way on both sides: percentiles of the merged latency histogram, cold requests over measured
 * requests, and the median over runs of the peak of live instances (sampled once a second)
 * times the calibrated memory per instance, plus the fixed overhead. A peak is per run: the
 * maximum over ten simulated repetitions would have ten chances to peak against the live one.
 */
export function comparedFigures(runs: RuntimeResult[], perInstanceBytes: number, fixedBytes: number): ComparedFigures {
  const all = mergedLatency(runs);
  const measured = measuredOf(runs);
  const cold = runs.reduce((a, r) => a + r.requests.cold, 0);
  const peak = median(runs.map((r) => Math.max(0, ...r.timeseries.map((p) => p.liveInstances ?? 0))));
  return {
    p50Ms: all.totalCount ? Math.round(all.getValueAtPercentile(50)) / 1000 : 0,
    p99Ms: all.totalCount ? Math.round(all.getValueAtPercentile(99)) / 1000 : 0,
    coldStartRatePct: measured ? (100 * cold) / measured : 0,
    peakMemoryBytes: peak * perInstanceBytes + fixedBytes,
  };
}

/** Compares a live result with its simulated replica, per runtime label present in both. */
export function compareRuns(live: RunResult, simulated: RunResult, calibration: Calibration, goals: ValidationGoals = VALIDATION_GOALS): Pick<ValidationSummary, 'errors' | 'met' | 'goals'> {
  const errors: ValidationSummary['errors'] = {};
  const met: ValidationSummary['met'] = {};
  for (const label of new Set(simulated.runs.map((r) => r.label))) {
    const rc = calibration.runtimes[label];
    const liveRuns = live.runs.filter((r) => r.label === label && r.status !== 'failed');
    if (!rc || liveRuns.length === 0) continue;
    const l = comparedFigures(liveRuns, rc.perInstanceBytes, rc.fixedOverheadBytes);
    const ci = liveIntervals(liveRuns);
    const s = comparedFigures(
      simulated.runs.filter((r) => r.label === label),
      rc.perInstanceBytes,
      rc.fixedOverheadBytes,
    );
    const e = {
      p50Ms: error(l.p50Ms, s.p50Ms, ci.p50Ms),
      p99Ms: error(l.p99Ms, s.p99Ms, ci.p99Ms),
      coldStartRatePct: error(l.coldStartRatePct, s.coldStartRatePct, ci.coldStartRatePct),
      peakMemoryBytes: error(l.peakMemoryBytes, s.peakMemoryBytes),
    };
    errors[label] = e;
    met[label] = Math.abs(e.p99Ms.relative ?? Infinity) <= goals.p99Relative && Math.abs(e.coldStartRatePct.absolute) <= goals.coldStartRatePoints;
  }
  return { errors, met, goals: { ...goals } };
}

/** Folder of all validations under a results root. */
export function validationRoot(root: string = resultsDir): string {
  return join(root, 'validation');
}

/** Saves a validation record; returns its path. */
export function saveValidation(record: ValidationRecord, root: string = resultsDir): string {
  const dir = join(validationRoot(root), record.scenario);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.at.replace(/[:.]/g, '-')}.json`);
  writeAtomic(file, `${JSON.stringify(record, null, 1)}\n`);
  return file;
}

/**
 * Where the lab keeps committed validation records (`results/baselines/validation/*.json`):
 * measured on the lab's reference machine and shipped with the source, so a fresh clone's
 * densities and costs still carry a measured model error, named as that machine's.
 */
export function baselineValidationRoot(root: string = resultsDir): string {
  return join(root, 'baselines', 'validation');
}

/** The newest readable record of a kind among these files. */
function newestRecord(paths: string[], kind: 'in-sample' | 'out-of-sample'): ValidationSummary | undefined {
  let best: ValidationSummary | undefined;
  for (const path of paths) {
    try {
      const r = JSON.parse(readFileSync(path, 'utf8')) as ValidationRecord;
      if (r.validationVersion !== VALIDATION_VERSION || (r.outOfSample !== undefined) !== (kind === 'out-of-sample')) continue;
      if (!best || r.at > best.at) best = { path, scenario: r.scenario, at: r.at, errors: r.errors, goals: r.goals, met: r.met, ...(r.outOfSample ? { outOfSample: r.outOfSample } : {}) };
    } catch {
      continue;
    }
  }
  return best;
}

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/**
 * The most recent validation of a kind (in sample, or out of sample) under a results root
 * (across all validation scenarios), as the summary a simulated result quotes. This machine's
 * own records win; without any, the committed baseline record of that kind is quoted, marked
 * `committedBaseline` so no reader takes it for a measurement of this machine. Undefined when
 * neither exists. Unreadable files are skipped: a half-written or foreign file must not hide
 * the valid ones.
 */
export function latestValidation(root: string = resultsDir, kind: 'in-sample' | 'out-of-sample' = 'in-sample'): ValidationSummary | undefined {
  const base = validationRoot(root);
  const own = existsSync(base) ? newestRecord(readdirSync(base).flatMap((scenario) => jsonFiles(join(base, scenario))), kind) : undefined;
  if (own) return own;
  const committed = newestRecord(jsonFiles(baselineValidationRoot(root)), kind);
  return committed ? { ...committed, committedBaseline: true } : undefined;
}
