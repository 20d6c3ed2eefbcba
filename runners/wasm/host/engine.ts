/**
 * The in-thread engine: compiled core modules of an artifact (compiled once, shared by every
 * instance of it in the process: a WebAssembly.Module can be posted to any worker), jco's glue
 * to link them, and component instances that answer one request synchronously.
 *
 * An instance is instantiated synchronously (jco `instantiation: 'sync'`, `new
 * WebAssembly.Instance` per core module) with this host's own WASI imports, and a request is
 * dispatched synchronously through the guest's `wasi:http/incoming-handler.handle`. An instance
 * that traps, or returns without a complete response, is broken for good: the caller discards it.
 */
import { readFileSync } from 'node:fs';
import { capMemories } from './memory-cap.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { GLUE_DIR, gluePath, type ArtifactManifest } from '../artifacts/artifact.js';
import { IncomingRequest, ResponseOutparam } from './wasi/http.js';
import { wasiImports } from './wasi/imports.js';
import type { GuestStdio } from './wasi/system.js';

/** A request as the engine takes it (the pool's InstanceRequest, minus nothing). */
export interface GuestRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A complete guest response. */
export interface GuestResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  /** Milliseconds inside the guest's `handle` export (glue lifting and lowering included), the rest of dispatch being host work. */
  guestMs?: number;
}

type IncomingHandler = { handle(request: IncomingRequest, out: ResponseOutparam): void };
type GlueInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, Record<string, unknown>>,
  instantiateCore?: (m: WebAssembly.Module, i: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown>;

/** The compiled core modules of one artifact. */
export type CoreModules = Record<string, WebAssembly.Module>;

/**
 * Compiles an artifact's core modules (synchronously: the caller times it as the `compile`
 * phase), each defined memory capped at `maxPages` when given (memory-cap.ts).
 */
export function compileCoreModules(dir: string, manifest: ArtifactManifest, maxPages?: number): CoreModules {
  const out: CoreModules = {};
  for (const f of manifest.coreModules) {
    const bytes = readFileSync(join(dir, GLUE_DIR, f));
    out[f] = new WebAssembly.Module(maxPages === undefined ? bytes : capMemories(bytes, maxPages));
  }
  return out;
}

/** An artifact ready to instantiate in this thread: modules plus the glue's `instantiate`. */
export interface LoadedArtifact {
  manifest: ArtifactManifest;
  modules: CoreModules;
  instantiate: GlueInstantiate;
}

/** Loads the glue module of an artifact (one parse per thread, then shared by its instances). */
export async function loadArtifact(dir: string, manifest: ArtifactManifest, modules: CoreModules): Promise<LoadedArtifact> {
  const glue = (await import(pathToFileURL(gluePath(dir)).href)) as { instantiate?: GlueInstantiate };
  if (typeof glue.instantiate !== 'function') throw new Error(`${gluePath(dir)}: glue has no instantiate() (not transpiled with instantiation: 'sync'?)`);
  return { manifest, modules, instantiate: glue.instantiate };
}

/** A guest failure that leaves the instance unusable. */
export class GuestBrokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestBrokenError';
  }
}

/** One component instance. */
export class ComponentInstance {
  private broken: string | undefined;

  private constructor(private readonly handler: IncomingHandler) {}

  /** Instantiates synchronously; throws if the component fails to start. */
  static create(art: LoadedArtifact, stdio: GuestStdio): ComponentInstance {
    const getCoreModule = (name: string): WebAssembly.Module => {
      const m = art.modules[name];
      if (!m) throw new Error(`artifact has no core module ${name}`);
      return m;
    };
    const exports = art.instantiate(getCoreModule, wasiImports(stdio), (m, i) => new WebAssembly.Instance(m, i));
    const handler = (exports[art.manifest.handlerExport] ?? exports.incomingHandler) as IncomingHandler | undefined;
    if (!handler || typeof handler.handle !== 'function') throw new Error(`component does not export ${art.manifest.handlerExport}`);
    return new ComponentInstance(handler);
  }

  /** Why the instance is unusable, or undefined. */
  get brokenReason(): string | undefined {
    return this.broken;
  }

  /**
   * Serves one request synchronously. Throws GuestBrokenError (and marks the instance broken)
   * if the guest traps or returns without a complete response.
   */
  dispatch(req: GuestRequest): GuestResponse {
    if (this.broken) throw new GuestBrokenError(this.broken);
    const incoming = new IncomingRequest(req.method, req.path, req.headers, req.body);
    const out = new ResponseOutparam();
    const t = performance.now();
    try {
      this.handler.handle(incoming, out);
    } catch (e) {
      throw this.break(`guest trapped: ${e instanceof Error ? e.message : String(e)}`);
    }
    const guestMs = performance.now() - t;
    const v = out.value;
    if (v === undefined) throw this.break('guest returned without setting the response (response-outparam.set never called)');
    if (v.tag === 'err') throw this.break(`guest answered with an error-code: ${v.val.tag}${v.val.val !== undefined ? ` (${String(v.val.val)})` : ''}`);
    const body = v.val.outBody;
    if (body && !body.finished) throw this.break('guest returned without finishing the response body (outgoing-body.finish never called)');
    return { status: v.val.status, headers: v.val.headers().toRecord(), body: body ? body.bytes() : new Uint8Array(0), guestMs };
  }

  private break(reason: string): GuestBrokenError {
    this.broken = reason;
    return new GuestBrokenError(reason);
  }
}

/** Milliseconds of `fn`, with its result. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t };
}
