/**
 * The bare-process packaging of a Python workload and what every Python packaging shares: the
 * interpreter, the handler rules check, and the test harness. Built under
 * `<cacheDir>/py/apps/<workload>-<key>/`, keyed by every input (the handler, the packaging
 * scripts, the interpreter binary's digest), so an unchanged input is never rebuilt:
 *
 * - `app/`: server.pyc, handler.pyc, edge.pyc, edge_packaging.pyc: compiled once (sourceless,
 *   hash-unchecked .pyc), so neither an instance nor a read-only container compiles anything;
 *   `src/`: the sources they were compiled from, for the record;
 * - `stdlib/`: the standard library modules the server and handler load, as sourceless .pyc,
 *   found by running the server over every fixture of the workload (server.py's module list);
 * - `build.json`: the bare process's argv, and the FROM scratch image's file list (the
 *   interpreter, the libraries ldd lists for it and for each extension module, the modules, the
 *   app) and entrypoint.
 *
 * The interpreter is Debian's CPython 3.11 (`/usr/bin/python3.11`, packages python3.11-minimal
 * and libpython3.11-stdlib), the same binary for the process and the image, with `-I -S -B`:
 * isolated from the environment and user site, no site module, no bytecode written.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { sha256, sha256File } from '../../lab/digest.js';
import { EnvironmentError, InputError } from '../../lab/errors.js';
import { cacheDir, workloadsDir } from '../../lab/paths.js';
import { publishDir } from '../../lab/publish-dir.js';
import { programRuntimeFiles, sharedLibraryFiles, type RuntimeFile } from '../../lab/proc/runtime-files.js';
import { encodeRequest } from '../c/harness-client.js';
import { fixtureRequestBody } from '../fixtures.js';
import type { BuiltFile, InterpreterArtifact, LanguageBuildOptions } from '../languages/language.js';
import type { Workload } from '../types.js';

const run = promisify(execFile);

/** The interpreter of every native Python packaging: Debian's CPython 3.11. */
export const PYTHON = '/usr/bin/python3.11';
/** Isolated (no PYTHON* variables, no user site, script folder not on the path), no site module, no .pyc written. */
export const PYTHON_FLAGS = ['-I', '-S', '-B'];
/** Where the Python packagings live. */
export const pyDir = join(workloadsDir, 'py');
/** The packaging's own modules, beside every handler in every packaging. */
export const PACKAGING_MODULES = ['edge.py', 'edge_packaging.py'];

/** Bump when the recipe changes in a way the inputs do not show. */
const RECIPE_REVISION = '3';
const SETUP_HINT = "install Debian's CPython 3.11 (apt-get install python3.11-minimal libpython3.11-stdlib; bash scripts/setup.sh does)";
const STDLIB = '/usr/lib/python3.11';
/** Where the app lives in the image. */
const IMAGE_APP = '/app';

/** A Python handler breaks a handler rule; the message names the workload, the line and the rule. */
export class PythonRuleError extends InputError {
  constructor(
    readonly workload: string,
    readonly breaches: string[],
  ) {
    super(`workload ${workload}: the handler breaks the Python handler rules (workloads/py/rules.py):\n${breaches.map((b) => `  ${b}`).join('\n')}`);
    this.name = 'PythonRuleError';
  }
}

/** A Python build step failed; the message names the workload and the step. */
export class PythonBuildError extends InputError {
  constructor(workload: string, step: string, detail: string) {
    super(`Python workload ${workload}: ${step} failed: ${detail}`);
    this.name = 'PythonBuildError';
  }
}

/** The interpreter as recorded: version and the digest of its binary. */
export interface PythonRuntime {
  path: string;
  version: string;
  digest: string;
}

let runtime: PythonRuntime | undefined;

/** The interpreter's version and digest (checked once per process); EnvironmentError when it is missing. */
export async function pythonRuntime(): Promise<PythonRuntime> {
  if (runtime) return runtime;
  if (!existsSync(PYTHON)) throw new EnvironmentError(`Python packaging: ${PYTHON} does not exist; ${SETUP_HINT}`);
  const { stdout } = await run(PYTHON, [...PYTHON_FLAGS, '-c', 'import sys; print(sys.version.split()[0])']);
  runtime = { path: PYTHON, version: stdout.trim(), digest: sha256File(realpathSync(PYTHON)) };
  return runtime;
}

function requirePython(w: Workload): void {
  if (w.manifest.language !== 'py') throw new PythonBuildError(w.name, 'checking the manifest', `language is "${w.manifest.language}", not "py"`);
}

const checked = new Map<string, Promise<void>>();

/**
 * The static half of the handler rules (workloads/py/rules.py: imports, built-ins): throws
 * PythonRuleError listing every breach. Every Python packaging runs it first, so a handler that
 * breaks a rule has no artifact and fails its identity test with this message.
 */
export function checkPythonRules(w: Workload): Promise<void> {
  const key = `${w.name}:${w.sourceDigest}`;
  let p = checked.get(key);
  if (!p) {
    p = (async () => {
      await pythonRuntime();
      try {
        await run(PYTHON, [...PYTHON_FLAGS, join(pyDir, 'rules.py'), w.name, w.sourcePath]);
      } catch (e) {
        const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
        if (err.code === 1) throw new PythonRuleError(w.name, (err.stdout ?? '').trim().split('\n').map((l) => l.replace(`workload ${w.name}: `, '')));
        throw new PythonBuildError(w.name, 'checking the handler rules', (err.stderr || err.message).trim());
      }
    })();
    checked.set(key, p);
    p.catch(() => checked.delete(key));
  }
  return p;
}

/** Argv of the test harness (workloads/py/harness.py) for workload `w`: the direct-call packaging, with the run-time rules guard. */
export async function pythonHarnessCommand(w: Workload): Promise<string[]> {
  requirePython(w);
  await checkPythonRules(w);
  return [PYTHON, ...PYTHON_FLAGS, join(pyDir, 'harness.py'), w.dir, pyDir];
}

/** What `build.json` records. */
interface AppBuild {
  key: string;
  inputs: Record<string, string>;
  handler: BuiltFile;
  command: string[];
  image: { files: RuntimeFile[]; entrypoint: string[] };
  runtime: PythonRuntime;
  /** Standard library modules the image carries, by name. */
  modules: string[];
  /** Every module serving the fixtures loaded (built-in and frozen ones too), by name. */
  loaded: string[];
  buildMs: number;
}

const BUILD_FILE = 'build.json';
const APP_FILES = ['server.py', ...PACKAGING_MODULES];

function readBuild(dir: string, key: string): AppBuild | undefined {
  try {
    const b = JSON.parse(readFileSync(join(dir, BUILD_FILE), 'utf8')) as AppBuild;
    if (b.key !== key || !b.image.files.every((f) => existsSync(f.hostPath))) return undefined;
    return b;
  } catch {
    return undefined;
  }
}

/** Compiles each [source, target] into a sourceless, hash-unchecked .pyc with this interpreter. */
async function compileAll(w: Workload, pairs: Array<[string, string, string]>): Promise<void> {
  for (const [, target] of pairs) mkdirSync(dirname(target), { recursive: true });
  const script = [
    'import py_compile, sys',
    'for line in sys.stdin.read().splitlines():',
    '    src, dst, shown = line.split("\\t")',
    '    py_compile.compile(src, cfile=dst, dfile=shown, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(PYTHON, [...PYTHON_FLAGS, '-c', script], (e, _out, err) => (e ? reject(new PythonBuildError(w.name, 'compiling to .pyc', (err || e.message).trim())) : resolve()));
    child.stdin!.end(pairs.map((p) => p.join('\t')).join('\n'));
  });
}

/** The module files serving needs: the server run over every fixture in listing mode (server.py list_modules). */
async function listModules(w: Workload, appDir: string, scratch: string): Promise<Array<{ name: string; file: string }>> {
  const requests = w.fixtures.map((f) =>
    encodeRequest({ method: f.request.method, path: f.request.path, headers: Object.entries(f.request.headers).map(([k, v]) => [k, Buffer.from(v, 'latin1')]), body: fixtureRequestBody(f) }),
  );
  const fixturesFile = join(scratch, 'fixtures.bin');
  writeFileSync(fixturesFile, Buffer.concat(requests));
  let stdout: string;
  try {
    ({ stdout } = await run(PYTHON, [...PYTHON_FLAGS, join(appDir, 'server.pyc'), appDir], { env: { LAB_LIST_MODULES: fixturesFile }, maxBuffer: 4 * 1024 * 1024 }));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new PythonBuildError(w.name, 'listing the modules the server and handler load', (err.stderr || err.message).trim());
  }
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [name, file] = l.split('\t') as [string, string];
      return { name, file };
    });
}

/**
 * Builds (or finds in the cache) the bare-process packaging of Python workload `w`: the
 * compiled app, the interpreter's argv, and the FROM scratch image's file list.
 */
export async function buildPythonApp(w: Workload, opts: LanguageBuildOptions = {}): Promise<InterpreterArtifact> {
  const built = await appBuild(w, opts);
  return { kind: 'interpreter', packaging: 'cpython', file: built.handler, command: built.command, image: built.image, runtime: { name: 'CPython', ...built.runtime } };
}

/**
 * Every module serving `w`'s fixtures loads natively (the server's own and the handler's, lazy
 * imports of the standard library included): what the component imports before its snapshot.
 */
export async function servedModules(w: Workload, opts: LanguageBuildOptions = {}): Promise<string[]> {
  return (await appBuild(w, opts)).loaded;
}

async function appBuild(w: Workload, opts: LanguageBuildOptions): Promise<AppBuild> {
  requirePython(w);
  await checkPythonRules(w);
  const py = await pythonRuntime();
  const inputs: Record<string, string> = { handler: w.sourceDigest, python: `${py.version} ${py.digest}`, recipe: RECIPE_REVISION };
  for (const f of APP_FILES) inputs[f] = sha256File(join(pyDir, f));
  const key = sha256(JSON.stringify(inputs));
  const dir = join(opts.cacheRoot ?? join(cacheDir, 'py'), 'apps', `${w.name}-${key.slice(7, 23)}`);
  return readBuild(dir, key) ?? (await build(w, dir, key, inputs, py, opts));
}

async function build(w: Workload, dir: string, key: string, inputs: Record<string, string>, py: PythonRuntime, opts: LanguageBuildOptions): Promise<AppBuild> {
  const started = performance.now();
  opts.log?.(`py: building ${w.name} (bare-process app and its image's file list)`);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(join(tmp, 'src'), { recursive: true });
  try {
    const sources: Record<string, string> = { 'handler.py': w.sourcePath };
    for (const f of APP_FILES) sources[f] = join(pyDir, f);
    for (const [name, from] of Object.entries(sources)) cpSync(from, join(tmp, 'src', name));
    const pyc = (name: string): string => name.replace(/\.py$/, '.pyc');
    await compileAll(
      w,
      Object.keys(sources).map((name): [string, string, string] => [join(tmp, 'src', name), join(tmp, 'app', pyc(name)), `${IMAGE_APP}/${name}`]),
    );
    const modules = await listModules(w, join(tmp, 'app'), tmp);
    // The standard library: .py as sourceless .pyc at its own path, extension modules as they
    // are with their libraries; os.py stays the prefix landmark the interpreter looks for.
    const files: RuntimeFile[] = [];
    const stdlibPy: Array<[string, string, string]> = [[join(STDLIB, 'os.py'), join(tmp, 'stdlib', 'os.pyc'), join(STDLIB, 'os.py')]];
    const names: string[] = [];
    for (const m of modules) {
      if (m.file === 'built-in' || m.file === 'frozen') continue; // inside the interpreter binary
      const at = relative(join(tmp, 'app'), m.file);
      if (!at.startsWith('..')) continue; // the app's own modules
      if (!m.file.startsWith(`${STDLIB}/`)) throw new PythonBuildError(w.name, 'collecting the image', `module ${m.name} loads from ${m.file}, outside ${STDLIB}: a handler's modules must come from the standard library`);
      names.push(m.name);
      const rel = relative(STDLIB, m.file);
      if (m.file.endsWith('.py')) {
        if (rel !== 'os.py') stdlibPy.push([m.file, join(tmp, 'stdlib', pyc(rel)), m.file]);
      } else {
        files.push({ imagePath: m.file, hostPath: realpathSync(m.file), mode: 0o644 }, ...sharedLibraryFiles(m.file));
      }
    }
    await compileAll(w, stdlibPy);
    for (const [, target] of stdlibPy) files.push({ imagePath: join(STDLIB, relative(join(tmp, 'stdlib'), target)), hostPath: join(dir, relative(tmp, target)), mode: 0o644 });
    for (const name of Object.keys(sources)) files.push({ imagePath: `${IMAGE_APP}/${pyc(name)}`, hostPath: join(dir, 'app', pyc(name)), mode: 0o644 });
    files.push(...programRuntimeFiles(PYTHON));
    // The interpreter finds its exec prefix by the lib-dynload folder and warns on stderr at every
    // start without it; a workload that loads no extension module still gets the folder, through
    // an empty file (build contexts carry regular files only).
    const keep = join(tmp, 'lib-dynload.keep');
    writeFileSync(keep, '');
    files.push({ imagePath: join(STDLIB, 'lib-dynload', '.keep'), hostPath: join(dir, 'lib-dynload.keep'), mode: 0o644 });
    // One entry per image path (two extension modules may share a library).
    const image = { files: [...new Map(files.map((f) => [f.imagePath, f])).values()].sort((a, b) => a.imagePath.localeCompare(b.imagePath)), entrypoint: [PYTHON, ...PYTHON_FLAGS, `${IMAGE_APP}/server.pyc`, IMAGE_APP] };
    const handlerCopy = join(tmp, 'src', 'handler.py');
    const record: AppBuild = {
      key,
      inputs,
      handler: { path: join(dir, 'src', 'handler.py'), digest: sha256File(handlerCopy), sizeBytes: statSync(handlerCopy).size },
      command: [PYTHON, ...PYTHON_FLAGS, join(dir, 'app', 'server.pyc'), join(dir, 'app')],
      image,
      runtime: py,
      modules: names.sort(),
      loaded: modules.map((m) => m.name).filter((n) => !['handler', 'edge', 'edge_packaging'].includes(n)).sort(),
      buildMs: Math.round(performance.now() - started),
    };
    rmSync(join(tmp, 'fixtures.bin'), { force: true });
    writeFileSync(join(tmp, BUILD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    // Another process may finish the same key first: its build is as good as ours.
    return publishDir(tmp, dir, () => readBuild(dir, key) !== undefined) === 'found' ? readBuild(dir, key)! : record;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
