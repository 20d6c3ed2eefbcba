/**
 * The PoP HTTP front of the contract (runners/contract.ts) over an instance pool: tenant
 * routing under /t/<tenant>/, the lab headers, and the /_lab/* control endpoints. Every
 * TypeScript host (process, Wasm, container, fake) serves through this one module.
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { POP_HEADERS } from '../../lab/pop/contract.js';
import type { InstancePool } from './pool.js';
import { PopError } from './pop-error.js';
import type { StallLog } from './stalls.js';

/** The part of the pool the front needs. */
export type PopBackend = Pick<InstancePool, 'handle' | 'evict' | 'stats' | 'memoryReport'> & { readonly stallLog?: StallLog | undefined };

/** A listening PoP endpoint. */
export interface PopServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Stops listening and drops open connections; the backend is the caller's to close. */
  close(): Promise<void>;
}

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus ones the transport recomputes. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/**
 * Accept queue length. Node's default (511) overflows when a load generator opens thousands of
 * connections at once, and the overflow surfaces as connection resets counted against the
 * runtime. The kernel caps it at net.core.somaxconn anyway.
 */
const ACCEPT_BACKLOG = 65535;

/** Starts the PoP endpoint on 127.0.0.1 (`port` 0 or absent = a free port). */
export async function startPopServer(backend: PopBackend, opts: { port?: number } = {}): Promise<PopServer> {
  const server = createServer((req, res) => {
    route(backend, req, res).catch((e: unknown) => {
      // Only a bug gets here: every expected failure is answered inside route().
      if (!res.headersSent) sendText(res, 500, `internal error: ${(e as Error).message}`, { [POP_HEADERS.error]: 'internal' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 0, host: '127.0.0.1', backlog: ACCEPT_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

async function route(backend: PopBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrivedAt = performance.now();
  const arrivedAtEpochMs = Date.now();
  const rawUrl = req.url ?? '/';
  if (rawUrl.startsWith('/t/')) return tenantRequest(backend, req, res, rawUrl, arrivedAt, arrivedAtEpochMs);

  const url = new URL(rawUrl, 'http://pop.invalid');
  const method = req.method ?? 'GET';
  switch (url.pathname) {
    case '/_lab/health':
      return sendText(res, 200, 'ok');
    case '/_lab/stats':
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
    {
      const drain = ['1', 'true'].includes(url.searchParams.get('drain') ?? '');
      // The lab's own bookkeeping on the thread that serves tenants: timed, so a report can show what it cost.
      const answer = (): void => sendJson(res, 200, backend.stats(drain));
      return backend.stallLog ? backend.stallLog.main.time('lab-stats', undefined, answer) : answer();
    }
    case '/_lab/memory':
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return sendJson(res, 200, await backend.memoryReport());
    case '/_lab/evict': {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const text = Buffer.from(await readBody(req)).toString('utf8').trim();
      let tenant: unknown;
      try {
        tenant = text === '' ? undefined : (JSON.parse(text) as { tenant?: unknown }).tenant;
      } catch {
        return sendText(res, 400, 'evict: body must be JSON {"tenant"?: string}', { [POP_HEADERS.error]: 'bad-request' });
      }
      if (tenant !== undefined && typeof tenant !== 'string') return sendText(res, 400, 'evict: "tenant" must be a string', { [POP_HEADERS.error]: 'bad-request' });
      try {
        return sendJson(res, 200, await backend.evict(tenant));
      } catch (e) {
        return sendError(res, e);
      }
    }
    default:
      return sendText(res, 404, `no such PoP endpoint: ${url.pathname} (tenant requests go to /t/<tenant>/<path>)`, { [POP_HEADERS.error]: 'not-found' });
  }
}

async function tenantRequest(backend: PopBackend, req: IncomingMessage, res: ServerResponse, rawUrl: string, arrivedAt: number, arrivedAtEpochMs: number): Promise<void> {
  // "/t/<tenant>/<path>?q": the guest sees "/<path>?q"; "/t/<tenant>" alone means "/".
  const m = /^\/t\/([^/?]*)(.*)$/.exec(rawUrl)!;
  let tenant: string;
  try {
    tenant = decodeURIComponent(m[1]!);
  } catch {
    tenant = m[1]!;
  }
  const rest = m[2]!;
  const path = rest.startsWith('/') ? rest : `/${rest}`;
  const body = await readBody(req);
  if (tenant === '') return sendText(res, 400, 'tenant (none): the URL names no tenant (/t/<tenant>/<path>)', { [POP_HEADERS.error]: 'bad-request' });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === POP_HEADERS.forceCold) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  try {
    const r = await backend.handle({
      tenant,
      method: req.method ?? 'GET',
      path,
      headers,
      body,
      forceCold: req.headers[POP_HEADERS.forceCold] === '1',
      arrivedAt,
      arrivedAtEpochMs,
    });
    const out: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(r.response.headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
    out['content-length'] = r.response.body.byteLength;
    out[POP_HEADERS.activation] = r.activation;
    out[POP_HEADERS.instance] = r.instance;
    if (r.activationId !== undefined) out[POP_HEADERS.activationId] = r.activationId;
    if (r.waitedMs > 0) out[POP_HEADERS.queue] = r.waitedMs.toFixed(3);
    out[POP_HEADERS.timing] = serverTiming(performance.now() - arrivedAt, r.response.guestMs);
    res.writeHead(r.response.status, out);
    res.end(r.response.body);
  } catch (e) {
    sendError(res, e);
  }
}

/** The `server-timing` value of a served request (microsecond resolution: the host's overhead is tens of microseconds). */
function serverTiming(popMs: number, guestMs: number | undefined): string {
  const pop = `pop;dur=${popMs.toFixed(3)}`;
  return guestMs === undefined ? pop : `${pop}, guest;dur=${guestMs.toFixed(3)}`;
}

function sendError(res: ServerResponse, e: unknown): void {
  if (!(e instanceof PopError)) throw e;
  const headers: OutgoingHttpHeaders = { [POP_HEADERS.error]: e.kind };
  if (e.assigned) {
    headers[POP_HEADERS.activation] = e.assigned.activation;
    headers[POP_HEADERS.instance] = e.assigned.instance;
    if (e.assigned.activationId !== undefined) headers[POP_HEADERS.activationId] = e.assigned.activationId;
  }
  sendText(res, e.status, e.message, headers);
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendText(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': body.byteLength });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.byteLength });
  res.end(body);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendText(res, 405, `method not allowed (use ${allow})`, { allow, [POP_HEADERS.error]: 'bad-request' });
}
