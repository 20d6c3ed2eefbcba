/**
 * A tenant's objects on a cluster, one side each: a SpinApp (SpinKube, executor
 * `containerd-shim-spin`) for its Wasm component, or a Deployment and a Service for its container
 * image. Both get the scenario's limits (memory and CPU as the pod's limits and requests:
 * Guaranteed QoS, the nearest a cluster comes to the local cgroup limits); the container gets the
 * local container runner's hardening (runners/kit/hardening.ts) as pod and container security
 * contexts.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { TenantLimits } from '../../../lab/scenario/types.js';
import { HARDENING, SANDBOX_GID, SANDBOX_UID } from '../../kit/hardening.js';
import { SpinApp } from '../crd/model/core.spinkube.dev/v1alpha1/SpinApp.js';
import { LABEL, runLabels, tenantObjectName, type RunIdentity, type Side } from './names.js';

/** The SpinKube executor every SpinApp names (installed by the SpinKube runbook, docs/kubernetes.md). */
export const SPIN_EXECUTOR = 'containerd-shim-spin';
/** The port the container side's workload server listens on in its pod. */
export const CONTAINER_PORT = 8080;

/** One tenant's place in the manifests. */
export interface TenantInput {
  id: string;
  workload: string;
  /** Its side's artifact: the component's Spin application reference, or the container image reference. */
  image: string;
}

/** What every tenant object of a run shares. */
export interface TenantObjectsContext {
  run: RunIdentity;
  namespace: string;
  limits: TenantLimits;
  /** Replicas to apply with: 1 (warm), or 0 when the runner scales them up itself. */
  replicas: number;
  /** `tenant` (default): a tenant of the plan; `probe`: the runner's cold-start probe of a workload, never sent traffic by the plan. */
  role?: 'tenant' | 'probe';
}

/** The labels of a tenant's objects on one side. */
export function tenantLabels(run: RunIdentity, t: Pick<TenantInput, 'id' | 'workload'>, side: Side, role: 'tenant' | 'probe' = 'tenant'): Record<string, string> {
  return { ...runLabels(run), [LABEL.tenant]: t.id, [LABEL.workload]: t.workload, [LABEL.side]: side, [LABEL.role]: role };
}

/** The selector a tenant's pods are found by (the labels a Deployment selects and a SpinApp's podLabels carry). */
export function tenantPodSelector(run: RunIdentity, t: Pick<TenantInput, 'id'>, side: Side): Record<string, string> {
  const l = runLabels(run);
  return { [LABEL.runTag]: l[LABEL.runTag]!, [LABEL.tenant]: t.id, [LABEL.side]: side };
}

/** CPU and memory of one instance as Kubernetes quantities; both limits and requests (Guaranteed QoS). */
export function podResources(l: TenantLimits): { limits: Record<string, string>; requests: Record<string, string> } | undefined {
  const q: Record<string, string> = {};
  if (l.memoryMiB > 0) q.memory = `${l.memoryMiB}Mi`;
  // Millicores: `cpus: 0.5` is 500m, the CFS quota the local runner sets.
  if (l.cpus > 0) q.cpu = `${Math.max(1, Math.round(l.cpus * 1000))}m`;
  return Object.keys(q).length > 0 ? { limits: { ...q }, requests: { ...q } } : undefined;
}

/** The local hardened sandbox as a pod's security context. */
export function hardenedPodSecurity(): IPodSecurityContext {
  return { runAsNonRoot: true, runAsUser: SANDBOX_UID, runAsGroup: SANDBOX_GID, seccompProfile: { type: 'RuntimeDefault' } };
}

/** ... and as a container's. */
export function hardenedContainerSecurity(): ISecurityContext {
  return {
    allowPrivilegeEscalation: !HARDENING.noNewPrivileges,
    readOnlyRootFilesystem: HARDENING.readOnlyRootFilesystem,
    capabilities: { drop: [...HARDENING.dropCapabilities] },
    runAsNonRoot: true,
    runAsUser: SANDBOX_UID,
    runAsGroup: SANDBOX_GID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** What the scenario's limits become on a cluster, and what of them a pod spec cannot carry. */
export function limitsOnCluster(l: TenantLimits): { enforced: string[]; notEnforced: string[] } {
  const enforced: string[] = [];
  const notEnforced: string[] = [];
  if (l.memoryMiB > 0) enforced.push(`memory limit ${l.memoryMiB}Mi (limits = requests)`);
  if (l.cpus > 0) enforced.push(`CPU limit ${l.cpus} (limits = requests, CFS quota on the node)`);
  if (l.pids > 0) notEnforced.push(`pids ${l.pids}: a pod spec has no per-pod process limit (the kubelet's --pod-max-pids is node-wide)`);
  if (l.cpuMsPerRequest > 0) notEnforced.push(`cpuMsPerRequest ${l.cpuMsPerRequest}: no per-request CPU deadline in either object (the lab's hosts enforce it, a cluster does not)`);
  return { enforced, notEnforced };
}

/** A tenant's SpinApp. SpinApp v1alpha1 has no security-context field: its pods are the operator's, confined by the Wasm sandbox. */
export function spinApp(ctx: TenantObjectsContext, t: TenantInput): SpinApp {
  const name = tenantObjectName(runLabels(ctx.run)[LABEL.runTag]!, t.id, 'wasm');
  const labels = tenantLabels(ctx.run, t, 'wasm', ctx.role);
  const resources = podResources(ctx.limits);
  return new SpinApp({
    metadata: { name, namespace: ctx.namespace, labels },
    spec: {
      image: t.image,
      executor: SPIN_EXECUTOR,
      replicas: ctx.replicas,
      ...(resources ? { resources } : {}),
      // The operator puts these on the pods it makes, so the lab finds them by the same selector as a Deployment's.
      podLabels: labels,
      deploymentAnnotations: { 'edge-pop-lab/tenant': t.id },
    },
  });
}

/** A tenant's Deployment: its image with the local runner's hardening and the scenario's limits. */
export function deployment(ctx: TenantObjectsContext, t: TenantInput): Deployment {
  const name = tenantObjectName(runLabels(ctx.run)[LABEL.runTag]!, t.id, 'container');
  const labels = tenantLabels(ctx.run, t, 'container', ctx.role);
  const resources = podResources(ctx.limits);
  const container: IContainer = {
    name: 'tenant',
    image: t.image,
    // The workload servers bind the wildcard only inside a pod (KUBERNETES_SERVICE_HOST); see workloads/packaging.
    env: [
      { name: 'HOST', value: '0.0.0.0' },
      { name: 'PORT', value: String(CONTAINER_PORT) },
    ],
    ports: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
    // Ready when the server accepts connections, the local runner's readiness short of the HTTP answer.
    readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
    ...(resources ? { resources } : {}),
    securityContext: hardenedContainerSecurity(),
  };
  return new Deployment({
    metadata: { name, namespace: ctx.namespace, labels },
    spec: {
      replicas: ctx.replicas,
      selector: { matchLabels: tenantPodSelector(ctx.run, t, 'container') },
      // One instance at a time, as the PoP's cold path: a scale-up is one fresh pod.
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: hardenedPodSecurity(),
          terminationGracePeriodSeconds: 5,
          containers: [container],
        },
      },
    },
  });
}

/** The Service in front of a tenant's Deployment (port 80, as a SpinApp's Service). */
export function service(ctx: TenantObjectsContext, t: TenantInput): Service {
  const name = tenantObjectName(runLabels(ctx.run)[LABEL.runTag]!, t.id, 'container');
  return new Service({
    metadata: { name, namespace: ctx.namespace, labels: tenantLabels(ctx.run, t, 'container', ctx.role) },
    spec: {
      type: 'ClusterIP',
      selector: tenantPodSelector(ctx.run, t, 'container'),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
}
