/**
 * `lab export kubernetes --fleet <fleet.yaml>`: the fleet simulation as the Indexed Job the fleet
 * simulation builds (lab/app/kubernetes/fleet-job.ts: pod i runs `lab simulate --fleet ... --shard i/K`,
 * the same command local worker threads run), written as YAML beside the manifests and checked by
 * the same validator (field paths named).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { loadFleet } from '../../fleet/load.js';
import { manifestYaml } from '../../../runners/kubernetes/manifests/build.js';
import { validateObjects, type OwnedObject } from '../../../runners/kubernetes/manifests/validate.js';
import { defaultScenarioContext } from '../scenario-context.js';
import { fleetJob } from './fleet-job.js';

export interface FleetExportOptions {
  fleetFile: string;
  calibrationFile: string;
  shards: number;
  /** The lab's own image, built and pushed by the user. */
  image: string;
  namespace: string;
  runId: string;
  out: string;
  parallelism?: number;
}

/** Writes `fleet-job.yaml` (ConfigMap + Indexed Job) into `out`; returns its path and the merge command. */
export function exportFleet(o: FleetExportOptions): { file: string; shardDir: string; mergeArgs: string[] } {
  let calibrationText: string;
  try {
    calibrationText = readFileSync(resolve(o.calibrationFile), 'utf8');
  } catch (e) {
    throw new InputError(`--calibration: cannot read ${o.calibrationFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const fleet = loadFleet(resolve(o.fleetFile), defaultScenarioContext());
  const objs = fleetJob({ fleet, calibrationText, shards: o.shards, image: o.image, runId: o.runId, namespace: o.namespace, ...(o.parallelism !== undefined ? { parallelism: o.parallelism } : {}) });
  const objects: OwnedObject[] = [{ object: objs.configMap }, { object: objs.job }];
  validateObjects(objects);
  const file = join(resolve(o.out), 'fleet-job.yaml');
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, manifestYaml({ path: 'fleet-job.yaml', objects }));
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { file, shardDir: objs.shardDir, mergeArgs: objs.mergeArgs };
}
