/**
 * The realistic base image: a `debootstrap --variant=minbase bookworm` root file system, made
 * once from Debian's own packages (the mirror this machine's apt uses) and imported into the
 * engine with importImage: no registry is involved. The root file system is kept as a tarball in
 * the cache, so re-importing it (after an artifact miss removed the base layer) gives the same
 * layer digest and workload images built on it stay valid.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { sha256 } from '../../../lab/digest.js';
import { cacheDir } from '../../../lab/paths.js';
import { followProgress } from '../engine.js';
import { ImageBuildError } from './image-error.js';
import { LABELS } from '../labels.js';
import { EnvironmentError } from '../../../lab/errors.js';

/** What defines the base: changing any of it makes a new base. */
export interface DebianBaseRecipe {
  suite: string;
  variant: string;
  arch: string;
  mirror: string;
}

/** The imported base image. */
export interface DebianBase {
  /** Local tag to build FROM. */
  ref: string;
  imageId: string;
  /** Digest of the single layer (stable across re-imports of the cached tarball). */
  layerDigest: string;
  recipeDigest: string;
}

const BASE_REPO = 'edge-pop-lab/debian-base';

/** The Debian mirror apt uses here (deb822 `URIs:` or one-line `deb` sources), so debootstrap reads from the same place. */
export function aptMirror(): string {
  const candidates = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const f of candidates) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(text);
    if (m?.[1] && !m[1].includes('security')) return m[1];
  }
  throw new EnvironmentError('no Debian mirror found in /etc/apt/sources.list(.d); debootstrap needs one');
}

/** The default recipe: bookworm minbase for this machine's architecture from apt's mirror. */
export function defaultRecipe(): DebianBaseRecipe {
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  return { suite: 'bookworm', variant: 'minbase', arch, mirror: aptMirror() };
}

function recipeDigest(r: DebianBaseRecipe): string {
  return sha256(JSON.stringify([r.suite, r.variant, r.arch, r.mirror]));
}

/** Runs debootstrap into a tarball (once per recipe); returns its path. */
function rootfsTarball(recipe: DebianBaseRecipe, digest: string): string {
  const dir = join(cacheDir, 'container', 'debian-base');
  const tarball = join(dir, `${recipe.suite}-${recipe.variant}-${digest.slice(7, 19)}.tar`);
  if (existsSync(tarball)) return tarball;
  if (process.getuid?.() !== 0) throw new ImageBuildError('(base)', 'debian-base', 'debootstrap', 'debootstrap needs root; run the lab as root or build the base once as root');
  const debootstrap = spawnSync('bash', ['-c', 'command -v debootstrap'], { encoding: 'utf8' }).stdout.trim();
  if (!debootstrap) throw new ImageBuildError('(base)', 'debian-base', 'debootstrap', 'debootstrap is not installed: run `bash scripts/setup-docker.sh --with-tools` (apt-get install debootstrap)');
  const root = `${tarball}.rootfs`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dirname(tarball), { recursive: true });
  const r = spawnSync(debootstrap, [`--variant=${recipe.variant}`, `--arch=${recipe.arch}`, recipe.suite, root, recipe.mirror], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new ImageBuildError('(base)', 'debian-base', 'debootstrap', `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  }
  // debootstrap can leave /proc (and more) mounted inside the target: unmount before archiving
  // and removing, or the archive would hold the host's /proc and the removal would fail.
  unmountUnder(root);
  // Numeric owners, a fixed order, one file system: the tarball is what the base layer digest is made from.
  const partial = `${tarball}.partial`;
  const t = spawnSync('tar', ['--numeric-owner', '--sort=name', '--one-file-system', '-C', root, '-cf', partial, '.'], { encoding: 'utf8' });
  unmountUnder(root);
  rmSync(root, { recursive: true, force: true });
  if (t.status !== 0) throw new ImageBuildError('(base)', 'debian-base', 'debootstrap', `tar of the root file system failed: ${t.stderr.trim()}`);
  renameSync(partial, tarball);
  return tarball;
}

/** Unmounts every mount point at or below `root`, deepest first. */
function unmountUnder(root: string): void {
  const points = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of points) spawnSync('umount', ['-l', m]);
}

/** Finds or imports the base image for `recipe`. Slow the first time (debootstrap, ~30 s+), instant after. */
export async function ensureDebianBase(docker: Docker, recipe: DebianBaseRecipe = defaultRecipe()): Promise<DebianBase> {
  const digest = recipeDigest(recipe);
  const ref = `${BASE_REPO}:${recipe.suite}-${recipe.variant}-${digest.slice(7, 19)}`;
  const found = await inspectOrUndefined(docker, ref);
  if (found) return { ref, imageId: found.Id, layerDigest: found.RootFS.Layers?.[0] ?? '', recipeDigest: digest };
  const tarball = rootfsTarball(recipe, digest);
  try {
    const [repo, tag] = ref.split(':') as [string, string];
    const changes = `LABEL ${LABELS.owned}=1 ${LABELS.packaging}=debian-base ${LABELS.contextDigest}=${digest}`;
    await followProgress(docker, await docker.importImage(tarball, { repo, tag, changes }));
  } catch (e) {
    throw new ImageBuildError('(base)', 'debian-base', 'import base', (e as Error).message);
  }
  const img = await docker.getImage(ref).inspect();
  return { ref, imageId: img.Id, layerDigest: img.RootFS.Layers?.[0] ?? '', recipeDigest: digest };
}

async function inspectOrUndefined(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}
