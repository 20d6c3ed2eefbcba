/**
 * Names and labels of the objects the lab puts on a cluster. Every object carries labels that
 * tie it to its run and tenant, so a run's objects are found (and deleted) by selector, and a run
 * killed before it could clean up is found by the next one.
 */
import { createHash } from 'node:crypto';

/** The two sides of the comparison on a cluster. */
export const SIDES = ['wasm', 'container'] as const;
export type Side = (typeof SIDES)[number];

/** Label keys. */
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  /** The run's id, as a label value (see `labelValue`). */
  run: 'edge-pop-lab/run',
  /** A short hash of the run id: object names carry it, so two runs never share a name. */
  runTag: 'edge-pop-lab/run-tag',
  tenant: 'edge-pop-lab/tenant',
  workload: 'edge-pop-lab/workload',
  side: 'edge-pop-lab/side',
  /** `tenant`, `load` (the generator Job and its shards) or `probe` (cold-start probes). */
  role: 'edge-pop-lab/role',
  scenario: 'edge-pop-lab/scenario',
  /** Who applied it: the lab's host name and pid, so a later run can tell a dead owner's leftovers. */
  ownerHost: 'edge-pop-lab/owner-host',
  ownerPid: 'edge-pop-lab/owner-pid',
} as const;

export const MANAGED_BY = 'edge-pop-lab';

/**
 * A label value from any text: at most 63 characters of [A-Za-z0-9._-], starting and ending
 * alphanumeric (the API's rule). Longer text keeps its start and gets a hash of the whole, so two
 * long ids never collide.
 */
export function labelValue(text: string): string {
  let v = text.replace(/[^A-Za-z0-9._-]/g, '-');
  if (v.length > 63) v = `${v.slice(0, 54)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
  return v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '') || 'x';
}

/** Eight hex digits of the run id's hash. */
export function runTag(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 8);
}

/** A DNS-1123 label part from any text (lower case, digits, dashes). */
function dnsPart(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

const SIDE_SUFFIX: Record<Side, string> = { wasm: 'spin', container: 'ctr' };

/**
 * A tenant's object name on one side: `lab-<run tag>-<tenant>-<spin|ctr>`, a DNS-1123 label (a
 * Service name must be one) of at most 63 characters; a tenant id too long for it is cut and
 * hashed.
 */
export function tenantObjectName(tag: string, tenant: string, side: Side): string {
  const fixed = `lab-${tag}--${SIDE_SUFFIX[side]}`.length;
  let t = dnsPart(tenant);
  if (t.length > 63 - fixed) t = `${t.slice(0, 63 - fixed - 9)}-${createHash('sha256').update(tenant).digest('hex').slice(0, 8)}`;
  return `lab-${tag}-${t}-${SIDE_SUFFIX[side]}`;
}

/** The load-generator Job of one side, and the ConfigMap of its shard `i`. */
export function loadJobName(tag: string, side: Side): string {
  return `lab-${tag}-load-${SIDE_SUFFIX[side]}`;
}
export function loadShardName(tag: string, side: Side, shard: number): string {
  return `lab-${tag}-load-${SIDE_SUFFIX[side]}-${shard}`;
}

/** The in-cluster URL of a tenant's Service (port 80), as the generator pods reach it. */
export function serviceUrl(name: string, namespace: string): string {
  return `http://${name}.${namespace}.svc.cluster.local`;
}

/** Labels of one run. */
export interface RunIdentity {
  runId: string;
  scenario: string;
  /** Set when the lab itself applies the objects (the runner): `host` and `pid` of the lab. */
  owner?: { host: string; pid: number };
}

/** The labels every object of the run carries. */
export function runLabels(run: RunIdentity): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.run]: labelValue(run.runId),
    [LABEL.runTag]: runTag(run.runId),
    [LABEL.scenario]: labelValue(run.scenario),
    ...(run.owner ? { [LABEL.ownerHost]: labelValue(run.owner.host), [LABEL.ownerPid]: String(run.owner.pid) } : {}),
  };
}

/** The selector of everything a run put on the cluster. */
export function runSelector(runId: string): string {
  return `${LABEL.managedBy}=${MANAGED_BY},${LABEL.runTag}=${runTag(runId)}`;
}
