/**
 * What a fleet is calibrated from: a live result (`--from`, calibrated once here and written
 * beside the fleet result, so every shard reads the same file), a calibration file
 * (`--calibration`, what a Job pod is given), or else the first committed baseline under
 * results/baselines that covers the fleet's runtimes and workloads. The result says which, and
 * why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '../../digest.js';
import { InputError } from '../../errors.js';
import { fleetCoverScenario } from '../../fleet/pop-scenario.js';
import type { LoadedFleet } from '../../fleet/types.js';
import { resultsDir } from '../../paths.js';
import type { FleetCalibrationRecord } from '../../results/model.js';
import { loadAnyResult, loadResult } from '../../results/store.js';
import type { Calibration } from '../../sim/calibration.js';
import { calibrate, checkCovers, loadCalibration, missingFromCalibration, saveCalibration } from '../../sim/calibrate.js';

/** Where committed baselines live. */
export const BASELINES_DIR = join(resultsDir, 'baselines');

/** A calibration ready for the shards: the file they read and what the result says of it. */
export interface FleetCalibration {
  calibration: Calibration;
  path: string;
  record: FleetCalibrationRecord;
}

function recordOf(c: Calibration, path: string, origin: FleetCalibrationRecord['origin'], note: string): FleetCalibrationRecord {
  return { origin, path, digest: sha256(readFileSync(path, 'utf8')), calibrationVersion: c.calibrationVersion, source: { ...c.source }, note };
}

const fitted = (c: Calibration): string => `run ${c.source.runId} of scenario ${c.source.scenarioName} (${c.liveCores} cores)`;

/** A calibration file given by path: the shard command's and a Job pod's source. */
export function calibrationFromFile(file: string): FleetCalibration {
  const path = resolve(file);
  const c = loadCalibration(path);
  return { calibration: c, path, record: recordOf(c, path, 'calibration file', `calibration file ${path}, fitted from ${fitted(c)}`) };
}

/** Options of `fleetCalibration`. */
export interface FleetCalibrationOptions {
  /** A live result to calibrate from. */
  from?: string;
  /** A calibration file. */
  calibration?: string;
  /** Where a calibration fitted here is written (calibration.json). */
  outDir: string;
  /** Folder of committed baselines (default results/baselines). */
  baselines?: string;
}

/** Resolves and checks the fleet's calibration: it covers every runtime and workload of the fleet, or this throws naming what is missing. */
export function fleetCalibration(loaded: LoadedFleet, o: FleetCalibrationOptions): FleetCalibration {
  const need = fleetCoverScenario(loaded);
  let out: FleetCalibration;
  if (o.from) {
    const from = resolve(o.from);
    const c = calibrate(loadResult(from), from);
    const path = join(o.outDir, 'calibration.json');
    saveCalibration(path, c);
    out = { calibration: c, path, record: recordOf(c, path, 'result', `the live result ${from} (${fitted(c)}), calibrated for this fleet into ${path}`) };
  } else if (o.calibration) {
    out = calibrationFromFile(o.calibration);
  } else {
    out = fromBaseline(loaded, o.baselines ?? BASELINES_DIR, o.outDir);
  }
  checkCovers(out.calibration, need);
  return out;
}

/**
 * The first baseline covering the fleet: calibration files first (name order), then live
 * results (calibrated here and written to `outDir`). Throws listing what each one lacks.
 */
function fromBaseline(loaded: LoadedFleet, dir: string, outDir: string): FleetCalibration {
  const need = fleetCoverScenario(loaded);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    names = [];
  }
  const gaps: string[] = [];
  const results: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    if ('calibrationVersion' in data) {
      let c: Calibration;
      try {
        c = loadCalibration(path);
      } catch (e) {
        gaps.push(`${path}: ${(e as Error).message}`);
        continue;
      }
      const missing = missingFromCalibration(c, need);
      if (missing.length === 0) return { calibration: c, path, record: recordOf(c, path, 'baseline', `the committed baseline ${path}, fitted from ${fitted(c)}: the first baseline covering the fleet's runtimes and workloads (calibrate from a run of your own machine with --from <result.json>)`) };
      gaps.push(`${path} lacks ${missing.join('; ')}`);
    } else if (data.kind === 'live') results.push(path);
  }
  for (const path of results) {
    const r = loadAnyResult(path);
    if (r.kind !== 'live') continue;
    const c = calibrate(r, path);
    const missing = missingFromCalibration(c, need);
    if (missing.length === 0) {
      const out = join(outDir, 'calibration.json');
      saveCalibration(out, c);
      return { calibration: c, path: out, record: recordOf(c, out, 'baseline', `the committed baseline result ${path} (${fitted(c)}), calibrated for this fleet into ${out}: the first baseline covering the fleet's runtimes and workloads (calibrate from a run of your own machine with --from <result.json>)`) };
    }
    gaps.push(`${path} lacks ${missing.join('; ')}`);
  }
  throw new InputError(`no calibration for fleet ${loaded.fleet.name}: give --from <result.json> (a live run of its base scenario) or --calibration <file>; no committed baseline in ${dir} covers it${gaps.length ? `:\n  ${gaps.join('\n  ')}` : ' (none found)'}`);
}
