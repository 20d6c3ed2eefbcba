/**
 * `lab export kubernetes --fleet <fleet.yaml>`: the fleet simulation as the Indexed Job the fleet
 * work builds (lab/app/kubernetes/fleet-job.ts: pod i runs `lab simulate --fleet ... --shard i/K`,
 * the same command local worker threads run), written as YAML beside the manifests and checked by
 * the same validator (field paths named).
 *
 * That builder and the fleet loader were written on a branch of their own (issue 18, item 4); they
 * are loaded here by module path, so this command works as soon as both are in the tree and, until
 * then, fails saying exactly that.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, InputError, LabError } from '../../errors.js';
import { manifestYaml } from '../../../runners/kubernetes/manifests/build.js';
import { validateObjects, type OwnedObject } from '../../../runners/kubernetes/manifests/validate.js';
import { defaultScenarioContext } from '../scenario-context.js';

/** What this command needs of the fleet builder (lab/app/kubernetes/fleet-job.ts). */
interface FleetJobModule {
  fleetJob(o: { fleet: unknown; calibrationText: string; shards: number; image: string; runId: string; namespace?: string; parallelism?: number; resultsClaim?: string }): { configMap: OwnedObject['object']; job: OwnedObject['object']; shardDir: string; mergeArgs: string[] };
}
/** ... and of the fleet loader (lab/fleet/load.ts). */
interface FleetLoadModule {
  loadFleet(file: string, ctx: unknown): unknown;
}

/** The module at `spec` (relative to this file), or a clear error if it has not landed. */
async function landed<T>(spec: string, what: string): Promise<T> {
  const url = new URL(spec, import.meta.url);
  try {
    // A computed specifier: the compiler does not resolve it, so this builds without the module.
    return (await import(url.href)) as T;
  } catch (e) {
    // Only the module itself missing: one it imports missing is a broken build, reported as it is.
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(url.pathname)) throw new LabError(`lab export kubernetes --fleet: not built yet: ${what} (issue 18, item 4) is not in this build`, ExitCode.environment);
    throw e;
  }
}

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
export async function exportFleet(o: FleetExportOptions): Promise<{ file: string; shardDir: string; mergeArgs: string[] }> {
  const builder = await landed<FleetJobModule>('./fleet-job.js', 'the fleet Indexed Job builder (lab/app/kubernetes/fleet-job.ts)');
  const loader = await landed<FleetLoadModule>('../../fleet/load.js', 'the fleet loader (lab/fleet/load.ts)');
  let calibrationText: string;
  try {
    calibrationText = readFileSync(resolve(o.calibrationFile), 'utf8');
  } catch (e) {
    throw new InputError(`--calibration: cannot read ${o.calibrationFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const fleet = loader.loadFleet(resolve(o.fleetFile), defaultScenarioContext());
  const objs = builder.fleetJob({ fleet, calibrationText, shards: o.shards, image: o.image, runId: o.runId, namespace: o.namespace, ...(o.parallelism !== undefined ? { parallelism: o.parallelism } : {}) });
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
