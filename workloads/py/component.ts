/**
 * A Python workload as a WASI 0.2 component: the handler, the lab's edge helpers and the adapter
 * (workloads/py/guest.py, as module `lab_guest`) turned into a wasi:http component by
 * componentize-py (PyPI, pinned; scripts/setup.sh installs it into `.cache/python-tools/`). It
 * links CPython for WASI into the component and snapshots the interpreter after the app module's
 * top level ran (its Wizer step); `wasm-component-preinit` adds one call of the handler on the
 * workload's first traffic fixture to that top level. Cached by every input under
 * `<cacheDir>/py/components/<name>-<key>/`.
 *
 * componentize-py ships CPython and its standard library inside its wheel and fetches nothing;
 * the build runs without a network (`unshare --net`) where the kernel lets it, so that stays true.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { sha256, sha256File } from '../../lab/digest.js';
import { EnvironmentError, InputError } from '../../lab/errors.js';
import { cacheDir, projectRoot } from '../../lab/paths.js';
import { publishDir } from '../../lab/publish-dir.js';
import { fixtureRequestBody } from '../fixtures.js';
import { GUEST_WORLD, materializeWit } from '../js/wit.js';
import type { BuiltComponent, ComponentPackaging, LanguageBuildOptions } from '../languages/language.js';
import type { Workload } from '../types.js';
import { checkPythonRules, PACKAGING_MODULES, pyDir, servedModules } from './build.js';

const run = promisify(execFile);

/** The componentize-py release the lab builds with (PyPI; setup installs exactly this). */
export const COMPONENTIZE_PY_VERSION = '0.25.1';
/** Where setup installs it: a venv of its own. */
export const componentizePyBin = join(projectRoot, '.cache', 'python-tools', `componentize-py-${COMPONENTIZE_PY_VERSION}`, 'bin', 'componentize-py');
/** The adapter's module name inside the component. */
const APP_MODULE = 'lab_guest';
const COMPONENT_FILE = 'component.wasm';
const BUILD_FILE = 'build.json';
const RECIPE_REVISION = '1';

/** componentize-py refused the app (a handler that fails at import or on its warm-up call, exit 3); the message names the workload. */
export class ComponentizePyError extends InputError {
  constructor(workload: string, packaging: string, detail: string) {
    super(`workload ${workload} (${packaging}): componentize-py failed: ${detail}`);
    this.name = 'ComponentizePyError';
  }
}

let toolChecked: Promise<void> | undefined;

/** componentize-py is installed, at the pinned version; EnvironmentError naming the fix otherwise. */
export function requireComponentizePy(): Promise<void> {
  toolChecked ??= (async () => {
    const fix = `run bash scripts/setup.sh (it installs componentize-py ${COMPONENTIZE_PY_VERSION} from PyPI into .cache/python-tools/)`;
    if (!existsSync(componentizePyBin)) throw new EnvironmentError(`Python components: ${componentizePyBin} does not exist; ${fix}`);
    const { stdout } = await run(componentizePyBin, ['--version']);
    if (stdout.trim() !== `componentize-py ${COMPONENTIZE_PY_VERSION}`) throw new EnvironmentError(`Python components: ${componentizePyBin} is ${stdout.trim()}, not ${COMPONENTIZE_PY_VERSION}; ${fix}`);
  })();
  toolChecked.catch(() => (toolChecked = undefined));
  return toolChecked;
}

/** The pre-initialisation call appended to the adapter: the workload's first traffic fixture. */
function warmupSource(w: Workload): string {
  const f = w.trafficFixtures[0];
  if (!f) throw new InputError(`workload ${w.name}: wasm-component-preinit needs a traffic fixture to run the handler once at build time, and it has none`);
  // Python literals from JSON: strings and a dict of strings only, so JSON text is valid Python.
  const headers = JSON.stringify(f.request.headers);
  const body = Buffer.from(fixtureRequestBody(f)).toString('base64');
  return `\n# Pre-initialisation (wasm-component-preinit): one call before the snapshot.\nimport binascii as _binascii\nwarm_up(${JSON.stringify(f.request.method.toUpperCase())}, ${JSON.stringify(f.request.path)}, ${headers}, _binascii.a2b_base64(${JSON.stringify(body)}))\n`;
}

let unshareWorks: Promise<boolean> | undefined;

/** Whether this process may run a command without a network (root, or user namespaces). */
function canUnshareNet(): Promise<boolean> {
  unshareWorks ??= run('unshare', ['--net', 'true']).then(
    () => true,
    () => false,
  );
  return unshareWorks;
}

function cached(dir: string, key: string): BuiltComponent | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dir, BUILD_FILE), 'utf8')) as { key: string; digest: string; sizeBytes: number; packaging: ComponentPackaging };
    const path = join(dir, COMPONENT_FILE);
    if (r.key === key && existsSync(path)) return { path, digest: r.digest, sizeBytes: r.sizeBytes, packaging: r.packaging };
  } catch {
    // Absent, torn or foreign: build over it.
  }
  return undefined;
}

/** Builds (or finds in the cache) the component of Python workload `w`, in `packaging` (default `wasm-component`). */
export async function buildPythonComponent(w: Workload, opts: LanguageBuildOptions & { packaging?: ComponentPackaging } = {}): Promise<BuiltComponent> {
  const asked = opts.packaging ?? 'wasm-component';
  // No ahead-of-time compilation of the interpreter exists for CPython components: the plain
  // build is served, and the artifact says so (as C's does).
  const packaging: ComponentPackaging = asked === 'wasm-component-aot' ? 'wasm-component' : asked;
  const note = asked === 'wasm-component-aot' ? 'wasm-component-aot does not apply to Python (componentize-py has no AOT step): the plain component is served' : undefined;
  await checkPythonRules(w);
  const root = opts.cacheRoot ?? join(cacheDir, 'py');
  mkdirSync(root, { recursive: true });
  const wit = materializeWit(root, GUEST_WORLD);
  const preload = `\n# The modules serving this workload's fixtures loads natively (workloads/py/build.ts).\npreload(${JSON.stringify(await servedModules(w, opts))})\n`;
  const adapter = readFileSync(join(pyDir, 'guest.py'), 'utf8') + preload + (packaging === 'wasm-component-preinit' ? warmupSource(w) : '');
  const inputs: Record<string, string> = {
    handler: w.sourceDigest,
    adapter: sha256(adapter),
    wit: wit.digest,
    componentizePy: COMPONENTIZE_PY_VERSION,
    packaging,
    recipe: RECIPE_REVISION,
  };
  for (const m of PACKAGING_MODULES) inputs[m] = sha256File(join(pyDir, m));
  const key = sha256(JSON.stringify(inputs));
  const dir = join(root, 'components', `${w.name}${packaging === 'wasm-component-preinit' ? '-preinit' : ''}-${key.slice(7, 23)}`);
  const hit = cached(dir, key);
  if (hit) return note ? { ...hit, note } : hit;

  await requireComponentizePy();
  const started = performance.now();
  opts.log?.(`py: building component ${w.name} (${packaging}; componentize-py ${COMPONENTIZE_PY_VERSION}, takes tens of seconds)`);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  const app = join(tmp, 'app');
  mkdirSync(app, { recursive: true });
  try {
    writeFileSync(join(app, `${APP_MODULE}.py`), adapter);
    cpSync(w.sourcePath, join(app, 'handler.py'));
    for (const m of PACKAGING_MODULES) cpSync(join(pyDir, m), join(app, m));
    const out = join(tmp, COMPONENT_FILE);
    const args = ['-d', wit.dir, '-w', wit.world, 'componentize', '-p', app, APP_MODULE, '-o', out];
    const offline = await canUnshareNet();
    // No VIRTUAL_ENV: componentize-py would add that venv's site-packages to the app's path.
    const { VIRTUAL_ENV: _venv, ...env } = process.env;
    try {
      await run(offline ? 'unshare' : componentizePyBin, offline ? ['--net', componentizePyBin, ...args] : args, { cwd: tmp, env, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      const detail = `${err.stderr ?? ''}${err.stdout ?? ''}`.trim().split('\n').slice(-25).join('\n') || err.message;
      throw new ComponentizePyError(w.name, packaging, detail);
    }
    const record = {
      key,
      origin: `workload:${w.name} (${packaging})`,
      inputs,
      network: offline ? 'none (unshare --net)' : 'not isolated (unshare unavailable)',
      packaging,
      digest: sha256File(out),
      sizeBytes: statSync(out).size,
      buildMs: Math.round(performance.now() - started),
    };
    rmSync(app, { recursive: true, force: true });
    writeFileSync(join(tmp, BUILD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    // Another process may finish the same key first: its build is as good as ours.
    publishDir(tmp, dir, () => cached(dir, key) !== undefined);
    const built = cached(dir, key)!;
    return note ? { ...built, note } : built;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
