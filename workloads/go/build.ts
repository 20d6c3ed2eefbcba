/**
 * Builds the packagings of a Go workload from its one handler.go with the installed Go toolchain
 * (standard library only: no module is ever downloaded), cached by content hash under
 * `<cacheDir>/go/<workload>-<key>`: an unchanged input (Go sources, go version, flags, WIT, jco and
 * its adapter) is never rebuilt. Three artifacts per workload, as for C:
 *
 * - `server`: net/http around the handler, CGO_ENABLED=0, a static executable (the whole of a
 *   FROM scratch image, and the process runner's bare process);
 * - `harness`: the handler behind the stdin/stdout framing of the C harness (tests);
 * - `component.wasm`: standard Go's WASI preview1 reactor (GOOS=wasip1 -buildmode=c-shared) with
 *   hand-written canonical-ABI glue (workloads/go/wasm/glue.go), embedded with the wasi:http world
 *   and made a component by jco's componentNew with the preview1 reactor adapter jco ships.
 *
 * Before compiling, the handler's imports are checked against the handler rules (no clock, no
 * randomness, no I/O); a breach is a GoHandlerRuleError naming the workload and the rule.
 * Other failures throw GoBuildError naming the workload, the step and what to install.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sha256, sha256File } from '../../lab/digest.js';
import { ExitCode, LabError } from '../../lab/errors.js';
import { cacheDir, workloadsDir } from '../../lab/paths.js';
import { handlerWitSource } from '../c/wit.js';
import { buildPortDir, handlerComponent, readPortBuild } from '../components/port-build.js';
import type { BuiltFile, LanguageBuildOptions } from '../languages/language.js';
import type { Workload } from '../types.js';
import { handlerRuleBreaches } from './rules.js';

const run = promisify(execFile);

/** Bump when the build recipe changes in a way the inputs below do not show. */
const RECIPE_REVISION = '1';

/** The world the component is embedded against (it exports wasi:http/incoming-handler@0.2.10). */
export const GO_WORLD = 'edge-pop-lab:go-guest/go-handler';

/** Stripped, and no build paths in the binaries: the same sources give the same bytes anywhere. */
const GO_FLAGS = ['-trimpath', '-ldflags=-s -w'];

/** The Go program directories of workloads/go, each a `package main` built once per workload. */
const PROGRAMS = { server: 'native', harness: 'harness', core: 'wasm' } as const;

/**
 * The WASI preview1 functions a Go reactor imports without doing any I/O of its own: the
 * runtime's (clocks for the scheduler and the GC, randomness for map seeds, stderr and exit for a
 * fatal error, the environment) and, once a standard package links `os` (crypto/* do, through
 * the FIPS module's settings), the syscall package's start-up (it lists the preopened directories
 * and sets up stdin, stdout and stderr). The adapter turns them into wasi:cli, clocks, random, io
 * and filesystem imports. Anything else (path_open, fd_read, sock_*) means the handler reached
 * for I/O, which the rules forbid.
 */
export const GO_RUNTIME_PREVIEW1 = [
  'args_get',
  'args_sizes_get',
  'clock_time_get',
  'environ_get',
  'environ_sizes_get',
  'fd_write',
  'poll_oneoff',
  'proc_exit',
  'random_get',
  'sched_yield',
  // syscall's init on wasip1, linked with os:
  'fd_close',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_prestat_dir_name',
  'fd_prestat_get',
];

const SETUP_HINT = 'install Go 1.24 or newer, the first with //go:wasmexport and wasip1 reactors (go on PATH; scripts/setup.sh uses it for Vegeta too; tested with 1.26)';

/** A Go build failed; the message names the workload, the step and the fix. */
export class GoBuildError extends LabError {
  constructor(
    readonly workload: string,
    readonly step: string,
    detail: string,
  ) {
    super(`Go workload ${workload}: ${step} failed: ${detail}`, ExitCode.environment);
    this.name = 'GoBuildError';
  }
}

/** A handler that breaks the handler rules (workloads/README.md): named with the workload and the rule. */
export class GoHandlerRuleError extends LabError {
  constructor(
    readonly workload: string,
    readonly breaches: string[],
  ) {
    super(`Go workload ${workload} breaks the handler rules: ${breaches.join('; ')}`, ExitCode.invalidInput);
    this.name = 'GoHandlerRuleError';
  }
}

/** The packagings of one Go workload, as built. */
export interface GoWorkloadBuild {
  workload: string;
  /** `sha256:` of handler.go (the workload registry's sourceDigest). */
  sourceDigest: string;
  /** `sha256:` of every input: the cache key. */
  key: string;
  dir: string;
  goVersion: string;
  /** Static net/http server (the container image's only file, the bare process). */
  server: BuiltFile;
  /** Test harness (stdin/stdout framing). */
  harness: BuiltFile;
  /** The reactor core module inside the component (imports: wasi:http, wasi:io, the Go runtime's preview1). */
  core: BuiltFile;
  /** The WASI 0.2 component. */
  component: BuiltFile;
  /** Whether this call built it (false: found in the cache). */
  built: boolean;
  buildMs: number;
}

const goDir = join(workloadsDir, 'go');

/** jco's folder (its lib/ holds the WIT packages and the preview1 adapters). */
function jcoRoot(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco'))), '..');
}

/** The preview1 reactor adapter jco ships (wasmtime's wasi_snapshot_preview1.reactor.wasm). */
export function reactorAdapterPath(): string {
  return join(jcoRoot(), 'lib', 'wasi_snapshot_preview1.reactor.wasm');
}

function jcoVersion(): string {
  return (JSON.parse(readFileSync(join(jcoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The environment of every go command: the local toolchain only, no proxy, no workspace, caches under the lab's. */
function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
    GOFLAGS: '',
    GOWORK: 'off',
    GO111MODULE: 'on',
    GOCACHE: join(cacheDir, 'go', 'gocache'),
    GOPATH: join(cacheDir, 'go', 'gopath'),
    CGO_ENABLED: '0',
    ...extra,
  };
}

async function goVersion(workload: string): Promise<string> {
  try {
    const { stdout } = await run('go', ['version'], { env: goEnv() });
    return stdout.trim();
  } catch {
    throw new GoBuildError(workload, 'finding go', `go is not installed; ${SETUP_HINT}`);
  }
}

/** The Go architecture of this machine, for the native server and harness. */
function hostGoArch(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return arch[process.arch] ?? process.arch;
}

/** Every file under workloads/go that goes into a build (relative path -> digest). */
function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path, `${rel}${e.name}/`);
      else if (e.name.endsWith('.go') || e.name === 'go.mod') files.set(`${rel}${e.name}`, path);
    }
  };
  walk(goDir, '');
  return files;
}

async function cacheKey(w: Workload): Promise<{ key: string; inputs: Record<string, string>; goVersion: string }> {
  const version = await goVersion(w.name);
  const inputs: Record<string, string> = { handler: w.sourceDigest };
  for (const [rel, path] of sourceFiles()) inputs[`go/${rel}`] = sha256File(path);
  Object.assign(inputs, {
    go: version,
    nativeArch: hostGoArch(),
    flags: JSON.stringify(GO_FLAGS),
    wit: sha256(handlerWitSource(GO_WORLD)),
    jco: jcoVersion(),
    adapter: sha256File(reactorAdapterPath()),
    recipe: RECIPE_REVISION,
  });
  return { key: sha256(JSON.stringify(inputs)), inputs, goVersion: version };
}

async function goCommand(w: Workload, step: string, cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run('go', args, { cwd, env: goEnv(env), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new GoBuildError(w.name, step, `go is not installed; ${SETUP_HINT}`);
    const detail = (err.stderr ?? err.message).trim().split('\n').slice(0, 30).join('\n');
    throw new GoBuildError(w.name, step, `go ${args.join(' ')}\n${detail}`);
  }
}

/** A module tree in `src`: workloads/go plus the workload's handler.go as package `handler`. */
function stageSources(w: Workload, src: string): void {
  for (const [rel, path] of sourceFiles()) {
    mkdirSync(dirname(join(src, rel)), { recursive: true });
    copyFileSync(path, join(src, rel));
  }
  mkdirSync(join(src, 'handler'), { recursive: true });
  copyFileSync(w.sourcePath, join(src, 'handler', 'handler.go'));
}

/** What a core module imports and exports (names only). */
export function coreModuleInterface(core: Uint8Array): { imports: Array<{ module: string; name: string }>; exports: string[] } {
  // The project's lib has no WebAssembly types; only the calls used here are declared.
  const wa = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): { module: string; name: string }[]; exports(m: object): { name: string }[] } } }).WebAssembly;
  const mod = new wa.Module(core);
  return { imports: wa.Module.imports(mod), exports: wa.Module.exports(mod).map((e) => e.name) };
}

/** The core module's imports that neither wasi:* nor the Go runtime's own preview1 set explain. */
export function unexpectedCoreImports(core: Uint8Array): string[] {
  return coreModuleInterface(core)
    .imports.filter((i) => !i.module.startsWith('wasi:') && !(i.module === 'wasi_snapshot_preview1' && GO_RUNTIME_PREVIEW1.includes(i.name)))
    .map((i) => `${i.module}#${i.name}`);
}

async function componentize(w: Workload, core: Uint8Array): Promise<Uint8Array> {
  const unexpected = unexpectedCoreImports(core);
  if (unexpected.length > 0) {
    throw new GoHandlerRuleError(w.name, [`its core module imports ${unexpected.join(', ')}: no I/O (a handler reads nothing but its request; the Go runtime and the syscall package's start-up alone need ${GO_RUNTIME_PREVIEW1.join(', ')})`]);
  }
  try {
    return await handlerComponent(core, GO_WORLD, [['wasi_snapshot_preview1', readFileSync(reactorAdapterPath())]]);
  } catch (e) {
    throw new GoBuildError(w.name, 'jco componentEmbed/componentNew (preview1 reactor adapter)', (e as Error).message);
  }
}

/**
 * Builds (or finds in the cache) the packagings of Go workload `w`: paths, digests and sizes of
 * the static server, the test harness, the core module and the component.
 */
export async function buildGoWorkload(w: Workload, opts: LanguageBuildOptions = {}): Promise<GoWorkloadBuild> {
  const name = w.name;
  if (w.manifest.language !== 'go') throw new GoBuildError(name, 'checking the manifest', `language is "${w.manifest.language}", not "go"`);
  const root = opts.cacheRoot ?? join(cacheDir, 'go');
  const { key, inputs, goVersion: version } = await cacheKey(w);
  const dir = join(root, `${name}-${key.slice(7, 23)}`);
  const cached = readPortBuild<GoWorkloadBuild>(dir, key);
  if (cached) return cached;

  const started = performance.now();
  opts.log?.(`go: building ${name} (static server, harness, wasm component; the first build compiles the standard library)`);
  return buildPortDir<GoWorkloadBuild>(dir, key, async (tmp, info) => {
    const src = join(tmp, 'src');
    stageSources(w, src);
    const imports = (await goCommand(w, 'listing the handler imports', src, ['list', '-f', '{{join .Imports "\\n"}}', './handler'])).split('\n').filter(Boolean);
    const breaches = handlerRuleBreaches(imports);
    if (breaches.length > 0) throw new GoHandlerRuleError(name, breaches);
    const native = { GOOS: 'linux', GOARCH: hostGoArch() };
    await goCommand(w, 'static server (CGO_ENABLED=0 go build)', src, ['build', ...GO_FLAGS, '-o', join(tmp, 'server'), `./${PROGRAMS.server}`], native);
    await goCommand(w, 'test harness (CGO_ENABLED=0 go build)', src, ['build', ...GO_FLAGS, '-o', join(tmp, 'harness'), `./${PROGRAMS.harness}`], native);
    await goCommand(w, 'wasm core module (GOOS=wasip1 go build -buildmode=c-shared)', src, ['build', '-buildmode=c-shared', ...GO_FLAGS, '-o', join(tmp, 'core.wasm'), `./${PROGRAMS.core}`], { GOOS: 'wasip1', GOARCH: 'wasm' });
    rmSync(src, { recursive: true, force: true });
    writeFileSync(join(tmp, 'component.wasm'), await componentize(w, readFileSync(join(tmp, 'core.wasm'))));
    writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);
    return {
      workload: name,
      sourceDigest: w.sourceDigest,
      key,
      dir,
      goVersion: version,
      server: info('server'),
      harness: info('harness'),
      core: info('core.wasm'),
      component: info('component.wasm'),
      built: true,
      buildMs: Math.round(performance.now() - started),
    };
  });
}
