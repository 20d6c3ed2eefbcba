/**
 * The network-namespace holder image: FROM scratch plus one static binary (holder.c, built with
 * musl-gcc -static like the C workloads' servers), cached by content like every image. A
 * hardened tenant's instances join its holder's empty namespace instead of each getting a new
 * one: the engine's network sandbox set-up then leaves the cold start (measured here: +130 ms
 * per `docker run` for `--network none`, +0 for joining one).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { sha256 } from '../../../lab/digest.js';
import { cacheDir, projectRoot } from '../../../lab/paths.js';
import { EnvironmentError } from '../../../lab/errors.js';
import { buildContextImage, contextRef, type BuildContext } from './build-context.js';

const run = promisify(execFile);

/** The C source, in the source tree (dist/ holds no .c files). */
function sourcePath(): string {
  return join(projectRoot, 'runners', 'container', 'images', 'netns-holder', 'holder.c');
}

/** Compiles the holder (once per source digest) and returns the binary's path. */
async function holderBinary(): Promise<string> {
  const src = sourcePath();
  const key = sha256(readFileSync(src)).slice(7, 23);
  const out = join(cacheDir, 'container', 'netns-holder', key, 'holder');
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await run('musl-gcc', ['-static', '-s', '-O2', '-o', tmp, src]);
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new EnvironmentError('container runner: musl-gcc is not installed (bash scripts/setup-c-toolchain.sh installs musl-tools); the hardened sandbox needs it for its network-namespace holder');
    throw new EnvironmentError(`container runner: building the network-namespace holder failed: ${(err.stderr ?? err.message).trim()}`);
  }
  renameSync(tmp, out);
  return out;
}

/** The holder image in the engine (built if missing); its local tag. */
export async function ensureHolderImage(docker: Docker): Promise<string> {
  const binary = await holderBinary();
  const ctx: BuildContext = {
    dockerfile: ['FROM scratch', 'COPY rootfs/ /', 'ENTRYPOINT ["/holder"]', ''].join('\n'),
    entries: [{ path: 'rootfs/holder', mode: 0o755, source: { file: binary } }],
  };
  const ref = await contextRef(ctx, 'netns-holder', 'static');
  await buildContextImage(docker, { workload: 'netns-holder', packaging: 'oci-image-scratch', sourceDigest: sha256(readFileSync(sourcePath())), ref }, ctx);
  return ref;
}
