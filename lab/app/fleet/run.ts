/**
 * `lab simulate --fleet`: the fleet file validated, its calibration resolved once, its PoPs
 * split into K shards run on N worker threads (each thread runs the shard command's function,
 * as a Kubernetes Job pod does), and the shard files merged into the fleet result and report.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InputError } from '../../errors.js';
import { popCount } from '../../fleet/expand.js';
import { loadFleet } from '../../fleet/load.js';
import { mergeShardResults, readShard } from '../../fleet/merge.js';
import { shardSize } from '../../fleet/shard.js';
import type { LoadedFleet } from '../../fleet/types.js';
import { resultsDir } from '../../paths.js';
import type { FleetResult } from '../../results/model.js';
import { resultDir } from '../../results/store.js';
import { latestValidation } from '../../sim/validation.js';
import { progressWanted } from '../progress.js';
import { loadLabScenarioContext } from '../scenario-context.js';
import { fleetCalibration } from './calibration.js';
import { FLEET_FILES, writeFleetOutputs, type FleetOutputs } from './outputs.js';
import { runShardsInWorkers } from './pool.js';
import type { ShardJob } from './shard-command.js';

/** Shards per worker thread when `--shards` is not given: enough that a slow shard does not leave the other threads idle at the end. */
export const SHARDS_PER_WORKER = 4;

/** Options of a local fleet run. */
export interface FleetRunOptions {
  fleetFile: string;
  from?: string;
  calibration?: string;
  baseFile?: string;
  /** Default: results/<fleet>/<timestamp>-fleet. */
  outDir?: string;
  /** Worker threads (default: the available cores). */
  workers?: number;
  /** Shards (default: SHARDS_PER_WORKER per worker, at most one per PoP). */
  shards?: number;
  sample?: number;
  /** Results root whose validation records are quoted (default results/). */
  resultsRoot?: string;
  /** Draw progress on stderr (default: on a TTY outside CI). */
  progress?: boolean;
}

/** What a local fleet run produced. */
export interface FleetRunOutcome extends FleetOutputs {
  result: FleetResult;
  dir: string;
  shardFiles: string[];
  calibrationPath: string;
  wallSeconds: number;
}

/** The worker and shard counts a run uses. */
export function fleetParallelism(pops: number, workers?: number, shards?: number): { workers: number; shards: number } {
  const w = workers ?? availableParallelism();
  if (!Number.isInteger(w) || w < 1) throw new InputError(`--workers must be a whole number >= 1, got ${workers}`);
  const k = shards ?? Math.min(Math.max(1, pops), w * SHARDS_PER_WORKER);
  if (!Number.isInteger(k) || k < 1) throw new InputError(`--shards must be a whole number >= 1, got ${shards}`);
  return { workers: Math.min(w, k), shards: k };
}

/** Simulates the fleet locally and writes fleet.json, fleet-pops.csv, report.html, report.md and the shard files. */
export async function simulateFleet(o: FleetRunOptions): Promise<FleetRunOutcome> {
  const started = performance.now();
  const fleetFile = resolve(o.fleetFile);
  const loaded: LoadedFleet = loadFleet(fleetFile, loadLabScenarioContext(), o.baseFile ? { baseOverride: o.baseFile } : {});
  const total = popCount(loaded);
  if (o.sample !== undefined && !(Number.isInteger(o.sample) && o.sample >= 1)) throw new InputError(`--sample must be a whole number >= 1, got ${o.sample}`);
  const simulated = o.sample === undefined ? total : Math.min(o.sample, total);
  const { workers, shards } = fleetParallelism(simulated, o.workers, o.shards);
  const dir = resolve(o.outDir ?? `${resultDir(resultsDir, loaded.fleet.name, new Date().toISOString())}-fleet`);
  const cal = fleetCalibration(loaded, { ...(o.from ? { from: o.from } : {}), ...(o.calibration ? { calibration: o.calibration } : {}), outDir: dir });
  const shardDir = join(dir, FLEET_FILES.shards);
  const jobs: ShardJob[] = Array.from({ length: shards }, (_, index) => ({
    fleetFile,
    ...(o.baseFile ? { baseFile: resolve(o.baseFile) } : {}),
    calibrationFile: cal.path,
    calibrationRecord: cal.record,
    shard: { index, count: shards },
    outDir: shardDir,
    ranIn: 'worker',
    ...(o.sample !== undefined ? { sample: o.sample } : {}),
  }));
  const planned = jobs.reduce((a, j) => a + shardSize(total, j.shard, o.sample), 0);
  const show = o.progress ?? progressWanted(process.stderr);
  let lastDraw = 0;
  const files = await runShardsInWorkers(jobs, workers, planned, (done, of) => {
    const now = performance.now();
    if (!show || (now - lastDraw < 250 && done < of)) return;
    lastDraw = now;
    process.stderr.write(`\r\x1b[2Kfleet ${loaded.fleet.name}: ${done.toLocaleString('en-US')}/${of.toLocaleString('en-US')} PoPs simulated (${shards} shards on ${workers} worker thread${workers === 1 ? '' : 's'})`);
  });
  if (show) process.stderr.write('\r\x1b[2K');
  const root = o.resultsRoot ?? resultsDir;
  const validation = latestValidation(root);
  const outOfSample = latestValidation(root, 'out-of-sample');
  const wallSeconds = (performance.now() - started) / 1000;
  const result = mergeShardResults(files.map(readShard), { workers, wallSeconds: Math.round(wallSeconds * 1000) / 1000, ...(validation ? { validation } : {}), ...(outOfSample ? { outOfSample } : {}) });
  const outputs = writeFleetOutputs(result, dir);
  return { result, dir, shardFiles: files, calibrationPath: cal.path, wallSeconds, ...outputs };
}
