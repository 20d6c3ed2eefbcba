/**
 * True artifact misses for containers. Before the activation, the image is removed from the
 * engine with every tag, every lab image sharing one of its layers (the Debian base included)
 * and the dangling images left behind, so no byte of it stays on the node; the activation then
 * pulls it from the local origin registry on the critical path. Layers still used by a container
 * cannot be removed by any engine: such a miss is reported as partial, never as a true one.
 */
import type Docker from 'dockerode';
import type { TenantAssignment } from '../../../lab/pop/contract.js';
import { followProgress } from '../engine.js';
import type { ArtifactMisses } from './factory.js';
import { splitRef } from '../images/build-context.js';
import { LABELS } from '../labels.js';
import type { OriginRegistry } from './origin-registry.js';
import { forcedMissSelector } from '../../../lab/traffic/forced-miss.js';
import { seededRng } from '../../../lab/traffic/rng.js';

/** The reference of a local image in the origin registry. */
export function originRef(origin: OriginRegistry, localRef: string): string {
  return `${origin.host}/${localRef}`;
}

/** Pushes a local image to the origin (blobs already there are skipped by the protocol). */
export async function pushToOrigin(docker: Docker, origin: OriginRegistry, localRef: string): Promise<void> {
  const remote = originRef(origin, localRef);
  const [repo, tag] = splitRef(remote);
  await docker.getImage(localRef).tag({ repo, tag });
  // The engine needs an auth header even for a registry without auth.
  const stream = (await docker.getImage(remote).push({ authconfig: {} } as never)) as unknown as NodeJS.ReadableStream;
  await followProgress(docker, stream);
  await untag(docker, remote);
}

/**
 * Drops the origin-registry tag the lab made (the image keeps its local name): the registry's
 * port changes every run, so left alone these tags pile up in the engine run after run.
 */
async function untag(docker: Docker, remoteRef: string): Promise<void> {
  await docker
    .getImage(remoteRef)
    .remove({ noprune: true })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

/** Removes `ref` and every lab image sharing a layer with it; `complete` is false when a container kept some. */
export async function removeImageEntirely(docker: Docker, ref: string): Promise<{ complete: boolean; removed: string[] }> {
  let target: Docker.ImageInspectInfo;
  try {
    target = await docker.getImage(ref).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { complete: true, removed: [] };
    throw e;
  }
  const layers = new Set(target.RootFS.Layers ?? []);
  const owned = await docker.listImages({ all: true, filters: JSON.stringify({ label: [LABELS.owned] }) });
  const sharing: string[] = [];
  for (const img of owned) {
    if (img.Id === target.Id) continue;
    const info = await docker.getImage(img.Id).inspect().catch(() => undefined);
    if (info && (info.RootFS.Layers ?? []).some((l) => layers.has(l))) sharing.push(img.Id);
  }
  const inUse = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  let complete = true;
  const removed: string[] = [];
  // Children before parents: the target (top) first, then images it was built on.
  for (const id of [target.Id, ...sharing]) {
    if (inUse.has(id)) {
      complete = false;
      continue;
    }
    try {
      await docker.getImage(id).remove({ force: true });
      removed.push(id);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) complete = false;
    }
  }
  await docker.pruneImages({ filters: JSON.stringify({ dangling: ['true'], label: [LABELS.owned] }) });
  return { complete, removed };
}

/** Pulls `localRef` from the origin and tags it back under its local name. */
export async function pullFromOrigin(docker: Docker, origin: OriginRegistry, localRef: string): Promise<void> {
  const remote = originRef(origin, localRef);
  await followProgress(docker, await docker.pull(remote, { authconfig: {} } as never));
  const [repo, tag] = splitRef(localRef);
  await docker.getImage(remote).tag({ repo, tag });
  await untag(docker, remote);
}

/** Artifact misses at `rate` of activations, against `origin`. */
export function artifactMisses(docker: Docker, origin: OriginRegistry, rate: number, seed: number): ArtifactMisses {
  // The same per-event coin the traffic plan uses for instance misses (and the simulator for
  // both), on its own stream, so a scenario misses the same activations every time.
  const miss = forcedMissSelector(rate, seededRng(seed).fork('artifact-miss'));
  return {
    next: (_tenant: TenantAssignment) => miss(),
    evict: (ref) => removeImageEntirely(docker, ref),
    pull: (ref) => pullFromOrigin(docker, origin, ref),
  };
}
