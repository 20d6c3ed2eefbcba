/**
 * The whole set of manifests of a scenario's live slice on a cluster, as files: the namespace,
 * the RBAC the lab needs there, every tenant's objects per side, and each side's load generator.
 * Every object is validated before anything is returned (validate.ts).
 */
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { stringify } from 'yaml';
import type { TenantLimits } from '../../../lab/scenario/types.js';
import { loadGeneratorObjects } from './load-job.js';
import { LABEL, MANAGED_BY, type RunIdentity, type Side } from './names.js';
import { deployment, service, spinApp, type TenantObjectsContext } from './tenant.js';
import { validateObjects, type OwnedObject } from './validate.js';

/** The name of the Role and ClusterRole the lab's user is bound to (docs/kubernetes.md). */
export const LAB_ROLE = 'edge-pop-lab';

export interface ManifestsInput {
  run: RunIdentity;
  namespace: string;
  limits: TenantLimits;
  sides: Side[];
  tenants: { id: string; workload: string }[];
  /** Artifact reference per side and workload. */
  images: Partial<Record<Side, Record<string, string>>>;
  /** Replicas the tenants are applied with. */
  replicas: number;
  /** Each side's load generator; absent: none written. */
  load?: { engineImage: string; shards: Partial<Record<Side, Buffer[]>>; spanMs: number; slackSeconds: number };
}

/** One file of the manifests: its path under the output folder and its objects. */
export interface ManifestFile {
  path: string;
  objects: OwnedObject[];
}

/** The namespace, with the Pod Security Standards it is held to. */
export function namespaceObject(name: string): Namespace {
  return new Namespace({
    metadata: {
      name,
      labels: {
        [LABEL.managedBy]: MANAGED_BY,
        // The container side meets `restricted`; SpinKube's operator-made pods set no security
        // context, so `baseline` is what can be enforced for both, and `restricted` is warned on.
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
      },
    },
  });
}

/** What the lab does in its namespace (apply, scale, watch, read logs and metrics, delete), as a Role. */
export function labRole(namespace: string): Role {
  const rw = ['get', 'list', 'watch', 'create', 'delete', 'deletecollection', 'patch', 'update'];
  return new Role({
    metadata: { name: LAB_ROLE, namespace, labels: { [LABEL.managedBy]: MANAGED_BY } },
    rules: [
      { apiGroups: ['core.spinkube.dev'], resources: ['spinapps'], verbs: rw },
      { apiGroups: ['core.spinkube.dev'], resources: ['spinappexecutors'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: rw },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch', 'update'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: rw },
      { apiGroups: [''], resources: ['services', 'configmaps'], verbs: rw },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete', 'deletecollection'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      // The cold-start probe's first response goes through the API server's service proxy.
      { apiGroups: [''], resources: ['services/proxy'], verbs: ['get', 'create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] },
    ],
  });
}

/** What the lab reads outside its namespace: whether the SpinApp CRD is installed, whether its namespace exists. */
export function labClusterRole(): ClusterRole {
  return new ClusterRole({
    metadata: { name: LAB_ROLE, labels: { [LABEL.managedBy]: MANAGED_BY } },
    rules: [
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
    ],
  });
}

/** A tenant's objects on one side (what the runner applies, too). */
export function tenantObjects(ctx: TenantObjectsContext, t: { id: string; workload: string; image: string }, side: Side): OwnedObject[] {
  return side === 'wasm' ? [{ tenant: t.id, object: spinApp(ctx, t) }] : [{ tenant: t.id, object: deployment(ctx, t) }, { tenant: t.id, object: service(ctx, t) }];
}

/** The image of `workload` on `side`, or an error naming both. */
function imageOf(i: ManifestsInput, side: Side, t: { id: string; workload: string }): string {
  const ref = i.images[side]?.[t.workload];
  if (ref === undefined) throw new Error(`tenant ${t.id}: no ${side} artifact for workload ${t.workload}`);
  return ref;
}

/** Every file of the manifests, each object validated. */
export function buildManifests(i: ManifestsInput): ManifestFile[] {
  const ctx: TenantObjectsContext = { run: i.run, namespace: i.namespace, limits: i.limits, replicas: i.replicas };
  const files: ManifestFile[] = [
    { path: 'namespace.yaml', objects: [{ object: namespaceObject(i.namespace) }] },
    { path: 'rbac.yaml', objects: [{ object: labRole(i.namespace) }, { object: labClusterRole() }] },
  ];
  for (const side of i.sides) {
    for (const t of i.tenants) files.push({ path: `${side}/${t.id}.yaml`, objects: tenantObjects(ctx, { ...t, image: imageOf(i, side, t) }, side) });
    const shards = i.load?.shards[side];
    if (i.load && shards) {
      const { shards: maps, job } = loadGeneratorObjects({ run: i.run, namespace: i.namespace, side, engineImage: i.load.engineImage, shards, spanMs: i.load.spanMs, slackSeconds: i.load.slackSeconds });
      files.push({ path: `load-${side}.yaml`, objects: [...maps.map((m) => ({ object: m })), { object: job }] });
    }
  }
  validateObjects(files.flatMap((f) => f.objects));
  return files;
}

/** A file's YAML: one document per object. */
export function manifestYaml(f: ManifestFile): string {
  return f.objects.map((o) => stringify(o.object.toJSON(), { lineWidth: 0 })).join('---\n');
}
