/**
 * HTTP <-> EdgeRequest/EdgeResponse for node:http. Kept apart from server.ts so the mapping
 * rules (header joining, body capping, response validation) are unit-testable and written once.
 * Imports only types: server.ts is what cold starts measure, and this file adds nothing to it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeDrip, EdgeRequest, EdgeResponse } from '../../lib/handler.js';

/** Header names the packaging owns; a handler's values for them are ignored. */
const PACKAGING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);

/**
 * Joins repeated request header values into one string. HTTP's list rule (RFC 9110 5.3) joins
 * with ", "; `cookie` is the exception and joins with "; " (RFC 9113 8.2.3), because a comma
 * is legal inside a cookie value and a "; " join is what a single Cookie header looks like.
 */
export function joinHeaderValues(name: string, values: readonly string[]): string {
  return values.join(name === 'cookie' ? '; ' : ', ');
}

/** Lower-case header record from node's raw header list (which keeps repeats apart). */
export function headersOf(rawHeaders: readonly string[]): Record<string, string> {
  const grouped = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = grouped.get(name);
    if (list) list.push(rawHeaders[i + 1]!);
    else grouped.set(name, [rawHeaders[i + 1]!]);
  }
  // A null-prototype record: a header named "__proto__" stays an ordinary key.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, values] of grouped) headers[name] = joinHeaderValues(name, values);
  return headers;
}

/** The EdgeRequest for a node request whose body has been read. */
export function toEdgeRequest(req: IncomingMessage, body: Uint8Array): EdgeRequest {
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers: headersOf(req.rawHeaders), body };
}

/**
 * Reads the whole body, or stops at `capBytes` and resolves `too-large` (the rest is left
 * unread; the caller answers 413 and closes the connection). A safety cap, not the workload's
 * limit: workload limits are the handler's business so every packaging enforces them alike.
 */
export function readBody(req: IncomingMessage, capBytes: number): Promise<Uint8Array | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > capBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > capBytes) {
        req.off('data', onData);
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      const b = Buffer.concat(chunks, size);
      // A plain Uint8Array view: handlers must not come to depend on Buffer methods that a Wasm guest lacks.
      resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
    req.on('error', reject);
    // A client that vanishes mid-body may close without 'error'; never leave the promise hanging.
    req.on('close', () => {
      if (!req.complete) reject(new Error('request closed before its body ended'));
    });
  });
}

/**
 * Checks that a handler's return value is a well-formed EdgeResponse; returns a description of
 * the first problem, or undefined. A malformed response is the handler's bug and becomes a 500.
 */
export function responseProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'handler returned no response object';
  const { status, headers, body, drip } = r as Partial<EdgeResponse>;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return `bad status ${String(status)}`;
  if (!(body instanceof Uint8Array)) return 'body is not a Uint8Array';
  if (typeof headers !== 'object' || headers === null) return 'headers is not an object';
  for (const [k, v] of Object.entries(headers)) if (typeof v !== 'string') return `header ${k} is not a string`;
  return drip === undefined ? undefined : dripProblem(drip, body.length);
}

/** What is wrong with a response's `drip` (EdgeDrip's rules), or undefined. */
export function dripProblem(drip: unknown, bodyLength: number): string | undefined {
  if (typeof drip !== 'object' || drip === null) return 'drip is not an object';
  const { chunks, pauseMs } = drip as Partial<EdgeDrip>;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1 || chunks > Math.max(1, bodyLength)) return `drip.chunks ${String(chunks)} is not an integer from 1 to the body's length (${bodyLength})`;
  if (typeof pauseMs !== 'number' || !Number.isInteger(pauseMs) || pauseMs < 0 || pauseMs > 3_600_000) return `drip.pauseMs ${String(pauseMs)} is not an integer from 0 to 3600000`;
  return undefined;
}

/** Byte offsets [start, end) of slice `k` of a dripped body (EdgeDrip.chunks): the same cut in every packaging. */
export function dripSlice(length: number, chunks: number, k: number): [number, number] {
  return [Math.floor((k * length) / chunks), Math.floor(((k + 1) * length) / chunks)];
}

/** Writes a validated EdgeResponse; `content-length` always comes from the body. Throws on header values node rejects. */
export function writeEdgeResponse(res: ServerResponse, r: EdgeResponse): void {
  writeHead(res, r);
  res.end(r.body);
}

function writeHead(res: ServerResponse, r: EdgeResponse): void {
  const headers: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!PACKAGING_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
  headers['content-length'] = r.body.length;
  // writeHead validates every name and value before anything is sent, so a bad header throws
  // here while a clean 500 can still be written.
  res.writeHead(r.status, headers);
}

/**
 * Writes a validated response that has a `drip`: the head at once, then each slice after a timer
 * of `pauseMs` (the event loop sleeps meanwhile: no CPU). Resolves when the last slice is sent,
 * or early when the client goes away (nothing left to drip to).
 */
export async function writeDrippedResponse(res: ServerResponse, r: EdgeResponse & { drip: EdgeDrip }): Promise<void> {
  writeHead(res, r);
  // Node holds the head back for the first body write; the first slice goes out at once anyway.
  const { chunks, pauseMs } = r.drip;
  for (let k = 0; k < chunks; k++) {
    if (k > 0 && !(await pause(res, pauseMs))) return;
    const [start, end] = dripSlice(r.body.length, chunks, k);
    if (end > start) res.write(r.body.subarray(start, end));
  }
  res.end();
}

/** Waits `ms`; false when the connection closed meanwhile. */
function pause(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}

/** A short plain-text answer from the packaging itself (413 over the cap, 500 on a handler failure). */
export function writePlain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(text);
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, ...extra });
  res.end(body);
}
