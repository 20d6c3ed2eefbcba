/**
 * A JS workload as a WASI 0.2 component: the compiled handler wrapped in the guest adapter
 * (guest-source.ts) and turned into a wasi:http proxy component by componentize-js
 * (StarlingMonkey, with its Wizer pre-initialisation). Cached by the content of every input
 * under `<cacheDir>/js/components/<name>-<key>/`: an unchanged input never rebuilds. The same
 * build also takes test guests that are complete guest modules (misbehaving tenants).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { publishDir } from '../../lab/publish-dir.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256 } from '../../lab/digest.js';
import { EnvironmentError, InputError } from '../../lab/errors.js';
import { cacheDir } from '../../lab/paths.js';
import { loadComponentize, toolVersions, WEVAL_VERSION, wevalBinary } from '../components/tools.js';
import type { BuiltComponent, BuiltFile, ComponentPackaging, LanguageBuildOptions } from '../languages/language.js';
import type { Workload } from '../types.js';
import { fixtureRequestBody } from '../fixtures.js';
import { ADAPTER_DIGEST, guestSource, warmupSource, type WarmupRequest } from './guest-source.js';
import { GUEST_WORLD, materializeWit, type GuestWorld } from './wit.js';

/** Name of the component file inside a build directory. */
export const COMPONENT_FILE = 'component.wasm';
/** The record beside it: the cache key and what went into it. */
const BUILD_FILE = 'build.json';

/** Root of the JS component cache. */
const jsCacheDir = (): string => join(cacheDir, 'js');

/** A componentize-js build failed: the handler is not one a component guest can run (exit 3); the message names it and why. */
export class ComponentizeError extends InputError {
  constructor(origin: string, detail: string) {
    super(`${origin}: componentize-js failed: ${detail}`);
    this.name = 'ComponentizeError';
  }
}

interface BuildRecord {
  key: string;
  origin: string;
  inputs: Record<string, string>;
  digest: string;
  sizeBytes: number;
  buildMs: number;
}

function shortKey(key: string): string {
  return key.slice('sha256:'.length, 'sha256:'.length + 16);
}

/** The cache key and inputs of a workload's component. */
export function workloadKey(w: Workload, witDigest: string): { key: string; inputs: Record<string, string> } {
  if (!existsSync(w.handlerPath)) {
    throw new EnvironmentError(`workload ${w.name}: compiled handler ${w.handlerPath} does not exist; build the project first (npm run build)`);
  }
  const inputs: Record<string, string> = {
    handlerSource: w.sourceDigest,
    handlerCompiled: sha256(readFileSync(w.handlerPath)),
    adapter: ADAPTER_DIGEST,
    wit: witDigest,
    // componentize-js runs its splicer on jco's preview2 shim: jco's version shapes the output too.
    jco: toolVersions.jco,
    componentizeJs: toolVersions.componentizeJs,
  };
  return { key: sha256(JSON.stringify(inputs)), inputs };
}

/** The pre-initialisation call's request: the workload's first traffic fixture. */
function warmupRequest(w: Workload): WarmupRequest {
  const f = w.trafficFixtures[0];
  if (!f) throw new InputError(`workload ${w.name}: wasm-component-preinit needs a traffic fixture to run the handler once at build time, and it has none`);
  return { method: f.request.method, path: f.request.path, headers: f.request.headers, body: fixtureRequestBody(f) };
}

/** Builds (or finds in the cache) the component of one JS workload, in `packaging` (default `wasm-component`). */
export async function buildJsComponent(w: Workload, opts: LanguageBuildOptions & { packaging?: ComponentPackaging } = {}): Promise<BuiltComponent> {
  const packaging = opts.packaging ?? 'wasm-component';
  const aot = packaging === 'wasm-component-aot';
  const wevalBin = aot ? wevalBinary() : undefined;
  if (aot && !wevalBin) throw aotUnavailable(w);
  const root = opts.cacheRoot ?? jsCacheDir();
  mkdirSync(root, { recursive: true });
  const wit = materializeWit(root);
  // AOT is deployed pre-initialised too: weval snapshots after the same warm-up call as preinit.
  const warmup = packaging !== 'wasm-component' ? warmupRequest(w) : undefined;
  const base = workloadKey(w, wit.digest);
  // The plain build keeps its key (and its cache); the others add what they ran and with what.
  const inputs = warmup ? { ...base.inputs, packaging, warmup: sha256(warmupSource(warmup)), ...(aot ? { weval: WEVAL_VERSION } : {}) } : base.inputs;
  const key = warmup ? sha256(JSON.stringify(inputs)) : base.key;
  const source = (): string => guestSource(readFileSync(w.handlerPath, 'utf8'), `workloads/${w.name}/handler.ts`, warmup);
  const name = warmup ? `${w.name}-${aot ? 'aot' : 'preinit'}` : w.name;
  const built = await componentizeCached(`workload:${w.name} (${packaging})`, name, key, inputs, source, wit, root, opts, wevalBin);
  return { ...built, packaging };
}

/** weval is not built on this machine: componentize-js would download it at build time, which the lab never does. */
function aotUnavailable(w: Workload): Error {
  return new EnvironmentError(
    `workload ${w.name}: wasm-component-aot needs the weval binary (.cache/weval/bin/weval, crates.io weval =${WEVAL_VERSION}), which bash scripts/setup.sh builds; componentize-js would download one from GitHub instead, which the lab never lets it do`,
  );
}

/**
 * Builds (or finds in the cache) a component from a complete guest module text that exports
 * `incomingHandler` itself: for guests that are not lab workloads (test guests that misbehave
 * on purpose, examples of bring-your-own components).
 */
export async function buildGuestComponent(name: string, guestJs: string, opts: LanguageBuildOptions = {}, world: GuestWorld = GUEST_WORLD): Promise<BuiltFile> {
  const root = opts.cacheRoot ?? jsCacheDir();
  mkdirSync(root, { recursive: true });
  const wit = materializeWit(root, world);
  const inputs: Record<string, string> = { guest: sha256(guestJs), wit: wit.digest, jco: toolVersions.jco, componentizeJs: toolVersions.componentizeJs };
  return componentizeCached(`guest:${name}`, name, sha256(JSON.stringify(inputs)), inputs, () => guestJs, wit, root, opts);
}

function cached(dir: string, key: string): BuiltFile | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dir, BUILD_FILE), 'utf8')) as BuildRecord;
    const path = join(dir, COMPONENT_FILE);
    if (r.key === key && existsSync(path)) return { path, digest: r.digest, sizeBytes: r.sizeBytes };
  } catch {
    // Absent, torn or foreign: build over it.
  }
  return undefined;
}

async function componentizeCached(
  origin: string,
  name: string,
  key: string,
  inputs: Record<string, string>,
  source: () => string,
  wit: { dir: string; world: GuestWorld },
  root: string,
  opts: LanguageBuildOptions,
  wevalBin?: string,
): Promise<BuiltFile> {
  const dir = join(root, 'components', `${name}-${shortKey(key)}`);
  const hit = cached(dir, key);
  if (hit) return hit;
  const started = performance.now();
  opts.log?.(`js: building component ${origin} (componentize-js ${toolVersions.componentizeJs}, takes a few seconds)`);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  const sourcePath = join(tmp, 'guest.js');
  try {
    writeFileSync(sourcePath, source());
    let component: Uint8Array;
    try {
      const componentize = await loadComponentize();
      ({ component } = await componentize({ sourcePath, witPath: wit.dir, worldName: wit.world, ...(wevalBin ? { enableAot: true, wevalBin } : {}) }));
    } catch (e) {
      throw new ComponentizeError(origin, (e as Error).message);
    }
    rmSync(sourcePath);
    writeFileSync(join(tmp, COMPONENT_FILE), component);
    const record: BuildRecord = { key, origin, inputs, digest: sha256(component), sizeBytes: component.byteLength, buildMs: Math.round(performance.now() - started) };
    writeFileSync(join(tmp, BUILD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    // Another process may finish the same key first: its build is as good as ours.
    if (publishDir(tmp, dir, () => cached(dir, key) !== undefined) === 'found') return cached(dir, key)!;
    const path = join(dir, COMPONENT_FILE);
    return { path, digest: record.digest, sizeBytes: statSync(path).size };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
