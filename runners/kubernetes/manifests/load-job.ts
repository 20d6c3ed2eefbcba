/**
 * The load generator of one side on a cluster: the lab's own engine (lab/loadgen/engine) in a
 * FROM scratch image, run as an Indexed Job of N pods, pod i sending shard i of the plan
 * (lab/loadgen/shard.ts: whole tenants per shard) to the tenants' Services from inside the
 * cluster. Each shard's job file is a ConfigMap; every pod mounts them all and picks its own by
 * its completion index. A pod prints its report as the last JSON line of its log, where the
 * collector (collect.ts) reads it.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { LABEL, loadJobName, loadShardName, runLabels, type RunIdentity, type Side } from './names.js';
import { hardenedContainerSecurity, hardenedPodSecurity } from './tenant.js';

/** The API server refuses objects over ~1.5 MiB; a shard's ConfigMap stays well below. */
export const MAX_SHARD_BYTES = 900 * 1024;

/** Where the shards are mounted in a generator pod. */
const JOB_DIR = '/job';

export interface LoadJobInput {
  run: RunIdentity;
  namespace: string;
  side: Side;
  /** The load engine's image reference. */
  engineImage: string;
  /** Each shard's job file (lab/loadgen/job-file.ts), one pod each. */
  shards: Buffer[];
  /** Planned span of the plan (warm-up + measured), ms: the Job's deadline is this plus `slackSeconds`. */
  spanMs: number;
  /** Room for scheduling, image pulls and the last responses. */
  slackSeconds: number;
}

/** The labels of one side's load objects. */
export function loadLabels(run: RunIdentity, side: Side): Record<string, string> {
  return { ...runLabels(run), [LABEL.side]: side, [LABEL.role]: 'load' };
}

/** One ConfigMap per shard, and the Indexed Job whose pod i runs shard i. */
export function loadGeneratorObjects(i: LoadJobInput): { shards: ConfigMap[]; job: Job } {
  const tag = runLabels(i.run)[LABEL.runTag]!;
  const labels = loadLabels(i.run, i.side);
  const shards = i.shards.map((bytes, k) => {
    if (bytes.length > MAX_SHARD_BYTES) throw new Error(`load shard ${k} of side ${i.side} is ${bytes.length} bytes, over the ${MAX_SHARD_BYTES} a ConfigMap may safely hold: give more generator pods`);
    return new ConfigMap({
      metadata: { name: loadShardName(tag, i.side, k), namespace: i.namespace, labels },
      binaryData: { [`shard-${k}.bin`]: bytes.toString('base64') },
    });
  });
  const n = i.shards.length;
  const job = new Job({
    metadata: { name: loadJobName(tag, i.side), namespace: i.namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: n,
      // A shard sent twice would be measured twice: a failed pod fails the Job, never retried.
      backoffLimit: 0,
      activeDeadlineSeconds: Math.ceil(i.spanMs / 1000) + i.slackSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: hardenedPodSecurity(),
          // Generators on different nodes where the cluster has them: one node's network is not the bottleneck.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [LABEL.runTag]: tag, [LABEL.side]: i.side, [LABEL.role]: 'load' } } } }],
            },
          },
          containers: [
            {
              name: 'engine',
              image: i.engineImage,
              // $(JOB_COMPLETION_INDEX) is expanded by the kubelet: pod i takes shard i.
              args: [`${JOB_DIR}/shard-$(JOB_COMPLETION_INDEX).bin`, '--in-cluster'],
              resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: hardenedContainerSecurity(),
              volumeMounts: [{ name: 'shards', mountPath: JOB_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'shards', projected: { sources: shards.map((c, k) => ({ configMap: { name: c.metadata!.name!, items: [{ key: `shard-${k}.bin`, path: `shard-${k}.bin` }] } })) } }],
        },
      },
    },
  });
  return { shards, job };
}
