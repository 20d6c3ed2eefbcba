/**
 * Building an image through the engine API from a tar context, cached by content: the image
 * carries its context's digest as a label and is rebuilt only when no image with that label
 * exists. Every workload image kind (Node runtime, static binary) is built through here.
 */
import type Docker from 'dockerode';
import { sha256 } from '../../../lab/digest.js';
import { followProgress } from '../engine.js';
import { LABELS } from '../labels.js';
import { ImageBuildError } from './image-error.js';
import { tarDigest, tarStream, type TarEntry } from './tar.js';

/** What goes into a build: the Dockerfile text and the files it copies. */
export interface BuildContext {
  dockerfile: string;
  entries: TarEntry[];
}

/** The context as tar entries: the Dockerfile first, then the files. */
export function contextEntries(ctx: BuildContext): TarEntry[] {
  return [{ path: 'Dockerfile', mode: 0o644, source: { bytes: Buffer.from(ctx.dockerfile) } }, ...ctx.entries];
}

/**
 * The image built from a context: the one its tag names, when that carries all the build's labels;
 * else the oldest image with every label the build sets. Only the label search needs care: the
 * classic builder applies each label as a step of its own (intermediate images carry some of
 * them), and an image built FROM a lab image (a test's crashing variant, a user's layer on top)
 * inherits them all; the engine lists matches in no set order, and once the cache handed out a
 * child that served another entrypoint. A child is always created after its parent.
 */
async function findBuilt(docker: Docker, ref: string, labels: Record<string, string>): Promise<{ Id: string; Size: number; RepoTags: string[] } | undefined> {
  const digest = labels[LABELS.contextDigest]!;
  const hasAll = (l: Record<string, string> | undefined): boolean => Object.entries(labels).every(([k, v]) => l?.[k] === v);
  try {
    const tagged = await docker.getImage(ref).inspect();
    if (hasAll(tagged.Config.Labels)) return { Id: tagged.Id, Size: tagged.Size, RepoTags: tagged.RepoTags ?? [] };
  } catch {
    // no such tag: search by label
  }
  const list = await docker.listImages({ all: true, filters: JSON.stringify({ label: [`${LABELS.contextDigest}=${digest}`] }) });
  const complete = list.filter((i) => hasAll(i.Labels));
  const oldest = complete.sort((a, b) => a.Created - b.Created || a.Id.localeCompare(b.Id))[0];
  return oldest && { Id: oldest.Id, Size: oldest.Size, RepoTags: oldest.RepoTags ?? [] };
}

/** Identifies a build for labels and errors. */
export interface BuildTarget {
  workload: string;
  packaging: string;
  sourceDigest: string;
  /** Local tag to give the image. */
  ref: string;
}

/**
 * Builds `ctx` into an image tagged `target.ref` unless an image with the same context digest
 * exists (then it only makes sure the tag points at it). `extraDigest` joins things the context
 * bytes do not show (the base image layer) to the cache key. Failures name the workload and step.
 */
export async function buildContextImage(docker: Docker, target: BuildTarget, ctx: BuildContext, extraDigest = ''): Promise<{ id: string; contextDigest: string; sizeBytes: number }> {
  const fail = (step: ConstructorParameters<typeof ImageBuildError>[2], e: unknown): ImageBuildError =>
    e instanceof ImageBuildError ? e : new ImageBuildError(target.workload, target.packaging, step, e instanceof Error ? e.message : String(e));
  let contextDigest: string;
  try {
    contextDigest = sha256(`${await tarDigest(contextEntries(ctx))}\n${extraDigest}`);
  } catch (e) {
    throw fail('build context', e);
  }
  const labels = {
    [LABELS.owned]: '1',
    [LABELS.contextDigest]: contextDigest,
    [LABELS.workload]: target.workload,
    [LABELS.packaging]: target.packaging,
    [LABELS.sourceDigest]: target.sourceDigest,
  };
  const found = await findBuilt(docker, target.ref, labels);
  if (found) {
    if (!(found.RepoTags ?? []).includes(target.ref)) {
      const [repo, tag] = splitRef(target.ref);
      await docker.getImage(found.Id).tag({ repo, tag });
    }
    return { id: found.Id, contextDigest, sizeBytes: found.Size };
  }
  try {
    const stream = await docker.buildImage(tarStream(contextEntries(ctx)), {
      t: target.ref,
      rm: true,
      forcerm: true,
      labels,
    });
    await followProgress(docker, stream);
  } catch (e) {
    throw fail('docker build', e);
  }
  try {
    const img = await docker.getImage(target.ref).inspect();
    return { id: img.Id, contextDigest, sizeBytes: img.Size };
  } catch (e) {
    throw fail('inspect', e);
  }
}

/** `repo:tag` split at the last colon after the last slash (a registry host may carry a port). */
export function splitRef(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}


/** The local tag of a context: the context digest's prefix, so a changed workload gets a new tag and old ones stay cached. */
export async function contextRef(ctx: BuildContext, name: string, kind: string, extraDigest = ''): Promise<string> {
  const digest = sha256(`${await tarDigest(contextEntries(ctx))}\n${extraDigest}`);
  return `edge-pop-lab/${name}:${kind}-${digest.slice(7, 19)}`;
}
