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
import { distDir } from '../../../lab/paths.js';
import type { ArtifactInfo } from '../../../lab/pop/contract.js';
import type { Workload } from '../../../workloads/registry.js';
import { ensureDebianBase } from './debian-base.js';
import { ImageBuildError } from './image-error.js';
import { nodeRuntimeFiles } from './node-runtime.js';
import { buildCWorkload } from '../../../workloads/c/build.js';
import type { TarEntry } from './tar.js';
import { buildContextImage, contextRef, type BuildContext } from './build-context.js';

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

/** Builds (or finds) the image of one workload in one packaging. */
export async function ensureWorkloadImage(docker: Docker, w: Workload, packaging: ImagePackaging): Promise<WorkloadImage> {
  // C workloads are one static binary in a scratch image (ensureStaticCImage).
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
  const ref = await contextRef(ctx, w.name, shortPackaging(packaging), extra).catch((e: unknown) => {
    throw new ImageBuildError(w.name, packaging, 'build context', (e as Error).message);
  });
  const built = await buildContextImage(docker, { workload: w.name, packaging, sourceDigest: w.sourceDigest, ref }, ctx, extra);
  return { workload: w.name, packaging, ref, id: built.id, contextDigest: built.contextDigest, sourceDigest: w.sourceDigest, sizeBytes: built.sizeBytes };
}

/** The contract's record of an image. */
export function artifactInfo(img: WorkloadImage): ArtifactInfo {
  return { workload: img.workload, packaging: img.packaging, digest: img.id, sourceDigest: img.sourceDigest, sizeBytes: img.sizeBytes, path: img.ref };
}

/**
 * The image kind of C workloads: FROM scratch plus one file, the workload's static musl server
 * (workloads/c/build.ts), run as `/server` with HOST=127.0.0.1 and PORT from the runner. Only
 * the scratch packaging exists for C: there is no runtime to put on a Debian base.
 */
/** Path of the server inside the image. */
const SERVER = '/server';

/** The context of a static C image: the Dockerfile and the one binary. */
export function staticCContext(serverPath: string): BuildContext {
  const dockerfile = ['FROM scratch', 'COPY rootfs/ /', 'ENV HOST=127.0.0.1', `ENTRYPOINT ["${SERVER}"]`, ''].join('\n');
  return { dockerfile, entries: [{ path: `rootfs${SERVER}`, mode: 0o755, source: { file: serverPath } }] };
}

/** Builds (or finds) the static image of C workload `w`. */
export async function ensureStaticCImage(docker: Docker, w: Workload, packaging: ImagePackaging): Promise<WorkloadImage> {
  if (packaging !== 'oci-image-scratch') {
    throw new ImageBuildError(w.name, packaging, 'collect files', 'C workloads have only the static FROM scratch image (packaging oci-image-scratch)');
  }
  let ctx: BuildContext;
  try {
    ctx = staticCContext((await buildCWorkload(w.name)).server.path);
  } catch (e) {
    throw new ImageBuildError(w.name, packaging, 'collect files', (e as Error).message);
  }
  const ref = await contextRef(ctx, w.name, 'static');
  const built = await buildContextImage(docker, { workload: w.name, packaging, sourceDigest: w.sourceDigest, ref }, ctx);
  return { workload: w.name, packaging, ref, id: built.id, contextDigest: built.contextDigest, sourceDigest: w.sourceDigest, sizeBytes: built.sizeBytes };
}
