/**
 * The packagings the identity check runs every fixture through. Each packaging turns a workload
 * into an Endpoint that answers fixture requests; the identity test demands that every one of
 * them gives the fixture's expected response and byte-identical bodies to a direct call.
 *
 * Adding a packaging (Wasm component, container, C port) is one more entry in `packagings`:
 * start it for a workload, return `httpEndpoint(url, stop)`.
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import type { EdgeRequest, EdgeResponse, Handler } from '../lib/handler.js';
import { startNodeServer } from '../packaging/node/launch.js';
import type { FixtureRequest, Workload } from '../registry.js';

/** A response as observed from outside a packaging. Header names lower-case. */
export interface Observed {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A started packaging of one workload. */
export interface Endpoint {
  call(req: FixtureRequest, body: Uint8Array): Promise<Observed>;
  stop(): Promise<void>;
}

/** A way of running a workload's handler. */
export interface Packaging {
  name: string;
  /** True if responses travel over HTTP (so the transport adds headers such as date and content-length). */
  http: boolean;
  /** Whether it runs workload `w` (a port language covers only the JS workloads it ports); absent: every one. */
  covers?(w: Workload): boolean;
  start(w: Workload): Promise<Endpoint>;
}

function plainBytes(body: ArrayLike<number>): Uint8Array {
  // Copies out of whichever realm made the array (the bare-realm packaging returns foreign Uint8Arrays).
  return Uint8Array.from(body);
}

function observe(r: EdgeResponse): Observed {
  return { status: r.status, headers: { ...r.headers }, body: plainBytes(r.body) };
}

function edgeRequest(req: FixtureRequest, body: Uint8Array): EdgeRequest {
  return { method: req.method, path: req.path, headers: { ...req.headers }, body };
}

/** Imports a compiled handler module and returns its `handle`. */
export async function importHandler(handlerPath: string): Promise<Handler> {
  const mod = (await import(pathToFileURL(handlerPath).href)) as { handle?: unknown };
  if (typeof mod.handle !== 'function') throw new Error(`${handlerPath} does not export a function "handle"`);
  return mod.handle as Handler;
}

/** The reference: the handler called in this process, no transport at all. */
export const directCall: Packaging = {
  name: 'direct-call',
  http: false,
  async start(w) {
    const handle = await importHandler(w.handlerPath);
    return { call: async (req, body) => observe(handle(edgeRequest(req, body))), stop: async () => {} };
  },
};

/**
 * Turns a compiled handler module into a classic script: the only module syntax a handler may
 * contain is `export` on declarations (its type imports are erased). Anything else throws, which
 * is itself the check that the handler imports nothing at run time.
 */
export function handlerAsScript(source: string): string {
  const script = source.replace(/^export (?=(?:function|const|let|class) )/gm, '');
  const leftover = /^\s*(?:import|export)\b.*$/m.exec(script);
  if (leftover) throw new Error(`handler has module syntax a bare engine cannot take: ${leftover[0]}`);
  return script;
}

/**
 * The handler evaluated in a fresh V8 realm that has the ECMAScript built-ins plus
 * TextEncoder/TextDecoder and nothing else: no Buffer, process, require, fetch, timers; Date and
 * Math.random are removed as well. It approximates what StarlingMonkey offers a component, so a
 * handler that leans on Node or on non-determinism fails here before it fails in a Wasm build.
 */
export const bareRealm: Packaging = {
  name: 'bare-realm',
  http: false,
  async start(w) {
    const context = createContext({ TextEncoder, TextDecoder });
    runInContext(
      `delete globalThis.Date;
       Math.random = function () { throw new Error('Math.random is not available to a deterministic handler'); };`,
      context,
    );
    runInContext(handlerAsScript(readFileSync(w.handlerPath, 'utf8')), context, { filename: w.handlerPath });
    const handle = (context as { handle?: unknown }).handle;
    if (typeof handle !== 'function') throw new Error(`${w.handlerPath}: no function "handle" after evaluation`);
    return { call: async (req, body) => observe((handle as Handler)(edgeRequest(req, body))), stop: async () => {} };
  },
};

/**
 * An Endpoint over HTTP: sends each fixture to `${url}${pathPrefix}${path}` over a fresh
 * connection (no keep-alive state between fixtures) with exactly the fixture's headers.
 */
export function httpEndpoint(url: string, stop: () => Promise<void>, pathPrefix = ''): Endpoint {
  const base = new URL(url);
  return {
    stop,
    call: (req, body) =>
      new Promise<Observed>((resolve, reject) => {
        const headers: Record<string, string | number> = { ...req.headers };
        if (body.length > 0 || req.method !== 'GET') headers['content-length'] = body.length;
        const r = request(
          { host: base.hostname.replace(/^\[|\]$/g, ''), port: base.port, method: req.method, path: `${pathPrefix}${req.path}`, headers, agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const out: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
              resolve({ status: res.statusCode ?? 0, headers: out, body: plainBytes(Buffer.concat(chunks)) });
            });
          },
        );
        r.on('error', reject);
        r.end(body);
      }),
  };
}

/** The Node packaging: workloads/packaging/node/server.js as a real child process on 127.0.0.1. */
export const nodeServer: Packaging = {
  name: 'node-server',
  http: true,
  async start(w) {
    const server = await startNodeServer(w.handlerPath);
    return httpEndpoint(server.url, server.stop);
  },
};

/** Every packaging the identity check covers. The first is the reference the others are compared with. */
export const packagings: Packaging[] = [directCall, bareRealm, nodeServer];
