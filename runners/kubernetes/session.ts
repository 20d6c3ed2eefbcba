/**
 * One launch of the kubernetes runner: the tenants applied to the cluster and kept Ready, each
 * workload's cold-start probe object at zero replicas, the in-cluster load generator when the lab
 * hands over the plan, and a PoP endpoint on 127.0.0.1 that serves the lab's control API from
 * what the cluster tells (`/_lab/stats`: the probes' activations and the Ready pods per tenant;
 * `/_lab/memory`: the metrics API; `/_lab/evict`: a tenant's pods deleted). Tenant traffic never
 * passes through this endpoint: it is sent inside the cluster, Service to pod.
 *
 * Everything applied is deleted on `stop` (by the ledger, then by the run's label selector, waiting
 * for the pods to go), on a failed launch, and on Ctrl-C (the lab stops its runtimes); a lab killed
 * outright leaves objects labelled with its host and pid, which the next launch from this host
 * deletes once that pid is gone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { ExitCode, LabError, RuntimeFailure } from '../../lab/errors.js';
import type { LoadJob, LoadProgress, LoadReport } from '../../lab/loadgen/protocol.js';
import type { ActivationRecord, LaunchPlan, MemoryReport, NotMeasured, PopStats, RemoteLoadRun } from '../../lab/pop/contract.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { fixtureRequestBody, loadWorkload } from '../../workloads/registry.js';
import { errorText, statusOf, type Cluster } from './cluster.js';
import { coldStartProbe, podState, type ProbeTarget } from './cold-start.js';
import { collectJob, jobPods, parseEngineLog, podLog } from './collect.js';
import { tenantObjects } from './manifests/build.js';
import { clusterJob, shardFiles, tenantServiceUrls } from './manifests/cluster-job.js';
import { loadGeneratorObjects } from './manifests/load-job.js';
import { LABEL, loadJobName, runSelector, runTag, tenantObjectName, type RunIdentity, type Side } from './manifests/names.js';
import type { TenantObjectsContext } from './manifests/tenant.js';
import { validateObjects } from './manifests/validate.js';
import { clusterMemory } from './memory.js';
import type { KubernetesOptions } from './options.js';

/** The kinds a run creates, for deletion by selector. */
export const RUN_KINDS = [
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
  { apiVersion: 'core.spinkube.dev/v1alpha1', kind: 'SpinApp', plural: 'spinapps' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
];

const SPIN_INSTALL = 'install SpinKube first (spin-operator v0.6.1 CRDs, the containerd-shim-spin executor: docs/kubernetes.md)';

/** The artifacts a launch applies: per workload its image (or Spin app), and the engine's image. */
export interface LaunchArtifacts {
  images: Record<string, string>;
  engineImage: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes what runs of this host whose lab process is gone left on the cluster (a lab killed by SIGKILL). */
async function removeDeadOwners(cluster: Cluster, namespace: string): Promise<void> {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  const pods = await cluster.raw('GET', `/apis/apps/v1/namespaces/${namespace}/deployments?labelSelector=${encodeURIComponent(`${LABEL.managedBy}=edge-pop-lab,${LABEL.ownerHost}=${host}`)}`);
  const tags = new Set<string>();
  const collect = (body: string): void => {
    for (const item of (JSON.parse(body) as { items: { metadata: { labels?: Record<string, string> } }[] }).items) {
      const pid = Number(item.metadata.labels?.[LABEL.ownerPid]);
      const tag = item.metadata.labels?.[LABEL.runTag];
      if (tag && Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) tags.add(tag);
    }
  };
  if (pods.status === 200) collect(pods.body);
  const spin = await cluster.raw('GET', `/apis/core.spinkube.dev/v1alpha1/namespaces/${namespace}/spinapps?labelSelector=${encodeURIComponent(`${LABEL.managedBy}=edge-pop-lab,${LABEL.ownerHost}=${host}`)}`);
  if (spin.status === 200) collect(spin.body);
  for (const tag of tags) await cluster.deleteAll(namespace, `${LABEL.managedBy}=edge-pop-lab,${LABEL.runTag}=${tag}`, RUN_KINDS, 30_000);
}

export class KubernetesSession {
  private server: Server | undefined;
  private readonly activations: ActivationRecord[] = [];
  private readonly counters: PopStats['counters'] = { requests: 0, cold: 0, warm: 0, spare: 0, errors: 0, evictions: 0, evictionsBy: {} };
  private readyByTenant: Record<string, number> = {};
  private poller: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;
  readonly run: RunIdentity;
  readonly selector: string;
  readonly notMeasured: NotMeasured[] = [];
  private probes: ProbeTarget[] = [];

  constructor(
    readonly cluster: Cluster,
    readonly plan: LaunchPlan<KubernetesOptions>,
    readonly artifacts: LaunchArtifacts,
  ) {
    this.run = { runId: plan.runId, scenario: 'lab', owner: { host: hostname(), pid: process.pid } };
    this.selector = runSelector(plan.runId);
  }

  get o(): KubernetesOptions {
    return this.plan.options;
  }
  get side(): Side {
    return this.o.side;
  }
  get namespace(): string {
    return this.o.namespace;
  }

  /** Checks what the side needs, applies tenants and probes, waits for the tenants to be Ready. Deletes everything if any of it fails. */
  async start(): Promise<void> {
    const ns = this.namespace;
    await this.cluster.checkNamespace(ns);
    if (this.side === 'wasm') {
      await this.cluster.checkCrd('spinapps.core.spinkube.dev', 'v1alpha1', SPIN_INSTALL);
      await this.cluster.checkCustomObject('core.spinkube.dev', 'v1alpha1', 'spinappexecutors', ns, 'containerd-shim-spin', SPIN_INSTALL);
    }
    if (!(await this.cluster.serves('metrics.k8s.io/v1beta1'))) {
      this.notMeasured.push({ figure: 'memory', why: `the cluster ${this.cluster.server} serves no metrics API (metrics.k8s.io): install metrics-server for memory per instance` });
    } else {
      this.notMeasured.push({ figure: 'memory.uss', why: 'a cluster exposes no per-process smaps: memory per instance is each pod\'s working set (metrics.k8s.io), reported in the USS and PSS places' });
    }
    this.notMeasured.push({
      figure: 'coldStart.rate',
      why: 'tenants stay at one replica (no request-driven autoscaler): the plan\'s requests are never cold; cold starts are measured by scaling each workload\'s probe object from zero during the measured window',
    });
    await removeDeadOwners(this.cluster, ns).catch(() => {});
    try {
      const limits = this.plan.limits ?? DEFAULT_TENANT_LIMITS;
      const ctx: TenantObjectsContext = { run: this.run, namespace: ns, limits, replicas: 1 };
      const objects = this.plan.tenants.flatMap((t) => tenantObjects(ctx, { ...t, image: this.image(t.workload) }, this.side));
      const workloads = [...new Set(this.plan.tenants.map((t) => t.workload))];
      const probeCtx: TenantObjectsContext = { ...ctx, replicas: 0, role: 'probe' };
      const probeObjects = this.o.coldStarts > 0 ? workloads.flatMap((w) => tenantObjects(probeCtx, { id: `probe-${w}`, workload: w, image: this.image(w) }, this.side)) : [];
      validateObjects([...objects, ...probeObjects]);
      for (const o of [...objects, ...probeObjects]) await this.cluster.create(o.object as never, `tenant ${o.tenant}`);
      this.probes = this.o.coldStarts > 0 ? workloads.map((w) => this.probeTarget(w)) : [];
      await this.waitReady();
      await this.serve();
      this.poller = setInterval(() => void this.refreshReady().catch(() => {}), 2000);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private image(workload: string): string {
    const ref = this.artifacts.images[workload];
    if (ref === undefined) throw new RuntimeFailure(`kubernetes runner: no ${this.side} artifact for workload ${workload}`);
    return ref;
  }

  private probeTarget(workload: string): ProbeTarget {
    const tenant = `probe-${workload}`;
    const name = tenantObjectName(runTag(this.run.runId), tenant, this.side);
    const f = loadWorkload(workload).trafficFixtures[0]!;
    return {
      tenant,
      workload,
      object: this.side === 'wasm' ? { apiVersion: 'core.spinkube.dev/v1alpha1', kind: 'SpinApp', name, namespace: this.namespace } : { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: this.namespace },
      selector: `${LABEL.runTag}=${runTag(this.run.runId)},${LABEL.tenant}=${tenant},${LABEL.side}=${this.side}`,
      service: name,
      request: { method: f.request.method, path: f.request.path, headers: f.request.headers ?? {}, body: fixtureRequestBody(f), expectStatus: f.expect.status },
    };
  }

  /** Ready pods per tenant of the plan. */
  private async refreshReady(): Promise<Record<string, number>> {
    const pods = await this.cluster.pods(this.namespace, `${this.selector},${LABEL.role}=tenant`);
    const ready: Record<string, number> = {};
    for (const p of pods) {
      const t = p.metadata?.labels?.[LABEL.tenant];
      if (t && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready[t] = (ready[t] ?? 0) + 1;
    }
    this.readyByTenant = ready;
    return ready;
  }

  /** Every tenant of the plan has a Ready pod, or an error naming those that have none and why. */
  private async waitReady(): Promise<void> {
    const end = Date.now() + this.o.readyTimeoutSeconds * 1000;
    for (;;) {
      const ready = await this.refreshReady();
      const missing = this.plan.tenants.filter((t) => !ready[t.id]);
      if (missing.length === 0) return;
      if (Date.now() > end) {
        const pods = await this.cluster.pods(this.namespace, `${this.selector},${LABEL.role}=tenant`).catch(() => []);
        const why = missing.slice(0, 8).map((t) => {
          const p = pods.find((x) => x.metadata?.labels?.[LABEL.tenant] === t.id);
          return `tenant ${t.id}: ${p ? podState(p) : 'no pod'}`;
        });
        throw new RuntimeFailure(`kubernetes runner: ${missing.length} of ${this.plan.tenants.length} tenants not Ready within ${this.o.readyTimeoutSeconds} s on ${this.cluster.server}: ${why.join('; ')}`);
      }
      await sleep(500);
    }
  }

  /** The PoP control endpoint on 127.0.0.1. */
  private async serve(): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (url.pathname === '/_lab/health') return json(200, { ok: true });
        if (url.pathname === '/_lab/stats') return json(200, this.stats(url.searchParams.get('drain') === '1'));
        if (url.pathname === '/_lab/memory') {
          this.memory().then(
            (m) => json(200, m),
            (e: Error) => json(502, { error: e.message }),
          );
          return;
        }
        if (url.pathname === '/_lab/evict' && req.method === 'POST') {
          let tenant: string | undefined;
          try {
            tenant = (JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { tenant?: string }).tenant;
          } catch {
            return json(400, { error: 'body must be JSON { tenant?: string }' });
          }
          this.evict(tenant).then(
            (n) => json(200, { evicted: n }),
            (e: Error) => json(502, { error: e.message }),
          );
          return;
        }
        const tenant = /^\/t\/([^/]+)/.exec(url.pathname)?.[1] ?? '?';
        res.writeHead(501, { 'x-lab-error': 'not-routed', 'content-type': 'text/plain' }).end(`tenant ${tenant}: the kubernetes runner sends tenant traffic from inside the cluster (its load-generator Job); this endpoint serves /_lab/* only\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private stats(drain: boolean): PopStats {
    const activations = [...this.activations];
    if (drain) this.activations.length = 0;
    return { runtime: 'kubernetes', instances: { ...this.readyByTenant }, spares: {}, counters: { ...this.counters, evictionsBy: { ...this.counters.evictionsBy } }, activations };
  }

  private memory(): Promise<MemoryReport> {
    return clusterMemory(this.cluster, this.namespace, `${this.selector},${LABEL.role}=tenant`);
  }

  /** A tenant's pods (or every tenant's) deleted: their controller makes fresh ones. */
  private async evict(tenant: string | undefined): Promise<number> {
    const pods = await this.cluster.pods(this.namespace, `${this.selector},${LABEL.role}=tenant${tenant ? `,${LABEL.tenant}=${tenant}` : ''}`);
    for (const p of pods) await this.cluster.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: this.namespace, gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (statusOf(e) !== 404) throw e;
    });
    this.counters.evictions += pods.length;
    this.counters.evictionsBy.command = (this.counters.evictionsBy.command ?? 0) + pods.length;
    return pods.length;
  }

  /** Runs the cold-start probes one after another, each workload in turn, until `done` or each has `coldStarts`. */
  private async probeLoop(shouldStop: () => boolean): Promise<void> {
    for (let round = 0; round < this.o.coldStarts; round++) {
      for (const t of this.probes) {
        if (shouldStop()) return;
        const r = await coldStartProbe(this.cluster, t, { readyTimeoutMs: this.o.readyTimeoutSeconds * 1000, firstResponseTimeoutMs: this.o.firstResponseTimeoutSeconds * 1000 });
        this.activations.push(r);
        this.counters.requests++;
        if (r.ok) this.counters.cold++;
        else this.counters.errors++;
        this.counters.evictions++;
        this.counters.evictionsBy.forced = (this.counters.evictionsBy.forced ?? 0) + 1;
      }
    }
  }

  /** The plan sent by the generator Job inside the cluster; cold-start probes during its measured window. */
  remoteLoad(job: Omit<LoadJob, 'type'>, onProgress: (p: LoadProgress) => void): RemoteLoadRun {
    let stopRequested = false;
    const name = loadJobName(runTag(this.run.runId), this.side);
    const done = (async (): Promise<LoadReport> => {
      const urls = tenantServiceUrls(this.run.runId, this.namespace, this.side, job.tenants);
      const shards = shardFiles(clusterJob(job, urls), this.o.generators);
      const slack = Math.ceil(this.o.readyTimeoutSeconds) + 120;
      const { shards: maps, job: jobObject } = loadGeneratorObjects({ run: this.run, namespace: this.namespace, side: this.side, engineImage: this.artifacts.engineImage, shards, spanMs: job.spanMs, slackSeconds: slack });
      validateObjects([...maps, jobObject].map((object) => ({ object })));
      for (const m of maps) await this.cluster.create(m as never, 'load generator');
      await this.cluster.create(jobObject as never, 'load generator');
      const started = performance.now();
      const deadline = started + (job.spanMs / 1000 + slack) * 1000;
      let probing: Promise<void> | undefined;
      let probesOver = false;
      for (;;) {
        if (stopRequested) throw new LabError('kubernetes runner: the in-cluster load was stopped before its generators reported (their pods are deleted with the run)', ExitCode.interrupted);
        const j = await this.cluster.raw('GET', `/apis/batch/v1/namespaces/${this.namespace}/jobs/${name}`);
        if (j.status !== 200) throw new RuntimeFailure(`kubernetes runner: load generator Job ${name} cannot be read: HTTP ${j.status}`);
        const status = (JSON.parse(j.body) as { status?: { conditions?: { type: string; status: string; message?: string }[]; active?: number } }).status ?? {};
        const cond = (t: string) => status.conditions?.find((c) => c.type === t && c.status === 'True');
        const pods = await jobPods(this.cluster, this.namespace, name).catch(() => []);
        const running = pods.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded').length;
        if (!probing && this.probes.length > 0 && running > 0) {
          // The measured window opens warmupMs after the generators start: the probes begin there.
          probing = sleep(job.warmupMs).then(() => this.probeLoop(() => probesOver || stopRequested));
        }
        if (cond('Complete')) break;
        const failed = cond('Failed');
        if (failed) {
          const tails = await Promise.all(pods.map(async (p) => `${podState(p)}: ${(await podLog(this.cluster, this.namespace, p.metadata!.name!, 3).catch((e: Error) => e.message)).trim().slice(-300)}`));
          throw new RuntimeFailure(`kubernetes runner: load generator Job ${name} failed (${failed.message ?? 'no message'}): ${tails.join(' | ')}`);
        }
        if (performance.now() > deadline) throw new RuntimeFailure(`kubernetes runner: load generator Job ${name} not complete within ${Math.round((deadline - started) / 1000)} s (${pods.map(podState).join('; ') || 'no pods'})`);
        await this.progress(pods.map((p) => p.metadata?.name ?? ''), job.spanMs, started, onProgress).catch(() => {});
        await sleep(1000);
      }
      probesOver = true;
      await probing;
      const { report } = await collectJob(this.cluster, this.namespace, name).catch((e: Error) => {
        throw new RuntimeFailure(`kubernetes runner: ${e.message}`);
      });
      return report;
    })();
    return { done, stop: () => void (stopRequested = true) };
  }

  /** The generators' last progress lines, summed. */
  private async progress(pods: string[], spanMs: number, started: number, onProgress: (p: LoadProgress) => void): Promise<void> {
    const p: LoadProgress = { type: 'progress', elapsedMs: performance.now() - started, spanMs, sent: 0, completed: 0, errors: 0, cold: 0 };
    for (const name of pods.filter(Boolean)) {
      const last = parseEngineLog(await podLog(this.cluster, this.namespace, name, 2)).progress;
      if (!last) continue;
      p.sent += last.sent;
      p.completed += last.completed;
      p.errors += last.errors;
    }
    onProgress(p);
  }

  /**
   * Deletes everything of the run and closes the endpoint; idempotent, never throws (a handle's
   * stop must not cost the measured result): what could not be deleted is said on stderr, and
   * the run's survival check (`conformance.leftovers`) finds and names it in the result.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.poller) clearInterval(this.poller);
      if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
      const failed = await this.cluster.deleteAll(this.namespace, this.selector, RUN_KINDS).catch((e: unknown) => [errorText(e)]);
      if (failed.length > 0) process.stderr.write(`kubernetes runner: objects of run ${this.run.runId} could not be deleted from ${this.cluster.server}: ${failed.join('; ')}\n`);
    })();
    return this.stopped;
  }
}
