/**
 * Workload images, built through the engine API from tar contexts and cached by content digest
 * (build-context.ts). An image wraps the workload's bare-process artifact, which its language
 * builds (workloads/languages/):
 *
 * - a JS module behind the Node packaging server: `oci-image-scratch` is FROM scratch + the
 *   host's node binary + the libraries ldd lists + the server + the handler, in ONE layer (so no
 *   layer is shared between workloads, and removing a workload's image really removes all of its
 *   bytes on an artifact miss); `oci-image-debian` is the debootstrap'ed bookworm minbase
 *   (imported, see debian-base.ts) with the same node binary and app layer on top. Both run
 *   `node /app/server.js /app/handler.js`.
 * - a static executable: FROM scratch plus that one file, run as `/server`; only the scratch
 *   packaging exists, since there is no runtime to put on a Debian base.
 * - an interpreter and its packaging script (Python): FROM scratch plus the files its language
 *   lists (the interpreter and its libraries, the standard library modules the packaging and
 *   handler load, the app), in one layer, run with the language's argv; scratch only as well.
 *
 * Every image runs with HOST=127.0.0.1; PORT is set per container.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { distDir } from '../../../lab/paths.js';
import type { ArtifactInfo } from '../../../lab/pop/contract.js';
import { languageOf } from '../../../workloads/languages/index.js';
import type { InterpreterArtifact, ProcessArtifact } from '../../../workloads/languages/language.js';
import type { Workload } from '../../../workloads/registry.js';
import { ensureDebianBase } from './debian-base.js';
import { ImageBuildError } from './image-error.js';
import { nodeRuntimeFiles } from './node-runtime.js';
import type { TarEntry } from './tar.js';
import { buildContextImage, contextRef, type BuildContext } from './build-context.js';
import { EnvironmentError } from '../../../lab/errors.js';

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

/** The app files: the Node packaging server, the handler module, and a package.json marking them ES modules. */
function appEntries(handlerPath: string): TarEntry[] {
  const serverDir = join(distDir, 'workloads', 'packaging', 'node');
  const files = [...SERVER_FILES.map((f) => join(serverDir, f)), handlerPath];
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new EnvironmentError(`not built: ${missing.join(', ')} (run the TypeScript build first)`);
  return [
    ...SERVER_FILES.map((f): TarEntry => ({ path: `rootfs${APP_DIR}/${f}`, mode: 0o644, source: { bytes: readFileSync(join(serverDir, f)) } })),
    { path: `rootfs${APP_DIR}/handler.js`, mode: 0o644, source: { bytes: readFileSync(handlerPath) } },
    { path: `rootfs${APP_DIR}/package.json`, mode: 0o644, source: { bytes: Buffer.from('{"type":"module"}\n') } },
  ];
}

function dockerfile(from: string, node: string): string {
  // One COPY: one layer. ENV/ENTRYPOINT add config only.
  return [`FROM ${from}`, 'COPY rootfs/ /', 'ENV HOST=127.0.0.1', `ENTRYPOINT ["${node}", "${APP_DIR}/server.js", "${APP_DIR}/handler.js"]`, ''].join('\n');
}

/** The scratch context of a JS module: node, its libraries, the app. */
export function scratchContext(handlerPath: string): BuildContext {
  const runtime = nodeRuntimeFiles();
  const entries: TarEntry[] = runtime.map((f) => ({ path: `rootfs${f.imagePath}`, mode: f.mode, source: { file: f.hostPath } }));
  return { dockerfile: dockerfile('scratch', runtime[0]!.imagePath), entries: [...entries, ...appEntries(handlerPath)] };
}

/** The Debian context of a JS module: the same node binary on the imported base (whose glibc and libstdc++ it links). */
export function debianContext(handlerPath: string, baseRef: string): BuildContext {
  const node = '/usr/local/bin/node';
  const entries: TarEntry[] = [{ path: `rootfs${node}`, mode: 0o755, source: { file: process.execPath } }];
  return { dockerfile: dockerfile(baseRef, node), entries: [...entries, ...appEntries(handlerPath)] };
}

/** Path of a static executable inside its image. */
const SERVER = '/server';

/** The context of a static executable's image: the Dockerfile and the one binary. */
export function staticContext(serverPath: string): BuildContext {
  const dockerfile = ['FROM scratch', 'COPY rootfs/ /', 'ENV HOST=127.0.0.1', `ENTRYPOINT ["${SERVER}"]`, ''].join('\n');
  return { dockerfile, entries: [{ path: `rootfs${SERVER}`, mode: 0o755, source: { file: serverPath } }] };
}

/** The context of an interpreter's image: exactly the files its language lists, and its argv. */
export function interpreterContext(artifact: InterpreterArtifact): BuildContext {
  const entrypoint = JSON.stringify(artifact.image.entrypoint);
  const dockerfile = ['FROM scratch', 'COPY rootfs/ /', 'ENV HOST=127.0.0.1', `ENTRYPOINT ${entrypoint}`, ''].join('\n');
  return { dockerfile, entries: artifact.image.files.map((f): TarEntry => ({ path: `rootfs${f.imagePath}`, mode: f.mode, source: { file: f.hostPath } })) };
}

/** The context of `artifact` in `packaging`, the tag kind it is known by, and what the context bytes do not show. */
async function imageContext(docker: Docker, w: Workload, artifact: ProcessArtifact, packaging: ImagePackaging): Promise<{ ctx: BuildContext; kind: string; extra: string }> {
  if (artifact.kind === 'executable') {
    if (packaging !== 'oci-image-scratch') {
      throw new ImageBuildError(w.name, packaging, 'collect files', `${languageOf(w).displayName} workloads are a static executable: only the FROM scratch image exists (packaging oci-image-scratch)`);
    }
    return { ctx: staticContext(artifact.file.path), kind: 'static', extra: '' };
  }
  if (artifact.kind === 'interpreter') {
    if (packaging !== 'oci-image-scratch') {
      throw new ImageBuildError(w.name, packaging, 'collect files', `${languageOf(w).displayName} workloads run on an interpreter whose image is built FROM scratch with only the files it loads: only packaging oci-image-scratch exists`);
    }
    return { ctx: interpreterContext(artifact), kind: artifact.packaging, extra: '' };
  }
  if (packaging === 'oci-image-scratch') return { ctx: scratchContext(artifact.file.path), kind: 'scratch', extra: '' };
  const base = await ensureDebianBase(docker).catch((e: unknown) => {
    if (e instanceof ImageBuildError) throw new ImageBuildError(w.name, packaging, e.step, e.message);
    throw e;
  });
  // The base tag names the recipe; its layer digest pins the bytes.
  return { ctx: debianContext(artifact.file.path, base.ref), kind: 'debian', extra: base.layerDigest };
}

/** Builds (or finds) the image of one workload in one packaging. */
export async function ensureWorkloadImage(docker: Docker, w: Workload, packaging: ImagePackaging): Promise<WorkloadImage> {
  let image: { ctx: BuildContext; kind: string; extra: string };
  try {
    image = await imageContext(docker, w, await languageOf(w).processArtifact(w), packaging);
  } catch (e) {
    if (e instanceof ImageBuildError) throw e;
    throw new ImageBuildError(w.name, packaging, 'collect files', (e as Error).message);
  }
  const { ctx, kind, extra } = image;
  const ref = await contextRef(ctx, w.name, kind, extra).catch((e: unknown) => {
    throw new ImageBuildError(w.name, packaging, 'build context', (e as Error).message);
  });
  const built = await buildContextImage(docker, { workload: w.name, packaging, sourceDigest: w.sourceDigest, ref }, ctx, extra);
  return { workload: w.name, packaging, ref, id: built.id, contextDigest: built.contextDigest, sourceDigest: w.sourceDigest, sizeBytes: built.sizeBytes };
}

/** The contract's record of an image. */
export function artifactInfo(img: WorkloadImage): ArtifactInfo {
  return { workload: img.workload, packaging: img.packaging, digest: img.id, sourceDigest: img.sourceDigest, sizeBytes: img.sizeBytes, path: img.ref };
}
