/**
 * Workload images, built through the engine API from tar contexts and cached by content digest:
 * an image carries the digest of its context as a label, and is rebuilt only when no image with
 * that label exists. Two packagings of the same Node server and handler:
 *
 * - `oci-image-scratch`: FROM scratch + the host's node binary + the libraries ldd lists + the
 *   Node packaging server + the handler, in ONE layer (so no layer is shared between workloads,
 *   and removing a workload's image really removes all of its bytes on an artifact miss);
 * - `oci-image-debian`: the debootstrap'ed bookworm minbase (imported, see debian-base.ts) with
 *   the same node binary and app layer on top.
 *
 * Both run `node /app/server.js /app/handler.js` with HOST=127.0.0.1; PORT is set per container.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { sha256 } from '../../lab/digest.js';
import { distDir } from '../../lab/paths.js';
import type { ArtifactInfo } from '../contract.js';
import type { Workload } from '../../workloads/registry.js';
import { followProgress } from './engine.js';
import { ensureDebianBase } from './debian-base.js';
import { ImageBuildError } from './image-error.js';
import { LABELS } from './labels.js';
import { nodeRuntimeFiles } from './node-runtime.js';
import { ensureStaticCImage } from './static-c-image.js';
import { tarDigest, tarStream, type TarEntry } from './tar.js';

/** The packagings this module builds. */
export type ImagePackaging = 'oci-image-scratch' | 'oci-image-debian';

/** Every packaging, for validation messages and benches. */
export const IMAGE_PACKAGINGS: readonly ImagePackaging[] = ['oci-image-scratch', 'oci-image-debian'];

/** A workload image in the engine. */
export interface WorkloadImage {
  workload: string;
  packaging: ImagePackaging;
  /** Local tag, `edge-pop-lab/<workload>:<scratch|debian>-<digest12>`. */
  ref: string;
  /** Image id (`sha256:...`): the artifact digest. */
  id: string;
  contextDigest: string;
  sourceDigest: string;
  sizeBytes: number;
}

/** What goes into a build: the Dockerfile text and the files it copies. */
export interface BuildContext {
  dockerfile: string;
  entries: TarEntry[];
}

/** Where the app lives in every image. */
const APP_DIR = '/app';
/** The Node packaging's compiled files: the server and the adapter it imports. */
const SERVER_FILES = ['server.js', 'adapter.js'];

function shortPackaging(p: ImagePackaging): string {
  return p === 'oci-image-scratch' ? 'scratch' : 'debian';
}

/** The app files: the Node packaging server, the handler, and a package.json marking them ES modules. */
function appEntries(w: Workload): TarEntry[] {
  const serverDir = join(distDir, 'workloads', 'packaging', 'node');
  const files = [...SERVER_FILES.map((f) => join(serverDir, f)), w.handlerPath];
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} (run the TypeScript build first)`);
  return [
    ...SERVER_FILES.map((f): TarEntry => ({ path: `rootfs${APP_DIR}/${f}`, mode: 0o644, source: { bytes: readFileSync(join(serverDir, f)) } })),
    { path: `rootfs${APP_DIR}/handler.js`, mode: 0o644, source: { bytes: readFileSync(w.handlerPath) } },
    { path: `rootfs${APP_DIR}/package.json`, mode: 0o644, source: { bytes: Buffer.from('{"type":"module"}\n') } },
  ];
}

function dockerfile(from: string, node: string): string {
  // One COPY: one layer. ENV/ENTRYPOINT add config only.
  return [`FROM ${from}`, 'COPY rootfs/ /', 'ENV HOST=127.0.0.1', `ENTRYPOINT ["${node}", "${APP_DIR}/server.js", "${APP_DIR}/handler.js"]`, ''].join('\n');
}

/** The scratch context: node, its libraries, the app. */
export function scratchContext(w: Workload): BuildContext {
  const runtime = nodeRuntimeFiles();
  const entries: TarEntry[] = runtime.map((f) => ({ path: `rootfs${f.imagePath}`, mode: f.mode, source: { file: f.hostPath } }));
  return { dockerfile: dockerfile('scratch', runtime[0]!.imagePath), entries: [...entries, ...appEntries(w)] };
}

/** The Debian context: the same node binary on the imported base (whose glibc and libstdc++ it links). */
export function debianContext(w: Workload, baseRef: string): BuildContext {
  const node = '/usr/local/bin/node';
  const entries: TarEntry[] = [{ path: `rootfs${node}`, mode: 0o755, source: { file: process.execPath } }];
  return { dockerfile: dockerfile(baseRef, node), entries: [...entries, ...appEntries(w)] };
}

function contextEntries(ctx: BuildContext): TarEntry[] {
  return [{ path: 'Dockerfile', mode: 0o644, source: { bytes: Buffer.from(ctx.dockerfile) } }, ...ctx.entries];
}

async function findByDigest(docker: Docker, contextDigest: string): Promise<Docker.ImageInfo | undefined> {
  const list = await docker.listImages({ filters: JSON.stringify({ label: [`${LABELS.contextDigest}=${contextDigest}`] }) });
  return list[0];
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
  const found = await findByDigest(docker, contextDigest);
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
      labels: {
        [LABELS.owned]: '1',
        [LABELS.contextDigest]: contextDigest,
        [LABELS.workload]: target.workload,
        [LABELS.packaging]: target.packaging,
        [LABELS.sourceDigest]: target.sourceDigest,
      },
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

/** Builds (or finds) the image of one workload in one packaging. */
export async function ensureWorkloadImage(docker: Docker, w: Workload, packaging: ImagePackaging): Promise<WorkloadImage> {
  // C workloads are one static binary in a scratch image (static-c-image.ts).
  if (w.manifest.language === 'c') return ensureStaticCImage(docker, w, packaging);
  let ctx: BuildContext;
  let extra = '';
  try {
    if (packaging === 'oci-image-scratch') ctx = scratchContext(w);
    else {
      const base = await ensureDebianBase(docker).catch((e: unknown) => {
        if (e instanceof ImageBuildError) throw new ImageBuildError(w.name, packaging, e.step, e.message);
        throw e;
      });
      ctx = debianContext(w, base.ref);
      // The base tag names the recipe; its layer digest pins the bytes.
      extra = base.layerDigest;
    }
  } catch (e) {
    if (e instanceof ImageBuildError) throw e;
    throw new ImageBuildError(w.name, packaging, 'collect files', (e as Error).message);
  }
  // The tag carries the context digest's prefix: a changed workload gets a new tag, old ones stay cached.
  const provisional = { workload: w.name, packaging, sourceDigest: w.sourceDigest, ref: '' };
  const digest = sha256(`${await tarDigest(contextEntries(ctx)).catch((e: unknown) => { throw new ImageBuildError(w.name, packaging, 'build context', (e as Error).message); })}\n${extra}`);
  const ref = `edge-pop-lab/${w.name}:${shortPackaging(packaging)}-${digest.slice(7, 19)}`;
  const built = await buildContextImage(docker, { ...provisional, ref }, ctx, extra);
  return { workload: w.name, packaging, ref, id: built.id, contextDigest: built.contextDigest, sourceDigest: w.sourceDigest, sizeBytes: built.sizeBytes };
}

/** The contract's record of an image. */
export function artifactInfo(img: WorkloadImage): ArtifactInfo {
  return { workload: img.workload, packaging: img.packaging, digest: img.id, sourceDigest: img.sourceDigest, sizeBytes: img.sizeBytes, path: img.ref };
}
