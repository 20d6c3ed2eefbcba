/**
 * The V8 host's artifact of a component: any wasi:http component (a workload's, built by its
 * language, or brought by the user) is checked and transpiled by jco into glue + core modules,
 * with the glue patched (glue-patch.ts). Keyed by the component's bytes and the tools; an
 * unchanged input never transpiles again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { publishDir } from '../../../lab/publish-dir.js';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256 } from '../../../lab/digest.js';
import { cacheDir } from '../../../lab/paths.js';
import { COMPONENT_FILE, GLUE_DIR, GLUE_NAME, MANIFEST_FILE, readArtifact, type Artifact, type ArtifactManifest } from './artifact.js';
import { GLUE_PATCH_REVISION, patchGlue } from './glue-patch.js';
import { BadComponentError } from '../../components/components.js';
import { loadTranspile, toolVersions } from '../../../workloads/components/tools.js';
import { unsupportedImports } from '../host/wasi/imports.js';

/** Root of the Wasm runner's cache. */
export const wasmCacheDir = (): string => join(process.env.LAB_CACHE_DIR ? resolve(process.env.LAB_CACHE_DIR) : cacheDir, 'wasm');

/** How jco is asked to transpile: fixed, and part of the cache key. */
const TRANSPILE_OPTIONS = { name: GLUE_NAME, instantiation: 'sync', validLiftingOptimization: true, noTypescript: true, quiet: true } as const;

const HANDLER_EXPORT = /^wasi:http\/incoming-handler@0\.2\.\d+$/;

/** Options of a transpile. */
export interface TranspileOptions {
  /** Cache root (default `<cacheDir>/wasm`). */
  cacheRoot?: string;
  /** Names the artifact directory and its record (default: the file name). */
  name?: string;
  /**
   * True (the default) for a component the lab did not build: a component jco cannot take is
   * the user's input error (BadComponentError). False for the lab's own builds, where it is a
   * lab failure.
   */
  brought?: boolean;
}

function shortKey(key: string): string {
  return key.slice('sha256:'.length, 'sha256:'.length + 16);
}

/**
 * Prepares a component for this host: checks that it is a component exporting
 * wasi:http/incoming-handler@0.2.x and importing only what this host provides, and transpiles
 * it. A brought component that fails is a BadComponentError naming the file.
 */
export async function prepareComponentFile(file: string, opts: TranspileOptions = {}): Promise<Artifact> {
  const path = resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new BadComponentError(path, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const inputs: Record<string, string> = {
    component: sha256(bytes),
    jco: toolVersions.jco,
    gluePatches: GLUE_PATCH_REVISION,
    transpile: JSON.stringify(TRANSPILE_OPTIONS),
  };
  const key = sha256(JSON.stringify(inputs));
  const root = opts.cacheRoot ?? wasmCacheDir();
  const name = (opts.name ?? basename(path).replace(/\.wasm$/, '')).replace(/[^A-Za-z0-9_-]/g, '_');
  const dir = join(root, 'components', `file-${name}-${shortKey(key)}`);
  const cached = cachedArtifact(dir, key);
  if (cached) return cached;
  return writeArtifact(dir, { key, origin: `file:${path}`, inputs, component: bytes, started: performance.now(), file: path, foreign: opts.brought ?? true });
}

function cachedArtifact(dir: string, key: string): Artifact | undefined {
  if (!existsSync(join(dir, MANIFEST_FILE))) return undefined;
  try {
    const a = readArtifact(dir);
    if (a.manifest.key === key) return a;
  } catch {
    // A torn or foreign directory: rebuild over it.
  }
  return undefined;
}

/** Transpiles, checks, patches and writes an artifact directory atomically. */
async function writeArtifact(
  dir: string,
  a: { key: string; origin: string; inputs: Record<string, string>; component: Uint8Array; started: number; file: string; foreign?: boolean },
): Promise<Artifact> {
  const reject = (why: string): never => {
    // The lab's own build giving a component its host cannot take is a bug of the lab.
    throw a.foreign ? new BadComponentError(a.file, why) : new Error(`${a.file}: ${why}`);
  };
  const transpile = await loadTranspile();
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(a.component, TRANSPILE_OPTIONS);
  } catch (e) {
    return reject(`not a valid WebAssembly component (jco ${toolVersions.jco} cannot transpile it: ${(e as Error).message.split('\n')[0]})`);
  }
  const exports = out.exports.map(([n]) => n);
  const handlerExport = exports.find((n) => HANDLER_EXPORT.test(n));
  if (!handlerExport) return reject(`does not export wasi:http/incoming-handler@0.2.x (exports: ${exports.join(', ') || 'none'})`);
  const missing = unsupportedImports(out.imports);
  if (missing.length > 0) return reject(`imports interfaces this host does not provide: ${missing.join(', ')}`);
  const glueFile = `${GLUE_NAME}.js`;
  const glue = out.files[glueFile];
  if (!glue) return reject(`jco produced no ${glueFile}`);
  const patched = patchGlue(Buffer.from(glue).toString('utf8'), toolVersions.jco, a.file);
  const coreModules = Object.keys(out.files)
    .filter((f) => f.endsWith('.wasm'))
    .sort((x, y) => coreIndex(x) - coreIndex(y));

  const manifest: ArtifactManifest = {
    key: a.key,
    origin: a.origin,
    digest: sha256(a.component),
    sizeBytes: a.component.byteLength,
    inputs: a.inputs,
    imports: out.imports,
    exports,
    handlerExport,
    coreModules,
    patches: patched.applied,
    builtAtMs: Date.now(),
    buildMs: Math.round(performance.now() - a.started),
  };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(join(tmp, GLUE_DIR), { recursive: true });
  writeFileSync(join(tmp, COMPONENT_FILE), a.component);
  for (const f of coreModules) writeFileSync(join(tmp, GLUE_DIR, f), out.files[f]!);
  writeFileSync(join(tmp, GLUE_DIR, glueFile), patched.text);
  // The glue is an ES module: mark its folder so Node loads it as one whatever surrounds the cache.
  writeFileSync(join(tmp, GLUE_DIR, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  // Another process may finish the same key first: its artifact is as good as ours.
  if (publishDir(tmp, dir, () => cachedArtifact(dir, a.key) !== undefined) === 'found') return cachedArtifact(dir, a.key)!;
  return { dir, manifest };
}

// jco names core modules `<name>.core.wasm`, `<name>.core2.wasm`, ...: keep that order.
function coreIndex(file: string): number {
  const m = /\.core(\d*)\.wasm$/.exec(file);
  return m ? Number(m[1] || '1') : Number.MAX_SAFE_INTEGER;
}
