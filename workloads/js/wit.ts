/**
 * The WIT package the lab's guests are built against: jco ships complete WASI WIT only for
 * 0.2.12, while StarlingMonkey in componentize-js 0.23 speaks 0.2.10, so the 0.2.12 packages are
 * copied with their versions rewritten (the 0.2.x line is backwards compatible) next to a world
 * that exports `wasi:http/incoming-handler@0.2.10` and nothing else.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { publishDir } from '../../lab/publish-dir.js';
import { join } from 'node:path';
import { sha256 } from '../../lab/digest.js';
import { WASI_HTTP_VERSION } from './guest-source.js';
import { jcoWitDir } from '../components/tools.js';
import { EnvironmentError } from '../../lab/errors.js';

/** The source WASI version shipped in full by jco 1.35. */
const SOURCE_WASI_VERSION = '0.2.12';

/** World name used by every lab guest. */
export const GUEST_WORLD = 'edge-handler';
/**
 * The world of test guests that probe their sandbox (runners/testdata): it also imports
 * wasi:http/outgoing-handler, so a guest can try an outbound request and report the host's answer.
 * Workloads never get it: an edge handler of this lab makes no outbound calls.
 */
export const PROBE_WORLD = 'edge-probe';
export type GuestWorld = typeof GUEST_WORLD | typeof PROBE_WORLD;

function worldWit(world: GuestWorld): string {
  const imports = world === PROBE_WORLD ? `  import wasi:http/outgoing-handler@${WASI_HTTP_VERSION};\n` : '';
  return `package edge-pop-lab:guest;\n\nworld ${world} {\n${imports}  export wasi:http/incoming-handler@${WASI_HTTP_VERSION};\n}\n`;
}

/** Files of the WIT package of `world`: relative path -> text. */
export function witFiles(world: GuestWorld = GUEST_WORLD): Record<string, string> {
  const src = join(jcoWitDir, SOURCE_WASI_VERSION);
  if (!existsSync(src)) throw new EnvironmentError(`jco ships no WASI ${SOURCE_WASI_VERSION} WIT at ${src}; the wasm build needs it`);
  const files: Record<string, string> = { 'world.wit': worldWit(world) };
  const from = new RegExp(`@${SOURCE_WASI_VERSION.replace(/\./g, '\\.')}\\b`, 'g');
  for (const pkg of readdirSync(src).sort()) {
    files[`deps/${pkg}/package.wit`] = readFileSync(join(src, pkg, 'package.wit'), 'utf8').replace(from, `@${WASI_HTTP_VERSION}`);
  }
  return files;
}

/** Digest of the whole WIT package (a cache key input). */
export function witDigest(files: Record<string, string>): string {
  return sha256(JSON.stringify(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))));
}

/** Writes the WIT package of `world` under `root/wit-<digest>` once and returns its directory. */
export function materializeWit(root: string, world: GuestWorld = GUEST_WORLD): { dir: string; digest: string; world: GuestWorld } {
  const files = witFiles(world);
  const digest = witDigest(files);
  const dir = join(root, `wit-${digest.slice('sha256:'.length, 'sha256:'.length + 16)}`);
  if (existsSync(join(dir, 'world.wit'))) return { dir, digest, world };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(tmp, rel, '..'), { recursive: true });
    writeFileSync(join(tmp, rel), text);
  }
  publishDir(tmp, dir, () => existsSync(join(dir, 'world.wit')));
  return { dir, digest, world };
}
