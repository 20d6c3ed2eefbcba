/**
 * The network-namespace holder image: FROM scratch plus one static binary (holder.c, built with
 * musl-gcc -static like the C workloads' servers), cached by content like every image. A
 * hardened tenant's instances join its holder's empty namespace instead of each getting a new
 * one: the engine's network sandbox set-up then leaves the cold start (measured here: +130 ms
 * per `docker run` for `--network none`, +0 for joining one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { sha256 } from '../../../lab/digest.js';
import { projectRoot } from '../../../lab/paths.js';
import { buildContextImage, contextRef, type BuildContext } from './build-context.js';
import { staticHelperBinary } from '../../kit/static-helper.js';

/** The C source, in the source tree (dist/ holds no .c files). */
function sourcePath(): string {
  return join(projectRoot, 'runners', 'container', 'images', 'netns-holder', 'holder.c');
}

/** The holder image in the engine (built if missing); its local tag. */
export async function ensureHolderImage(docker: Docker): Promise<string> {
  const binary = await staticHelperBinary('container', 'netns-holder', sourcePath(), 'the hardened sandbox\'s network-namespace holder');
  const ctx: BuildContext = {
    dockerfile: ['FROM scratch', 'COPY rootfs/ /', 'ENTRYPOINT ["/holder"]', ''].join('\n'),
    entries: [{ path: 'rootfs/holder', mode: 0o755, source: { file: binary } }],
  };
  const ref = await contextRef(ctx, 'netns-holder', 'static');
  await buildContextImage(docker, { workload: 'netns-holder', packaging: 'oci-image-scratch', sourceDigest: sha256(readFileSync(sourcePath())), ref }, ctx);
  return ref;
}
