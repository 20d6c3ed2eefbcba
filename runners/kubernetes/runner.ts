/**
 * The `kubernetes` runner: one side of the comparison (`side: wasm`, a SpinApp per tenant on
 * SpinKube; `side: container`, a Deployment + Service per tenant) on a real cluster, driven through
 * a kubeconfig. Artifacts come from the registry `lab publish` pushed them to (prepare checks they
 * are there and records their digests); the plan is sent from inside the cluster by the lab's own
 * engine in a generator Job, its pods' HDR histograms merged into one result; cold starts are
 * scale-from-zero probes measured from the pod's conditions and the first answer through the
 * service proxy; memory comes from the metrics API when the cluster has one. What a cluster cannot
 * give is named in the result (docs/kubernetes.md).
 */
import { sha256File } from '../../lab/digest.js';
import { loadEngine } from '../../lab/loadgen/client.js';
import type { LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { loadWorkload } from '../../workloads/registry.js';
import { HARDENING, SANDBOX_GID, SANDBOX_UID } from '../kit/hardening.js';
import { RegistryClient } from '../kit/oci/distribution.js';
import { Cluster } from './cluster.js';
import { componentRef, containerImageRef, engineImageRef, splitImageRef } from './manifests/refs.js';
import { runSelector } from './manifests/names.js';
import { limitsOnCluster } from './manifests/tenant.js';
import { parseKubernetesOptions, type KubernetesOptions } from './options.js';
import { KubernetesSession, RUN_KINDS, type LaunchArtifacts } from './session.js';

/** The packagings a cluster runs (the same as `lab export kubernetes` and `lab publish`). */
const PACKAGING = { wasm: 'wasm-component', container: 'oci-image-scratch' } as const;

/** The references of a launch's artifacts. */
async function artifactRefs(workloads: string[], o: KubernetesOptions): Promise<LaunchArtifacts> {
  const images: Record<string, string> = {};
  for (const w of new Set(workloads)) {
    const src = loadWorkload(w).sourceDigest;
    images[w] = o.side === 'wasm' ? componentRef(o.registry, w, PACKAGING.wasm, src) : containerImageRef(o.registry, w, PACKAGING.container, src);
  }
  return { images, engineImage: engineImageRef(o.registry, sha256File(await loadEngine())) };
}

/** The sessions this process launched, by run id: where to look for leftovers after a run. */
const launched = new Map<string, { cluster: Cluster; namespace: string }[]>();

/** What confines each instance on this side, as the applied objects say. */
function isolationOf(o: KubernetesOptions, plan: LaunchPlan<KubernetesOptions>): string[] {
  const { enforced, notEnforced } = limitsOnCluster(plan.limits ?? DEFAULT_TENANT_LIMITS);
  const side =
    o.side === 'wasm'
      ? ['SpinApp on containerd-shim-spin: the Wasm sandbox (Wasmtime) per pod; SpinApp v1alpha1 has no security-context field (the operator makes the pods)']
      : [`pod user ${SANDBOX_UID}:${SANDBOX_GID}, runAsNonRoot`, `capabilities: ${HARDENING.dropCapabilities.join(',')} dropped`, 'allowPrivilegeEscalation: false (no-new-privileges)', 'read-only root filesystem', 'seccomp: RuntimeDefault', 'the cluster network: pod-to-pod reachable unless a NetworkPolicy says otherwise (none applied)'];
  return [...side, ...enforced, ...notEnforced.map((n) => `not enforced: ${n}`)];
}

export const kubernetesRunner: Runner<KubernetesOptions> = {
  name: 'kubernetes',

  parseOptions: parseKubernetesOptions,

  conformance: {
    // Every behaviour launches the runner, and a launch needs a cluster: here there is none (no
    // kubeconfig; Kubernetes' own images cannot be pulled to make one). The suite runs each and
    // demands that it fails; runner.test.ts checks that it fails for the reason given here.
    cannot: {
      identity: 'the suite launches it with its defaults, and it has none (a side and a registry must be given); with them a launch needs a reachable cluster (a kubeconfig), and tenant traffic runs inside the cluster, not through the PoP endpoint',
      ...Object.fromEntries(
        (['cold-then-warm', 'forced-cold', 'evict-on-command', 'keep-alive-expiry', 'instance-cap-queueing', 'memory-budget-lru', 'stop-leaves-nothing'] as const).map((b) => [b, 'a launch needs a reachable cluster (a kubeconfig): this machine has none; npm run test:kubernetes checks the control path on a real API server with fake nodes']),
      ),
      'crash-answered': 'a misbehaving tenant would have to be an image in a registry the cluster pulls from, run on a cluster: neither is here',
      'hang-answered': 'a misbehaving tenant would have to be an image in a registry the cluster pulls from, run on a cluster: neither is here',
      'escape-probes': 'the hostile tenants would run on the cluster\'s nodes, not on this machine, and the suite judges probes from evidence on this machine',
    },
    options: { side: 'container', registry: '127.0.0.1:5000', checkRegistry: false, coldStarts: 0, readyTimeoutSeconds: 30 },
    async leftovers(runId) {
      const out: string[] = [];
      for (const { cluster, namespace } of launched.get(runId) ?? []) out.push(...(await cluster.leftovers(namespace, runSelector(runId), RUN_KINDS).catch((e: Error) => [`cannot list ${namespace} on ${cluster.server}: ${e.message}`])));
      return out;
    },
  },

  async prepare(workloads: string[], o: KubernetesOptions): Promise<PreparedRuntime> {
    const refs = await artifactRefs(workloads, o);
    const client = new RegistryClient(o.registry.split('/')[0]!, o.insecureRegistry ? { insecure: true } : {});
    const artifacts = [];
    for (const [w, ref] of Object.entries(refs.images)) {
      const info = { workload: w, packaging: o.side === 'wasm' ? 'spin-app' : PACKAGING.container, sourceDigest: loadWorkload(w).sourceDigest, path: ref };
      if (!o.checkRegistry) {
        artifacts.push({ ...info, digest: 'unknown (options.checkRegistry: false)', sizeBytes: 0 });
        continue;
      }
      const { repository, tag } = splitImageRef(ref);
      const m = await client.getManifest(repository, tag).catch((e: Error) => {
        throw new Error(`${e.message}; publish it first: lab publish --registry ${o.registry}`);
      });
      const manifest = JSON.parse(m.bytes.toString('utf8')) as { layers?: { size: number }[] };
      artifacts.push({ ...info, digest: m.digest, sizeBytes: (manifest.layers ?? []).reduce((a, l) => a + l.size, 0) });
    }
    return { artifacts, versions: { side: o.side, registry: o.registry, namespace: o.namespace, engineImage: refs.engineImage, spinApiVersion: 'core.spinkube.dev/v1alpha1 (spin-operator v0.6.1 CRD)' } };
  },

  async launch(plan: LaunchPlan<KubernetesOptions>): Promise<PopHandle> {
    const o = plan.options;
    const cluster = await Cluster.connect({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) });
    const session = new KubernetesSession(cluster, plan, await artifactRefs(plan.tenants.map((t) => t.workload), o));
    launched.set(plan.runId, [...(launched.get(plan.runId) ?? []), { cluster, namespace: o.namespace }]);
    await session.start();
    return {
      url: session.url,
      isolation: [`Kubernetes ${cluster.version} at ${cluster.server}`, ...isolationOf(o, plan)],
      notMeasured: session.notMeasured,
      remoteLoad: (job, onProgress) => session.remoteLoad(job, onProgress),
      stop: () => session.stop(),
    };
  },
};
