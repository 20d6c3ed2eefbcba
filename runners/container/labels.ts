/**
 * The labels the container runner puts on everything it creates in the engine. Labels are the
 * only link between engine objects and the lab that survives a crash of the lab: the reaper and
 * the start-up orphan sweep find containers by them, and the image cache finds images by them.
 */

/** Prefix of every label key, so no other tool's labels are ever matched. */
const PREFIX = 'edge-pop-lab';

/** Label keys, in one place. */
export const LABELS = {
  /** Present (value `1`) on every container and image the lab made: the ownership mark. */
  owned: `${PREFIX}.owned`,
  /** The run a container belongs to (LaunchPlan.runId plus the host's nonce). */
  run: `${PREFIX}.run`,
  /** Pid of the host process that created the container; orphans are containers whose owner died. */
  ownerPid: `${PREFIX}.owner-pid`,
  /** Tenant and instance id of a container. */
  tenant: `${PREFIX}.tenant`,
  instance: `${PREFIX}.instance`,
  /** Images: digest of the build context (or of the base recipe): the cache key. */
  contextDigest: `${PREFIX}.context-digest`,
  /** Images: the workload and its packaging (`oci-image-scratch`, `oci-image-debian`, `debian-base`). */
  workload: `${PREFIX}.workload`,
  packaging: `${PREFIX}.packaging`,
  /** Images: handler source digest, identical across packagings of a workload. */
  sourceDigest: `${PREFIX}.source-digest`,
} as const;

/** Labels of a container created by host `ownerPid` for `runId`. */
export function containerLabels(runId: string, ownerPid: number, tenant: string, instance: string): Record<string, string> {
  return { [LABELS.owned]: '1', [LABELS.run]: runId, [LABELS.ownerPid]: String(ownerPid), [LABELS.tenant]: tenant, [LABELS.instance]: instance };
}

/** A `filters` value for listContainers/listImages matching one label (`key` or `key=value`). */
export function labelFilter(key: string, value?: string): string {
  return JSON.stringify({ label: [value === undefined ? key : `${key}=${value}`] });
}
