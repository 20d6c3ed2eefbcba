/**
 * The component toolchain (componentize-js, jco), loaded lazily: a host that only runs cached
 * artifacts never pays for it. Also the tool versions, which are part of every cache key and of
 * the reproducibility record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EnvironmentError } from '../../lab/errors.js';
import { projectRoot } from '../../lab/paths.js';

function packageJsonPath(name: string, from?: string): string {
  // The package's entry point, then up to its package.json: works whatever its exports map
  // offers (componentize-js exports an `import` condition only, so require.resolve fails).
  const entry = from ? createRequire(from).resolve(name) : fileURLToPath(import.meta.resolve(name));
  let dir = dirname(entry);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return join(dir, 'package.json');
    } catch {
      // keep walking up
    }
    const up = dirname(dir);
    if (up === dir) throw new EnvironmentError(`cannot find package.json of ${name} (npm ci installs it)`);
    dir = up;
  }
}

function versionOf(pkgJson: string): string {
  return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
}

const jcoPkg = packageJsonPath('@bytecodealliance/jco');

/** Versions of the tools that shape an artifact. */
export const toolVersions = {
  jco: versionOf(jcoPkg),
  componentizeJs: versionOf(packageJsonPath('@bytecodealliance/componentize-js')),
  preview2Shim: versionOf(packageJsonPath('@bytecodealliance/preview2-shim', jcoPkg)),
} as const;

/** jco's command-line entry (`jco serve`, the reference host the V8 host is compared with). */
export const jcoCliPath = join(dirname(jcoPkg), 'dist', 'jco.js');

/** Where jco ships its WASI WIT packages. */
export const jcoWitDir = join(dirname(jcoPkg), 'lib', 'wit', 'builtin');

let hooked = false;

function hookShim(): void {
  if (hooked) return;
  register(new URL('./shim-hook.js', import.meta.url), { data: { jcoPackageUrl: pathToFileURL(jcoPkg).href } });
  hooked = true;
}

type Componentize = (opts: { sourcePath: string; witPath: string; worldName: string; disableFeatures?: string[]; enableAot?: boolean; wevalBin?: string }) => Promise<{ component: Uint8Array }>;
type Transpile = (component: Uint8Array, opts: Record<string, unknown>) => Promise<{ files: Record<string, Uint8Array>; imports: string[]; exports: [string, string][] }>;

/** The weval version componentize-js's AOT step is made for (its @bytecodealliance/weval pins this tag). */
export const WEVAL_VERSION = '0.5.0';

/**
 * The weval binary setup builds from crates.io (`weval` =0.5.0) into `.cache/weval/bin/weval`,
 * or undefined when it is not built. componentize-js would otherwise download one from GitHub
 * on first use (@bytecodealliance/weval's getWeval), which the lab never lets it do.
 */
export function wevalBinary(): string | undefined {
  const bin = join(projectRoot, '.cache', 'weval', 'bin', 'weval');
  return existsSync(bin) ? bin : undefined;
}

let splicerPreopened = false;

/** componentize-js's `componentize`, with the shim routed to jco's copy and every WIT directory readable by its Wasm-compiled tools. */
export async function loadComponentize(): Promise<Componentize> {
  hookShim();
  if (!splicerPreopened) {
    // The shim starts with no preopens, and the splicer (itself a component, instantiated once
    // per process) reads its preopens once, at its first start: a preopen added per build is
    // invisible to every later build of another WIT (CI lost a guest build after a probe-world
    // build that way). So the splicer, a build tool the lab runs itself, sees the host root.
    const fs = (await import('@bytecodealliance/preview2-shim/filesystem' as string)) as { _addPreopen(virtual: string, host: string): void };
    fs._addPreopen('/', '/');
    splicerPreopened = true;
  }
  const mod = (await import('@bytecodealliance/componentize-js')) as unknown as { componentize: Componentize };
  return mod.componentize;
}

/** jco's `transpile`. */
export async function loadTranspile(): Promise<Transpile> {
  hookShim();
  const mod = (await import('@bytecodealliance/jco')) as unknown as { transpile: Transpile };
  return mod.transpile;
}
