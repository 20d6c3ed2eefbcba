/**
 * The fleet simulation as a Kubernetes Indexed Job (`batch/v1`, `completionMode: Indexed`):
 * pod i runs the very shard command a local worker thread runs (`lab simulate --fleet ...
 * --shard i/K`, i from `JOB_COMPLETION_INDEX`), reading the fleet file, its base scenario and the
 * calibration from a ConfigMap, and writes its shard file to a results volume; `lab merge` on
 * that volume then gives the fleet result. Typed objects from kubernetes-models, validated
 * against the OpenAPI schema it pins before they are returned, with the names and label values
 * the schema does not check checked here. `lab export kubernetes --fleet` writes them.
 */
import { readFileSync } from 'node:fs';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { InputError } from '../../errors.js';
import { popCount } from '../../fleet/expand.js';
import type { LoadedFleet } from '../../fleet/types.js';
import { SANDBOX_GID, SANDBOX_UID } from '../../../runners/container/host/sandbox.js';
import { fleetCalibration } from '../fleet/calibration.js';
import { loadLabFleet } from '../scenario-context.js';

/** Where the pod finds its inputs and puts its output. */
export const FLEET_JOB_PATHS = {
  config: '/etc/lab-fleet',
  fleet: '/etc/lab-fleet/fleet.yaml',
  base: '/etc/lab-fleet/base.yaml',
  calibration: '/etc/lab-fleet/calibration.json',
  results: '/results',
  tmp: '/tmp',
} as const;

/** The lab's CLI inside the lab image (overridable: `labCommand`). */
export const LAB_IMAGE_COMMAND: readonly string[] = ['node', '/lab/dist/lab/app/cli.js'];

/** The env var the Job controller numbers each pod with, and the annotation it reads it from. */
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
const COMPLETION_INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']";

/** Label keys tying the objects to the lab, the fleet and the run. */
export const FLEET_JOB_LABELS = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  run: 'edge-pop-lab/run',
  fleet: 'edge-pop-lab/fleet',
} as const;

/** A ConfigMap holds at most 1 MiB of data. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** What the Job is built from. */
export interface FleetJobOptions {
  /** The validated fleet: its text and its base scenario's go into the ConfigMap verbatim. */
  fleet: LoadedFleet;
  /** The calibration every pod reads (the same file, so the shards merge): its text. */
  calibrationText: string;
  /** Shards, one pod each: the Job's `completions`. */
  shards: number;
  /** Pods at once (default: min(shards, 16)). */
  parallelism?: number;
  /** The lab's image (built and pushed by the user; nothing is pulled from here). */
  image: string;
  /** The command running the lab's CLI in that image (default LAB_IMAGE_COMMAND). */
  labCommand?: readonly string[];
  namespace?: string;
  /** The run these objects belong to: label `edge-pop-lab/run`, and the shard folder on the volume. */
  runId: string;
  /** PersistentVolumeClaim the shards are written to (default `<job name>-results`), mounted at /results. */
  resultsClaim?: string;
  /** Per pod: CPU cores and memory, requested and limited alike (default 1 core, 1024 MiB: a shard is one thread). */
  resources?: { cpu: number; memoryMiB: number };
  /** Retries of one index before it counts as failed (default 2). */
  backoffLimitPerIndex?: number;
  /** Delete the finished Job after this long (default: kept). */
  ttlSecondsAfterFinished?: number;
  /** Simulate only this many PoPs (evenly spaced), as `lab simulate --sample`. */
  sample?: number;
}

/** The objects, in the order to apply them, and how to merge what they produce. */
export interface FleetJobObjects {
  configMap: ConfigMap;
  job: Job;
  /** Where the pods write, on the results volume. */
  shardDir: string;
  /** The lab arguments that join the shards once the Job completes (after the lab command, where the volume is mounted). */
  mergeArgs: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A DNS-1123 label from free text (lowercase, `-` for anything else, at most `max` characters, no `-` at either end). */
export function dnsName(text: string, max = 63): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, max).replace(/^-+|-+$/g, '');
  return s || 'x';
}

/** Builds and validates the Job and ConfigMap of a fleet run; throws InputError naming the field when an object is invalid. */
export function fleetJob(o: FleetJobOptions): FleetJobObjects {
  const fleet = o.fleet.fleet;
  if (!Number.isInteger(o.shards) || o.shards < 1) throw new InputError(`fleet job: shards must be a whole number >= 1, got ${o.shards}`);
  const pops = o.sample === undefined ? popCount(o.fleet) : Math.min(o.sample, popCount(o.fleet));
  if (o.shards > pops) throw new InputError(`fleet job: ${o.shards} shards for ${pops} PoPs leaves shards with nothing to do; use at most ${pops}`);
  const parallelism = o.parallelism ?? Math.min(o.shards, 16);
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new InputError(`fleet job: parallelism must be a whole number >= 1, got ${parallelism}`);
  const res = o.resources ?? { cpu: 1, memoryMiB: 1024 };
  if (!(res.cpu > 0) || !(Number.isInteger(res.memoryMiB) && res.memoryMiB >= 128)) throw new InputError(`fleet job: resources need cpu > 0 and memoryMiB >= 128, got ${JSON.stringify(res)}`);

  const name = dnsName(`lab-fleet-${fleet.name}-${o.runId}`);
  const runLabel = o.runId.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  const fleetLabel = fleet.name.slice(0, 63).replace(/[^A-Za-z0-9]+$/g, '');
  for (const [what, v] of [['runId', runLabel], ['fleet name', fleetLabel]] as const) {
    if (!v || !LABEL_VALUE.test(v)) throw new InputError(`fleet job: the ${what} '${v}' is no valid Kubernetes label value (letters, digits, '-', '_', '.', at most 63)`);
  }
  const labels = { [FLEET_JOB_LABELS.name]: 'edge-pop-lab', [FLEET_JOB_LABELS.component]: 'fleet-shard', [FLEET_JOB_LABELS.managedBy]: 'edge-pop-lab', [FLEET_JOB_LABELS.run]: runLabel, [FLEET_JOB_LABELS.fleet]: fleetLabel };
  const data = { 'fleet.yaml': o.fleet.source, 'base.yaml': o.fleet.base.source, 'calibration.json': o.calibrationText };
  const bytes = Object.entries(data).reduce((a, [k, v]) => a + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > CONFIGMAP_MAX_BYTES) throw new InputError(`fleet job: the fleet file, base scenario and calibration are ${bytes.toLocaleString('en-US')} bytes, more than a ConfigMap holds (${CONFIGMAP_MAX_BYTES.toLocaleString('en-US')}); calibrate from a shorter run`);
  const shardDir = `${FLEET_JOB_PATHS.results}/${dnsName(o.runId, 200)}/shards`;
  const claim = o.resultsClaim ?? dnsName(`${name.slice(0, 55)}-results`);
  for (const [what, v] of [['Job name', name], ['results claim', claim]] as const) {
    if (!DNS_LABEL.test(v)) throw new InputError(`fleet job: the ${what} '${v}' is no valid DNS-1123 label`);
  }
  const metadata = (objName: string) => ({ name: objName, ...(o.namespace ? { namespace: o.namespace } : {}), labels: { ...labels } });
  const annotations = {
    'edge-pop-lab/fleet-sha256': o.fleet.hash,
    'edge-pop-lab/base-sha256': o.fleet.base.hash,
    'edge-pop-lab/merge': `lab merge ${shardDir} --out ${shardDir.replace(/\/shards$/, '')}`,
  };

  const configMap = new ConfigMap({ metadata: { ...metadata(`${name.slice(0, 56)}-inputs`), annotations }, data });
  const args = [
    'simulate',
    '--fleet', FLEET_JOB_PATHS.fleet,
    '--base', FLEET_JOB_PATHS.base,
    '--calibration', FLEET_JOB_PATHS.calibration,
    // The kubelet expands $(VAR) from the container's env: the env var below, from the Job controller's annotation.
    '--shard', `$(${COMPLETION_INDEX_ENV})/${o.shards}`,
    '--out', shardDir,
    ...(o.sample !== undefined ? ['--sample', String(o.sample)] : []),
  ];
  const job = new Job({
    metadata: { ...metadata(name), annotations },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism,
      backoffLimitPerIndex: o.backoffLimitPerIndex ?? 2,
      ...(o.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished } : {}),
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: SANDBOX_UID, runAsGroup: SANDBOX_GID, fsGroup: SANDBOX_GID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'shard',
              image: o.image,
              command: [...(o.labCommand ?? LAB_IMAGE_COMMAND)],
              args,
              env: [
                { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: COMPLETION_INDEX_ANNOTATION } } },
                // Progress stays quiet in a pod's log; the heap is bounded below the limit so a shard fails as itself, not as an OOM kill.
                { name: 'CI', value: 'true' },
                { name: 'NODE_OPTIONS', value: `--max-old-space-size=${Math.floor(res.memoryMiB * 0.75)}` },
              ],
              resources: { requests: { cpu: String(res.cpu), memory: `${res.memoryMiB}Mi` }, limits: { cpu: String(res.cpu), memory: `${res.memoryMiB}Mi` } },
              securityContext: { runAsNonRoot: true, runAsUser: SANDBOX_UID, runAsGroup: SANDBOX_GID, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              volumeMounts: [
                { name: 'inputs', mountPath: FLEET_JOB_PATHS.config, readOnly: true },
                { name: 'results', mountPath: FLEET_JOB_PATHS.results },
                { name: 'tmp', mountPath: FLEET_JOB_PATHS.tmp },
              ],
            },
          ],
          volumes: [
            { name: 'inputs', configMap: { name: configMap.metadata!.name! } },
            { name: 'results', persistentVolumeClaim: { claimName: claim } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  });
  for (const [what, obj] of [['ConfigMap', configMap], ['Job', job]] as const) {
    try {
      obj.validate();
    } catch (e) {
      throw new InputError(`fleet job: the ${what} ${obj.metadata?.name ?? ''} is invalid: ${(e as Error).message}`);
    }
  }
  return { configMap, job, shardDir, mergeArgs: ['merge', shardDir, '--out', shardDir.replace(/\/shards$/, '')] };
}

/**
 * `fleetJob` from files, as `lab export kubernetes --fleet` has them: the fleet file loaded with
 * this build's registries, its calibration resolved as `lab simulate --fleet` resolves it
 * (`--from` a live result, calibrated into `workDir`; `--calibration` a file; else the first
 * committed baseline covering the fleet) and checked to cover every runtime and workload.
 */
export function fleetJobFromFiles(o: Omit<FleetJobOptions, 'fleet' | 'calibrationText'> & { fleetFile: string; from?: string; calibration?: string; workDir: string }): FleetJobObjects & { calibrationPath: string } {
  const { fleetFile, from, calibration, workDir, ...rest } = o;
  const fleet = loadLabFleet(fleetFile);
  const cal = fleetCalibration(fleet, { ...(from ? { from } : {}), ...(calibration ? { calibration } : {}), outDir: workDir });
  return { ...fleetJob({ ...rest, fleet, calibrationText: readFileSync(cal.path, 'utf8') }), calibrationPath: cal.path };
}
