/**
 * Images for a registry other than the local origin: a workload's image and the load engine's
 * (FROM scratch: the engine binary and the libraries ldd lists), built through the same cached
 * path as every lab image, and pushed through the engine (docker tag + push), as the origin push
 * of artifact misses is. What `lab publish` uses; the engine (dockerode) stays in this runner.
 */
import { basename } from 'node:path';
import type Docker from 'dockerode';
import { sha256File } from '../../lab/digest.js';
import { loadWorkload } from '../../workloads/registry.js';
import { RegistryError } from '../kit/oci/distribution.js';
import { connectEngine, followProgress } from './engine.js';
import { buildContextImage, contextRef, splitRef, type BuildContext } from './images/build-context.js';
import { ensureWorkloadImage, type ImagePackaging } from './images/images.js';
import { nodeRuntimeFiles } from './images/node-runtime.js';

/** A local image ready to push. */
export interface LocalImage {
  /** Local tag. */
  ref: string;
  /** Image id. */
  id: string;
  sizeBytes: number;
}

/** Where the engine binary sits in its image. */
const ENGINE_PATH = '/edge-pop-load-engine';

/** The load engine's image context: the binary at /edge-pop-load-engine and its libraries at the paths ldd names. */
export function engineContext(enginePath: string): BuildContext {
  const [binary, ...libs] = nodeRuntimeFiles(enginePath);
  const entries = [{ path: `rootfs${ENGINE_PATH}`, mode: 0o755, source: { file: binary!.hostPath } }, ...libs.map((f) => ({ path: `rootfs${f.imagePath}`, mode: f.mode, source: { file: f.hostPath } }))];
  return { dockerfile: ['FROM scratch', 'COPY rootfs/ /', `ENTRYPOINT ["${ENGINE_PATH}"]`, ''].join('\n'), entries };
}

/** Builds (or finds) the load engine's image. */
export async function ensureEngineImage(enginePath: string): Promise<LocalImage> {
  const { docker } = await connectEngine();
  const ctx = engineContext(enginePath);
  const ref = await contextRef(ctx, 'load-engine', 'scratch');
  const built = await buildContextImage(docker, { workload: basename(enginePath), packaging: 'oci-image-scratch', sourceDigest: sha256File(enginePath), ref }, ctx);
  return { ref, id: built.id, sizeBytes: built.sizeBytes };
}

/** Builds (or finds) a workload's image in a packaging. */
export async function ensureImage(workload: string, packaging: ImagePackaging): Promise<LocalImage> {
  const { docker } = await connectEngine();
  const img = await ensureWorkloadImage(docker, loadWorkload(workload), packaging);
  return { ref: img.ref, id: img.id, sizeBytes: img.sizeBytes };
}

/** Pushes `local` as `remote` (`<host>/<repo>:<tag>`) and returns the manifest digest the registry answered. */
export async function pushImage(local: string, remote: string): Promise<string> {
  const { docker } = await connectEngine();
  const [repo, tag] = splitRef(remote);
  const host = remote.slice(0, remote.indexOf('/'));
  await docker.getImage(local).tag({ repo, tag });
  try {
    // The engine needs an auth header even for a registry without auth; credentials come from its own config.
    const stream = (await docker.getImage(remote).push({ authconfig: {} } as never)) as unknown as NodeJS.ReadableStream;
    const out = await followProgress(docker, stream).catch((e: Error) => {
      throw new RegistryError(host, `the push of ${remote} (docker push) failed: ${e.message}`);
    });
    const aux = out.map((o) => o.aux as { Digest?: string } | undefined).find((a) => a?.Digest);
    if (!aux?.Digest) throw new RegistryError(host, `the push of ${remote} reported no digest`);
    return aux.Digest;
  } finally {
    // The remote tag is the engine's bookkeeping only: the image keeps its local name.
    await untag(docker, remote);
  }
}

async function untag(docker: Docker, ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove({ noprune: true })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}
