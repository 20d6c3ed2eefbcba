/**
 * Memory per instance on a cluster: each tenant pod's working set from the metrics API
 * (metrics.k8s.io, served by metrics-server: the container cgroups' usage less inactive file
 * pages, sampled by the kubelet every ~15 s). A cluster exposes no per-process smaps to the lab,
 * so there is no USS or PSS here: the report carries the working set in their place and says so
 * in its method, and the runner names `memory.uss` as not measured.
 */
import type { MemoryReport } from '../../lab/pop/contract.js';
import type { Cluster } from './cluster.js';
import { LABEL } from './manifests/names.js';

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A memory quantity (`123456Ki`, `64Mi`, `1.5G`, `1e6`) in bytes. */
export function quantityBytes(q: string): number {
  const m = /^([0-9.]+(?:e[0-9]+)?)([A-Za-z]*)$/.exec(q.trim());
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new Error(`not a memory quantity: ${q}`);
  return Math.round(Number(m[1]) * unit);
}

export const WORKING_SET_METHOD =
  "working set of each tenant pod from the cluster's metrics API (metrics.k8s.io: cgroup memory usage less inactive file, sampled every ~15 s), in place of USS and PSS, which a cluster does not expose; node overhead (kubelet, containerd, shims) is not measured";

/** The memory report of the tenant pods of `selector`. */
export async function clusterMemory(cluster: Cluster, namespace: string, selector: string): Promise<MemoryReport> {
  const r = await cluster.raw('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
  if (r.status !== 200) throw new Error(`metrics.k8s.io answered HTTP ${r.status}: ${r.body.slice(0, 200)}`);
  const items = (JSON.parse(r.body) as { items: { metadata: { name: string; labels?: Record<string, string> }; containers: { usage: { memory?: string } }[] }[] }).items;
  const instances = items.map((p) => {
    const bytes = p.containers.reduce((a, c) => a + (c.usage.memory ? quantityBytes(c.usage.memory) : 0), 0);
    return { tenant: p.metadata.labels?.[LABEL.tenant] ?? '?', instance: p.metadata.name, ussBytes: bytes, pssBytes: bytes, rssBytes: bytes };
  });
  const mean = instances.length > 0 ? instances.reduce((a, i) => a + i.ussBytes, 0) / instances.length : 0;
  return { runtime: 'kubernetes', method: WORKING_SET_METHOD, instances, perInstanceUssBytes: mean, perInstancePssBytes: mean, fixedOverheadBytes: 0, extra: { workingSetBytesPerInstance: mean, pods: instances.length } };
}
