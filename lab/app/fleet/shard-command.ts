/**
 * The shard command's work, from files: `lab simulate --fleet f.yaml --shard i/K --out dir`
 * runs this in a Kubernetes Indexed Job pod, and every worker thread of the local
 * `lab simulate --fleet` runs this same function, so the local test of one proves the other.
 */
import type { ShardRef } from '../../fleet/expand.js';
import { runShard, type ShardOutcome } from '../../fleet/shard.js';
import type { FleetCalibrationRecord, FleetShardExecution } from '../../results/model.js';
import { loadLabFleet } from '../scenario-context.js';
import { calibrationFromFile } from './calibration.js';

/** One shard to simulate, all of it plain data (it crosses into a worker thread). */
export interface ShardJob {
  fleetFile: string;
  /** The base scenario's path when it is not where the fleet file names it (a Job pod's ConfigMap). */
  baseFile?: string;
  /** The calibration file every shard of the run reads. */
  calibrationFile: string;
  /** What the parent resolved the calibration from (origin and note); absent: the file itself. */
  calibrationRecord?: FleetCalibrationRecord;
  shard: ShardRef;
  outDir: string;
  ranIn: FleetShardExecution['ranIn'];
  sample?: number;
}

/** Loads the fleet and its calibration, then simulates the shard and writes its file. */
export function runShardJob(job: ShardJob, onPop?: (done: number, of: number) => void): ShardOutcome {
  const loaded = loadLabFleet(job.fleetFile, job.baseFile ? { baseOverride: job.baseFile } : {});
  const cal = calibrationFromFile(job.calibrationFile);
  const record = job.calibrationRecord ? { ...job.calibrationRecord, digest: cal.record.digest } : cal.record;
  return runShard({
    loaded,
    calibration: cal.calibration,
    calibrationRecord: record,
    shard: job.shard,
    outDir: job.outDir,
    ranIn: job.ranIn,
    ...(job.sample !== undefined ? { sample: job.sample } : {}),
    ...(onPop ? { onPop } : {}),
  });
}
