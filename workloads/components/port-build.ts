/**
 * What the builds of the compiled port languages (C: workloads/c/build.ts, Go:
 * workloads/go/build.ts) share: a cache directory per workload and input key holding the static
 * server, the test harness, the core module and the component, published whole or not at all;
 * and the step that makes a component of a core module with hand-written canonical-ABI glue
 * (jco's componentEmbed with the one-text wasi:http WIT, then componentNew, with or without a
 * preview1 adapter).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../../lab/digest.js';
import { publishDir } from '../../lab/publish-dir.js';
import { handlerWitSource } from '../c/wit.js';
import type { BuiltFile } from '../languages/language.js';

/** The build record of a port: its four files, the key they were built from, and whether this call built them. */
export interface PortBuildRecord {
  key: string;
  server: BuiltFile;
  harness: BuiltFile;
  core: BuiltFile;
  component: BuiltFile;
  built: boolean;
}

const BUILD_FILE = 'build.json';

/** The record in `dir` if it was built from `key` and its files are all there; undefined otherwise. */
export function readPortBuild<T extends PortBuildRecord>(dir: string, key: string): T | undefined {
  try {
    const b = JSON.parse(readFileSync(join(dir, BUILD_FILE), 'utf8')) as T;
    if (b.key !== key) return undefined;
    for (const f of [b.server, b.harness, b.core, b.component]) if (!existsSync(f.path)) return undefined;
    return { ...b, built: false };
  } catch {
    return undefined;
  }
}

/**
 * Builds into a scratch directory beside `dir` and publishes it as `dir`. `make` writes the files
 * into `tmp` and returns the record, naming each file by `info` (its final path, digest and size);
 * the record goes in last, so a directory is complete exactly when it has one. Another process
 * that finishes the same key first wins: its build is as good as ours. A failed build leaves nothing.
 */
export async function buildPortDir<T extends PortBuildRecord>(dir: string, key: string, make: (tmp: string, info: (file: string) => BuiltFile) => Promise<T>): Promise<T> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const info = (file: string): BuiltFile => ({ path: join(dir, file), digest: sha256File(join(tmp, file)), sizeBytes: statSync(join(tmp, file)).size });
    const build = await make(tmp, info);
    writeFileSync(join(tmp, BUILD_FILE), `${JSON.stringify(build, null, 2)}\n`);
    return publishDir(tmp, dir, () => readPortBuild<T>(dir, key) !== undefined) === 'found' ? readPortBuild<T>(dir, key)! : build;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A core module exporting `wasi:http/incoming-handler@0.2.10#handle` made a component: embedded
 * with the world `world` (see handlerWitSource) and wrapped by componentNew with `adapters`
 * (none for C; the preview1 reactor adapter for Go).
 */
export async function handlerComponent(core: Uint8Array, world: string, adapters: Array<[string, Uint8Array]> = []): Promise<Uint8Array> {
  const jco = (await import('@bytecodealliance/jco')) as unknown as {
    componentEmbed(o: { binary: Uint8Array; witSource: string; world: string }): Promise<Uint8Array>;
    componentNew(b: Uint8Array, adapters?: Array<[string, Uint8Array]>): Promise<Uint8Array>;
  };
  const embedded = await jco.componentEmbed({ binary: core, witSource: handlerWitSource(world), world });
  return jco.componentNew(embedded, adapters);
}
