/**
 * The plan, as the lab's load job, turned into the job files of a cluster's generator pods: every
 * tenant's requests go to its own Service (plain route: the workload sees its own path, as behind
 * any Service), split into whole-tenant shards, one per pod.
 */
import { encodeJob } from '../../../lab/loadgen/job-file.js';
import type { LoadJob } from '../../../lab/loadgen/protocol.js';
import { shardJob } from '../../../lab/loadgen/shard.js';
import { runTag, serviceUrl, tenantObjectName, type Side } from './names.js';

type Job = Omit<LoadJob, 'type'>;

/** The in-cluster URL of each tenant's Service on `side` (a SpinApp's Service has the SpinApp's name). */
export function tenantServiceUrls(runId: string, namespace: string, side: Side, tenants: { id: string }[]): Record<string, string> {
  const tag = runTag(runId);
  return Object.fromEntries(tenants.map((t) => [t.id, serviceUrl(tenantObjectName(tag, t.id, side), namespace)]));
}

/** `job` with each tenant's requests sent to `urls[tenant]` on the plain route; pinning dropped (a pod has its own CPUs). */
export function clusterJob(job: Job, urls: Record<string, string>): Job {
  const { cpus: _pinned, ...rest } = job;
  return {
    ...rest,
    route: 'plain',
    tenants: job.tenants.map((t) => {
      const u = urls[t.id];
      if (u === undefined) throw new Error(`no Service URL for tenant ${t.id}`);
      return { id: t.id, workload: t.workload, baseUrl: u };
    }),
  };
}

/** The job files of `pods` generator pods. */
export function shardFiles(job: Job, pods: number): Buffer[] {
  return shardJob(job, Math.min(pods, Math.max(1, job.tenants.length))).map((s) => encodeJob(s));
}
