/**
 * A cluster, as the kubernetes runner drives it through a kubeconfig with @kubernetes/client-node:
 * connect (the kubeconfig read, its server reached), check what a run needs (its namespace, the
 * SpinApp CRD and executor), create objects keeping a ledger so every one is deleted again, scale,
 * list pods, read logs and metrics. Every failure the user can fix names what failed: the
 * kubeconfig file, the server, the CRD, the namespace.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, VersionApi, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { EnvironmentError, RuntimeFailure } from '../../lab/errors.js';

/** The status code of a client-node failure, when the server answered. */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** A failure in one line: the server's message when it gave one. */
export function errorText(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const j = JSON.parse(body) as { message?: string };
      if (j.message) return `HTTP ${statusOf(e)}: ${j.message}`;
    } catch {
      // not JSON
    }
  }
  const cause = (e as { cause?: unknown }).cause;
  const msg = (e as Error).message ?? String(e);
  return cause ? `${msg} (${String((cause as Error).message ?? cause)})` : msg;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: () => Error): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(what()), ms)))]).finally(() => clearTimeout(t));
}

/** The kubeconfig file the runner reads: the option, else $KUBECONFIG's first file, else ~/.kube/config. */
export function kubeconfigPath(option: string | undefined): string {
  return option ?? process.env.KUBECONFIG?.split(':').find((p) => p !== '') ?? join(homedir(), '.kube', 'config');
}

/** A created object, as the ledger keeps it for deletion. */
interface Applied {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

/** A connected cluster. */
export class Cluster {
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** Everything created through `create`, in order: `deleteAll` removes it newest first. */
  private readonly ledger: Applied[] = [];

  private constructor(
    readonly kc: KubeConfig,
    readonly file: string,
    readonly server: string,
    readonly version: string,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** Reads the kubeconfig and reaches its server (GET /version); fails naming the file or the server. */
  static async connect(o: { kubeconfig?: string; context?: string; timeoutMs?: number }): Promise<Cluster> {
    const file = kubeconfigPath(o.kubeconfig);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new EnvironmentError(`kubernetes runner: cannot read the kubeconfig ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give options.kubeconfig (lab collect: --kubeconfig) or set KUBECONFIG`);
    }
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
    } catch (e) {
      throw new EnvironmentError(`kubernetes runner: the kubeconfig ${file} is not valid: ${(e as Error).message}`);
    }
    if (o.context !== undefined) {
      if (!kc.getContexts().some((c) => c.name === o.context)) throw new EnvironmentError(`kubernetes runner: the kubeconfig ${file} has no context ${o.context} (it has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
      kc.setCurrentContext(o.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new EnvironmentError(`kubernetes runner: the kubeconfig ${file} names no cluster for its current context ${kc.getCurrentContext() || '(none)'}`);
    const where = `the API server ${cluster.server} (kubeconfig ${file}, context ${kc.getCurrentContext()})`;
    let version: string;
    try {
      const v = await withTimeout(kc.makeApiClient(VersionApi).getCode(), o.timeoutMs ?? 10_000, () => new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`));
      version = v.gitVersion;
    } catch (e) {
      throw new EnvironmentError(`kubernetes runner: ${where} cannot be reached: ${errorText(e)}`);
    }
    return new Cluster(kc, file, cluster.server, version);
  }

  /** The namespace exists, or an error naming it. */
  async checkNamespace(ns: string): Promise<void> {
    try {
      await this.core.readNamespace({ name: ns });
    } catch (e) {
      if (statusOf(e) === 404) throw new EnvironmentError(`kubernetes runner: namespace ${ns} does not exist on ${this.server}; create it (kubectl apply -f namespace.yaml from lab export kubernetes, docs/kubernetes.md)`);
      throw new EnvironmentError(`kubernetes runner: namespace ${ns} on ${this.server} cannot be read: ${errorText(e)}`);
    }
  }

  /** The CRD `name` is installed and serves `version`, or an error naming it. */
  async checkCrd(name: string, version: string, install: string): Promise<void> {
    try {
      const crd = await this.kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
      if (!crd.spec.versions.some((v) => v.name === version && v.served)) throw new EnvironmentError(`kubernetes runner: the CRD ${name} on ${this.server} does not serve ${version} (it serves ${crd.spec.versions.filter((v) => v.served).map((v) => v.name).join(', ')})`);
    } catch (e) {
      if (e instanceof EnvironmentError) throw e;
      if (statusOf(e) === 404) throw new EnvironmentError(`kubernetes runner: the CRD ${name} is not installed on ${this.server}; ${install}`);
      throw new EnvironmentError(`kubernetes runner: the CRD ${name} on ${this.server} cannot be read: ${errorText(e)}`);
    }
  }

  /** A namespaced custom object exists (a SpinAppExecutor), or an error naming it. */
  async checkCustomObject(group: string, version: string, plural: string, namespace: string, name: string, install: string): Promise<void> {
    try {
      await this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name });
    } catch (e) {
      if (statusOf(e) === 404) throw new EnvironmentError(`kubernetes runner: no ${plural}.${group} ${name} in namespace ${namespace} on ${this.server}; ${install}`);
      throw new EnvironmentError(`kubernetes runner: ${plural}.${group} ${name} in ${namespace} cannot be read: ${errorText(e)}`);
    }
  }

  /** Whether the API group/version is served (metrics.k8s.io/v1beta1 ...). */
  async serves(groupVersion: string): Promise<boolean> {
    const r = await this.raw('GET', `/apis/${groupVersion}`, undefined, 10_000).catch(() => undefined);
    return r?.status === 200;
  }

  /** Creates `obj` and records it for `deleteAll`. */
  async create(obj: KubernetesObject & { toJSON?(): unknown }, what: string): Promise<void> {
    const spec = (typeof obj.toJSON === 'function' ? obj.toJSON() : obj) as KubernetesObject;
    try {
      await this.objects.create(spec, undefined, undefined, 'edge-pop-lab');
    } catch (e) {
      throw new RuntimeFailure(`kubernetes runner: ${what}: ${spec.kind} ${spec.metadata?.name} was refused by ${this.server}: ${errorText(e)}`);
    }
    this.ledger.push({ apiVersion: spec.apiVersion!, kind: spec.kind!, name: spec.metadata!.name!, namespace: spec.metadata!.namespace! });
  }

  /** Sets `spec.replicas` of a Deployment or SpinApp (a merge patch: both keep it in the same place). */
  async scale(obj: { apiVersion: string; kind: string; name: string; namespace: string }, replicas: number): Promise<void> {
    try {
      await this.objects.patch({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.name, namespace: obj.namespace }, spec: { replicas } } as KubernetesObject, undefined, undefined, 'edge-pop-lab', undefined, PatchStrategy.MergePatch);
    } catch (e) {
      throw new RuntimeFailure(`kubernetes runner: scaling ${obj.kind} ${obj.name} to ${replicas} failed: ${errorText(e)}`);
    }
  }

  /** Pods matching a label selector. */
  async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  /**
   * Deletes everything the ledger holds, newest first, and then whatever else carries `selector`
   * in the namespace (a controller's pods, objects a killed run left), and waits until no pod of
   * the selector is left (bounded). Never throws: what could not be deleted is returned, named.
   */
  async deleteAll(namespace: string, selector: string, kinds: { apiVersion: string; kind: string; plural: string }[], waitMs = 60_000): Promise<string[]> {
    const failed: string[] = [];
    const gone = (e: unknown): boolean => statusOf(e) === 404;
    for (const a of [...this.ledger].reverse()) {
      try {
        await this.objects.delete({ apiVersion: a.apiVersion, kind: a.kind, metadata: { name: a.name, namespace: a.namespace } }, undefined, undefined, 0, undefined, 'Background');
      } catch (e) {
        if (!gone(e)) failed.push(`${a.kind} ${a.name}: ${errorText(e)}`);
      }
    }
    this.ledger.length = 0;
    for (const k of kinds) {
      const [group, version] = k.apiVersion.includes('/') ? k.apiVersion.split('/') : ['', k.apiVersion];
      const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const r = await this.raw('DELETE', `${base}/namespaces/${namespace}/${k.plural}?labelSelector=${encodeURIComponent(selector)}&propagationPolicy=Background&gracePeriodSeconds=0`, undefined, 30_000).catch((e: Error) => ({ status: 0, body: e.message }));
      // 404: the kind is not served here (no SpinApp CRD on a cluster the container side runs on).
      if (r.status !== 200 && r.status !== 404) failed.push(`${k.kind} (${selector}): HTTP ${r.status} ${r.body.slice(0, 200)}`);
    }
    const end = Date.now() + waitMs;
    for (;;) {
      let left: string[];
      try {
        left = (await this.pods(namespace, selector)).map((p) => p.metadata?.name ?? '?');
      } catch (e) {
        failed.push(`pods (${selector}): cannot be listed: ${errorText(e)}`);
        break;
      }
      if (left.length === 0) break;
      if (Date.now() > end) {
        failed.push(`pods still terminating after ${waitMs} ms: ${left.join(', ')}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return failed;
  }

  /** Objects of `kinds` carrying `selector` (what a run left behind), named. */
  async leftovers(namespace: string, selector: string, kinds: { apiVersion: string; kind: string; plural: string }[]): Promise<string[]> {
    const out: string[] = [];
    for (const k of [...kinds, { apiVersion: 'v1', kind: 'Pod', plural: 'pods' }]) {
      const [group, version] = k.apiVersion.includes('/') ? k.apiVersion.split('/') : ['', k.apiVersion];
      const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const r = await this.raw('GET', `${base}/namespaces/${namespace}/${k.plural}?labelSelector=${encodeURIComponent(selector)}`, undefined, 30_000);
      if (r.status === 404) continue;
      if (r.status !== 200) throw new Error(`listing ${k.plural}: HTTP ${r.status}`);
      for (const item of (JSON.parse(r.body) as { items: { metadata: { name: string } }[] }).items) out.push(`${k.kind} ${namespace}/${item.metadata.name}`);
    }
    return out;
  }

  /**
   * One request to the API server with the kubeconfig's credentials, answered whatever its status
   * (the service proxy's 503 while a pod starts is an answer, not an error).
   */
  async raw(method: string, path: string, body?: Buffer | string, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    const url = new URL(path, this.server);
    const opts: RequestOptions = { method, headers: { accept: 'application/json', ...headers } };
    await this.kc.applyToHTTPSOptions(opts);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}
