/**
 * Builds the packagings of a C workload from its one handler.c, cached by content hash under
 * `<cacheDir>/c/<workload>-<key>`: an unchanged input (sources, headers, flags, compiler
 * versions, jco version) is never rebuilt. Three artifacts per workload:
 *
 * - `server`: the static native HTTP server (musl-gcc -static), the whole of a FROM scratch image;
 * - `harness`: the same handler behind a stdin/stdout framing, the direct-call packaging of tests;
 * - `component.wasm`: a WASI 0.2 component exporting wasi:http/incoming-handler@0.2.10, from a
 *   libc-light core module (clang --target=wasm32-wasi) wrapped by jco's componentEmbed +
 *   componentNew without any preview1 adapter (the core module imports only wasi:http, wasi:io
 *   and wasi:clocks/monotonic-clock, the last for a drip's pause).
 *
 * Failures throw CBuildError naming the workload, the step and what to install.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256, sha256File } from '../../lab/digest.js';
import { ExitCode, LabError } from '../../lab/errors.js';
import { cacheDir, workloadsDir } from '../../lab/paths.js';
import type { LanguageBuildOptions } from '../languages/language.js';
import type { Workload } from '../types.js';
import { buildPortDir, handlerComponent, readPortBuild } from '../components/port-build.js';
import { C_WORLD, cWitSource } from './wit.js';

const run = promisify(execFile);

/** Bump when the build recipe changes in a way the inputs below do not show. */
const RECIPE_REVISION = '1';

/** Warnings are errors, and no floating-point contraction: the bytes must equal the JS handler's. */
const C_FLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off'];
/** Shared sources, relative to workloads/c. */
const COMMON_SOURCES = ['edge_runtime.c', 'edge_json.c', 'edge_crypto.c'];
const NATIVE_SOURCES = ['native/server.c', 'native/http_parse.c'];
const HARNESS_SOURCES = ['native/harness.c'];
const WASM_SOURCES = ['wasm/glue.c'];
/** wasi-libc's full strtod: the default one links a stderr warning, which would import WASI preview1. */
const WASM_LIBS = ['-lc-printscan-long-double', '-lm'];

/** What to install when a tool is missing. */
const SETUP_HINT = 'run `bash scripts/setup-c-toolchain.sh` (Debian packages clang lld wasi-libc libclang-rt-14-dev-wasm32 musl-tools)';

/** A C build failed; the message names the workload, the step and the fix. */
export class CBuildError extends LabError {
  constructor(
    readonly workload: string,
    readonly step: string,
    detail: string,
  ) {
    super(`C workload ${workload}: ${step} failed: ${detail}`, ExitCode.environment);
    this.name = 'CBuildError';
  }
}

/** One built file. */
export interface CArtifactFile {
  path: string;
  /** `sha256:` of the file. */
  digest: string;
  sizeBytes: number;
}

/** The packagings of one C workload, as built. */
export interface CWorkloadBuild {
  workload: string;
  /** `sha256:` of handler.c (the workload registry's sourceDigest). */
  sourceDigest: string;
  /** `sha256:` of every input: the cache key. */
  key: string;
  dir: string;
  /** Static native HTTP server (the container image's only file). */
  server: CArtifactFile;
  /** Test harness (stdin/stdout framing), statically linked against the same musl. */
  harness: CArtifactFile;
  /** The core module inside the component (for the record: its imports are wasi:http, wasi:io and the monotonic clock only). */
  core: CArtifactFile;
  /** The WASI 0.2 component. */
  component: CArtifactFile;
  /** Whether this call built it (false: found in the cache). */
  built: boolean;
  buildMs: number;
}

/** Options for tests and progress. */
export type CBuildOptions = LanguageBuildOptions;

const cDir = join(workloadsDir, 'c');

async function toolVersion(workload: string, cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args);
    return `${stdout}${stderr}`.split('\n')[0]!.trim();
  } catch {
    throw new CBuildError(workload, `finding ${cmd}`, `${cmd} is not installed; ${SETUP_HINT}`);
  }
}

/** Every file under workloads/c that goes into a build, with its digest. */
function sourceInputs(w: Workload): Record<string, string> {
  const inputs: Record<string, string> = { handler: w.sourceDigest };
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path, `${rel}${e.name}/`);
      else if (/\.[ch]$/.test(e.name)) inputs[`c/${rel}${e.name}`] = sha256File(path);
    }
  };
  walk(cDir, '');
  return inputs;
}

async function cacheKey(w: Workload): Promise<{ key: string; inputs: Record<string, string> }> {
  const jco = await jcoVersion();
  const inputs: Record<string, string> = {
    ...sourceInputs(w),
    clang: await toolVersion(w.name, 'clang', ['--version']),
    musl: await toolVersion(w.name, 'musl-gcc', ['--version']),
    wasiLibc: existsSync('/usr/lib/wasm32-wasi/libc.a') ? sha256File('/usr/lib/wasm32-wasi/libc.a') : 'missing',
    flags: JSON.stringify([C_FLAGS, WASM_LIBS]),
    wit: sha256(cWitSource()),
    jco,
    recipe: RECIPE_REVISION,
  };
  return { key: sha256(JSON.stringify(inputs)), inputs };
}

async function jcoVersion(): Promise<string> {
  const pkg = new URL('../package.json', import.meta.resolve('@bytecodealliance/jco'));
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

async function compile(w: Workload, step: string, cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { cwd: cDir, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new CBuildError(w.name, step, `${cmd} is not installed; ${SETUP_HINT}`);
    const detail = (err.stderr ?? err.message).trim().split('\n').slice(0, 30).join('\n');
    const hint = /cannot find|No such file|unable to find library|not found/i.test(detail) ? `\n(${SETUP_HINT})` : '';
    throw new CBuildError(w.name, step, `${cmd} ${args.join(' ')}\n${detail}${hint}`);
  }
}

/** Every import of a core module, as `module` and `name`. */
function coreImports(core: Uint8Array): { module: string; name: string }[] {
  // The project's lib has no WebAssembly types; only the two calls used here are declared.
  const wa = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): { module: string; name: string }[] } } }).WebAssembly;
  return wa.Module.imports(new wa.Module(core));
}

/** The interfaces a core module imports from, sorted (for the record and its test). */
export function importedInterfaces(core: Uint8Array): string[] {
  return [...new Set(coreImports(core).map((i) => i.module))].sort();
}

/** The imports of a core module that are not WASI 0.2 interfaces (a preview1 or libc import). */
export function foreignImports(core: Uint8Array): string[] {
  return coreImports(core)
    .filter((i) => !i.module.startsWith('wasi:'))
    .map((i) => `${i.module}#${i.name}`);
}

async function componentize(w: Workload, core: Uint8Array): Promise<Uint8Array> {
  const foreign = foreignImports(core);
  if (foreign.length > 0) {
    throw new CBuildError(w.name, 'checking core imports', `the core module imports ${foreign.join(', ')}; only WASI 0.2 interfaces (wasi:http, wasi:io, the monotonic clock) are allowed (a libc function that does I/O was linked in)`);
  }
  try {
    return await handlerComponent(core, C_WORLD);
  } catch (e) {
    throw new CBuildError(w.name, 'jco componentEmbed/componentNew', (e as Error).message);
  }
}

/**
 * Builds (or finds in the cache) the packagings of C workload `w`: paths, digests and sizes of
 * the static server, the test harness, the core module and the component.
 */
export async function buildCWorkload(w: Workload, opts: CBuildOptions = {}): Promise<CWorkloadBuild> {
  const name = w.name;
  if (w.manifest.language !== 'c') throw new CBuildError(name, 'checking the manifest', `language is "${w.manifest.language}", not "c"`);
  const root = opts.cacheRoot ?? join(cacheDir, 'c');
  const { key, inputs } = await cacheKey(w);
  const dir = join(root, `${name}-${key.slice(7, 23)}`);
  const cached = readPortBuild<CWorkloadBuild>(dir, key);
  if (cached) return cached;

  const started = performance.now();
  opts.log?.(`c: building ${name} (native server, harness, wasm component)`);
  return buildPortDir<CWorkloadBuild>(dir, key, async (tmp, info) => {
    const handler = w.sourcePath;
    const common = [...C_FLAGS, '-I', '.', ...COMMON_SOURCES, handler];
    const serverPath = join(tmp, 'server');
    const harnessPath = join(tmp, 'harness');
    const corePath = join(tmp, 'core.wasm');
    await compile(w, 'native server (musl-gcc -static)', 'musl-gcc', ['-static', '-s', '-I', 'native', '-o', serverPath, ...NATIVE_SOURCES, ...common, '-lm']);
    await compile(w, 'test harness (musl-gcc -static)', 'musl-gcc', ['-static', '-s', '-o', harnessPath, ...HARNESS_SOURCES, ...common, '-lm']);
    await compile(w, 'wasm core module (clang --target=wasm32-wasi)', 'clang', [
      '--target=wasm32-wasi',
      '--sysroot=/usr',
      '-nostartfiles',
      '-Wl,--no-entry',
      '-Wl,--strip-all',
      '-o',
      corePath,
      ...WASM_SOURCES,
      ...common,
      ...WASM_LIBS,
    ]);
    const component = await componentize(w, readFileSync(corePath));
    writeFileSync(join(tmp, 'component.wasm'), component);
    writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);
    return {
      workload: name,
      sourceDigest: w.sourceDigest,
      key,
      dir,
      server: info('server'),
      harness: info('harness'),
      core: info('core.wasm'),
      component: info('component.wasm'),
      built: true,
      buildMs: Math.round(performance.now() - started),
    };
  });
}
