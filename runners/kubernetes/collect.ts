/**
 * The results collector of a cluster's load-generator Job: each generator pod prints its report
 * as the last JSON line of its log (the engine's protocol, lab/loadgen/protocol.ts); the collector
 * reads every pod's log through the API, in completion-index order, and merges the reports into
 * one (lab/loadgen/shard.ts). The kubernetes runner calls it when its Job completes, and
 * `lab collect kubernetes` for a Job applied from `lab export kubernetes`.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { FromLoadgen, LoadProgress, LoadReport } from '../../lab/loadgen/protocol.js';
import { mergeLoadReports, type MergedLoad } from '../../lab/loadgen/shard.js';
import { errorText, type Cluster } from './cluster.js';

const INDEX = 'batch.kubernetes.io/job-completion-index';

/** The pods of a Job, in completion-index order. */
export async function jobPods(cluster: Cluster, namespace: string, job: string): Promise<V1Pod[]> {
  const pods = await cluster.pods(namespace, `batch.kubernetes.io/job-name=${job}`);
  const index = (p: V1Pod): number => Number(p.metadata?.annotations?.[INDEX] ?? p.metadata?.labels?.[INDEX] ?? 0);
  return pods.sort((a, b) => index(a) - index(b));
}

/** The engine's JSON lines in a log: the last progress line, and its final report or failure. */
export function parseEngineLog(log: string): { progress?: LoadProgress; report?: LoadReport; failed?: string } {
  const out: { progress?: LoadProgress; report?: LoadReport; failed?: string } = {};
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let m: FromLoadgen;
    try {
      m = JSON.parse(line) as FromLoadgen;
    } catch {
      continue;
    }
    if (m.type === 'progress') out.progress = m;
    else if (m.type === 'report') out.report = m;
    else if (m.type === 'failed') out.failed = m.message;
  }
  return out;
}

/** A pod's log, or an error naming the pod. */
export async function podLog(cluster: Cluster, namespace: string, pod: string, tailLines?: number): Promise<string> {
  try {
    return await cluster.core.readNamespacedPodLog({ name: pod, namespace, ...(tailLines !== undefined ? { tailLines } : {}) });
  } catch (e) {
    throw new Error(`the log of generator pod ${pod} cannot be read: ${errorText(e)}`);
  }
}

/** Every generator pod's report, merged; a pod without one is an error naming it and what it said. */
export async function collectJob(cluster: Cluster, namespace: string, job: string): Promise<MergedLoad & { pods: string[] }> {
  const pods = await jobPods(cluster, namespace, job);
  if (pods.length === 0) throw new Error(`Job ${job} in ${namespace} has no pods to collect from`);
  const reports: LoadReport[] = [];
  const problems: string[] = [];
  for (const p of pods) {
    const name = p.metadata?.name ?? '?';
    const log = parseEngineLog(await podLog(cluster, namespace, name));
    if (log.report) reports.push(log.report);
    else problems.push(`${name}: ${log.failed ? `the engine failed: ${log.failed}` : `no report in its log (pod ${p.status?.phase ?? '?'})`}`);
  }
  if (problems.length > 0) throw new Error(`load generator Job ${job}: ${problems.join('; ')}`);
  return { ...mergeLoadReports(reports), pods: pods.map((p) => p.metadata?.name ?? '?') };
}
