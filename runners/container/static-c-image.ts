/**
 * The image kind of C workloads: FROM scratch plus one file, the workload's static musl server
 * (workloads/c/build.ts), run as `/server` with HOST=127.0.0.1 and PORT from the runner. Built
 * and cached exactly like the Node images (buildContextImage: the context digest is the key),
 * so an unchanged binary never rebuilds. Only the scratch packaging exists for C: there is no
 * runtime to put on a Debian base.
 */
import type Docker from 'dockerode';
import { buildCWorkload } from '../../workloads/c/build.js';
import type { Workload } from '../../workloads/registry.js';
import { ImageBuildError } from './image-error.js';
import { buildContextImage, type BuildContext, type ImagePackaging, type WorkloadImage } from './images.js';
import { tarDigest, type TarEntry } from './tar.js';
import { sha256 } from '../../lab/digest.js';

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
  const entries: TarEntry[] = [{ path: 'Dockerfile', mode: 0o644, source: { bytes: Buffer.from(ctx.dockerfile) } }, ...ctx.entries];
  const digest = sha256(`${await tarDigest(entries)}\n`);
  const ref = `edge-pop-lab/${w.name}:static-${digest.slice(7, 19)}`;
  const built = await buildContextImage(docker, { workload: w.name, packaging, sourceDigest: w.sourceDigest, ref }, ctx);
  return { workload: w.name, packaging, ref, id: built.id, contextDigest: built.contextDigest, sourceDigest: w.sourceDigest, sizeBytes: built.sizeBytes };
}
