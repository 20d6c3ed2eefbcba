/**
 * The component of each tenant workload, for both Wasm runners (V8 `wasm`, `wasmtime`): a
 * component the scenario brings by path (`options.components`), or the workload's own, built by
 * its language (workloads/languages/). One artifact, two runtimes: both runners serve the same
 * bytes, and record the same digests.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { sha256File } from '../../lab/digest.js';
import { ExitCode, LabError } from '../../lab/errors.js';
import { languageOf } from '../../workloads/languages/index.js';
import { COMPONENT_PACKAGINGS, type BuiltComponent, type ComponentPackaging, type LanguageBuildOptions } from '../../workloads/languages/language.js';
import { fixtureRequestBody, loadWorkload } from '../../workloads/registry.js';
import type { Workload } from '../../workloads/types.js';

/**
 * The V8 flag a Node process needs to compile every component the lab builds: extended constant
 * expressions are standard Wasm (on by default from V8 11.4), but Node 20's V8 11.3 keeps them
 * behind this flag, and componentize-py's dynamically linked CPython uses them. Both Node Wasm
 * hosts (the V8 host, `jco serve`) run with it.
 */
export const WASM_EXTENDED_CONST_FLAG = '--experimental-wasm-extended-const';

/** A component file that cannot run as a tenant; the message names the file and says why. */
export class BadComponentError extends LabError {
  constructor(file: string, why: string) {
    super(`component ${file}: ${why}`, ExitCode.invalidInput);
    this.name = 'BadComponentError';
  }
}

/** A component file per workload, with its record. */
export interface ResolvedComponent {
  file: string;
  digest: string;
  /** The handler source's digest; a brought component has no lab source, so its own digest stands for it. */
  sourceDigest: string;
  sizeBytes: number;
  /** True when the scenario brought it (the host checks it before use); false when the lab built it. */
  brought: boolean;
  /** The packaging it has (a brought component is taken as it is: `wasm-component`). */
  packaging: ComponentPackaging;
  /** Why it is not the packaging asked for, when it is not (a language without init, a fallback). */
  note?: string;
}

/** How a Wasm runner's components are packaged (its `packaging` and `preinitFallback` options). */
export interface PackagingChoice {
  packaging: ComponentPackaging;
  /** When pre-initialisation fails: `true` serves the plain build and says why; `false` (default) fails the runtime. */
  preinitFallback: boolean;
}

/** The default: components as their language builds them. */
export const PLAIN: PackagingChoice = { packaging: 'wasm-component', preinitFallback: false };

/** Problems of the `packaging` and `preinitFallback` options. */
export function packagingOptionProblems(options: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const p = options.packaging;
  if (p !== undefined && !(typeof p === 'string' && (COMPONENT_PACKAGINGS as readonly string[]).includes(p))) problems.push(`options.packaging: one of ${COMPONENT_PACKAGINGS.join(', ')}, got ${JSON.stringify(p)}`);
  if (options.preinitFallback !== undefined && typeof options.preinitFallback !== 'boolean') problems.push(`options.preinitFallback: must be true or false, got ${JSON.stringify(options.preinitFallback)}`);
  return problems;
}

/** The packaging choice of checked options. */
export function packagingChoice(options: Record<string, unknown>): PackagingChoice {
  return { packaging: (options.packaging as ComponentPackaging | undefined) ?? 'wasm-component', preinitFallback: options.preinitFallback === true };
}

const WORKLOAD_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Problems of a Wasm runner's `components` option (bring your own component): a map from
 * workload name to a component file path.
 */
export function componentsOptionProblems(c: unknown): string[] {
  if (c === undefined) return [];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return ['options.components: must map workload names to component file paths'];
  const problems: string[] = [];
  for (const [name, path] of Object.entries(c)) {
    if (!WORKLOAD_NAME.test(name)) problems.push(`options.components.${name}: not a workload name ([a-z0-9-]+)`);
    if (typeof path !== 'string' || path === '') problems.push(`options.components.${name}: must be a path to a .wasm component file`);
  }
  return problems;
}

/** The component of `workload`: the brought file when `brought` names one, else its language's build in the chosen packaging. */
export async function resolveComponent(workload: string, brought: string | undefined, opts: LanguageBuildOptions = {}, choice: PackagingChoice = PLAIN): Promise<ResolvedComponent> {
  if (brought !== undefined) {
    const file = resolve(brought);
    let size: number;
    try {
      size = statSync(file).size;
    } catch (e) {
      throw new BadComponentError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const digest = sha256File(file);
    return { file, digest, sourceDigest: digest, sizeBytes: size, brought: true, packaging: 'wasm-component', ...(choice.packaging !== 'wasm-component' ? { note: `brought components are served as they are, not ${choice.packaging}` } : {}) };
  }
  const w = loadWorkload(workload);
  const c = await buildComponent(w, opts, choice);
  return { file: c.path, digest: c.digest, sourceDigest: w.sourceDigest, sizeBytes: c.sizeBytes, brought: false, packaging: c.packaging, ...(c.note !== undefined ? { note: c.note } : {}) };
}

/**
 * `w`'s component in the chosen packaging, built by its language. A packaging that fails to build
 * fails here, naming the workload, unless the scenario chose `preinitFallback`: then the plain
 * build is served and the reason kept with the artifact (the report shows it).
 */
export async function buildComponent(w: Workload, opts: LanguageBuildOptions = {}, choice: PackagingChoice = PLAIN): Promise<BuiltComponent> {
  const language = languageOf(w);
  try {
    return await language.component(w, { ...opts, packaging: choice.packaging });
  } catch (e) {
    if (!(choice.preinitFallback && choice.packaging !== 'wasm-component' && e instanceof LabError)) throw e;
    opts.log?.(`${w.name}: ${choice.packaging} failed, serving the plain build (preinitFallback): ${e.message}`);
    return { ...(await language.component(w, { ...opts, packaging: 'wasm-component' })), note: `${choice.packaging} failed, plain build served (preinitFallback): ${e.message}` };
  }
}

/** Every workload's component, one at a time: a componentize-js build runs a Wizer process and this machine has few cores. */
export async function resolveComponents(workloads: string[], brought: Record<string, string>, opts: LanguageBuildOptions = {}, choice: PackagingChoice = PLAIN): Promise<Record<string, ResolvedComponent>> {
  const out: Record<string, ResolvedComponent> = {};
  for (const w of [...new Set(workloads)]) out[w] = await resolveComponent(w, brought[w], opts, choice);
  return out;
}

/** A request as a host sends it to a probe instance. */
export interface ProbeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * The request that brings a memory-probe instance to its idle-after-a-request state: the
 * workload's first traffic fixture, or a bare `GET /` for a brought component (the lab knows
 * nothing of its requests).
 */
export function probeRequest(workload: string, brought: boolean): ProbeRequest {
  if (brought) return { method: 'GET', path: '/', headers: {}, body: new Uint8Array(0) };
  const f = loadWorkload(workload).trafficFixtures[0]!;
  return { method: f.request.method, path: f.request.path, headers: f.request.headers, body: fixtureRequestBody(f) };
}
