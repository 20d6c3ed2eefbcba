/**
 * The Node packaging of a workload: a node:http server around one handler module, on a loopback
 * address. Its start-up is what the process runner's cold starts measure, so it imports nothing
 * but node:http, node:fs, node:url and the type-free adapter, and loads the handler by dynamic
 * import.
 *
 *   node <dist>/workloads/packaging/node/server.js <handler.js>
 *
 * Env: PORT (default 0: the kernel picks a free port), HOST (default 127.0.0.1; anything that is
 * not a loopback address literal is refused, but for 0.0.0.0 inside a Kubernetes pod, whose
 * network namespace is its own: KUBERNETES_SERVICE_HOST set); or LAB_SOCKET, a unix socket path to listen on
 * instead (a container without a network is reached through it). Once listening it prints one
 * line, `listening <host>:<port>` or `listening unix:<path>`, on stdout and, when forked with
 * IPC, sends `{ type: 'ready', port }`.
 * It exits when its IPC channel closes, so an instance whose parent died never lingers.
 */
import { unlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { EdgeResponse, Handler } from '../../lib/handler.js';
import { readBody, responseProblem, toEdgeRequest, writeDrippedResponse, writeEdgeResponse, writePlain } from './adapter.js';

/** Bodies over this are refused by the packaging before the handler sees them: a memory guard only. */
const BODY_CAP_BYTES = 1024 * 1024;

function die(message: string): never {
  process.stderr.write(`node-server: ${message}\n`);
  process.exit(2);
}

function isLoopback(host: string): boolean {
  if (host === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

const handlerPath = process.argv[2];
if (!handlerPath) die('usage: node server.js <handler.js>');
const host = process.env.HOST || '127.0.0.1';
// The kubelet sets KUBERNETES_SERVICE_HOST in every pod (the lab never does): there the pod's own
// address is what its Service reaches.
const inPod = (process.env.KUBERNETES_SERVICE_HOST ?? '') !== '';
if (!isLoopback(host) && !(inPod && host === '0.0.0.0')) die(`HOST=${host} refused: only a loopback address literal (127.x.x.x or ::1) is allowed (0.0.0.0 only inside a Kubernetes pod)`);
const portText = process.env.PORT || '0';
const port = Number(portText);
if (!/^\d{1,5}$/.test(portText) || port > 65535) die(`PORT=${portText} is not a port number`);

let handle: Handler;
try {
  const mod = (await import(pathToFileURL(handlerPath).href)) as { handle?: unknown };
  if (typeof mod.handle !== 'function') die(`${handlerPath} does not export a function "handle"`);
  handle = mod.handle as Handler;
} catch (e) {
  die(`cannot load ${handlerPath}: ${(e as Error).message}`);
}

function failure(res: ServerResponse, kind: string, detail: string): void {
  process.stderr.write(`node-server: ${kind}: ${detail}\n`);
  if (res.headersSent) res.destroy();
  else writePlain(res, 500, `handler failed (${kind})\n`, { 'x-lab-error': kind });
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: Uint8Array | 'too-large';
  try {
    body = await readBody(req, BODY_CAP_BYTES);
  } catch {
    res.destroy(); // the client went away mid-body: nobody to answer
    return;
  }
  if (body === 'too-large') {
    // The unread rest of the body would be parsed as the next request: close the connection.
    writePlain(res, 413, `request body over the packaging cap of ${BODY_CAP_BYTES} bytes\n`, { connection: 'close' });
    return;
  }
  let response: unknown;
  try {
    response = handle(toEdgeRequest(req, body));
  } catch (e) {
    failure(res, 'handler-threw', e instanceof Error ? e.message : String(e));
    return;
  }
  const problem = responseProblem(response);
  if (problem !== undefined) {
    failure(res, 'handler-bad-response', problem);
    return;
  }
  const r = response as EdgeResponse;
  try {
    if (r.drip) await writeDrippedResponse(res, { ...r, drip: r.drip });
    else writeEdgeResponse(res, r);
  } catch (e) {
    failure(res, 'handler-bad-response', (e as Error).message);
  }
}

const server = createServer((req, res) => {
  serve(req, res).catch((e: unknown) => failure(res, 'packaging-error', String(e)));
});
const socketPath = process.env.LAB_SOCKET || '';
server.on('error', (e) => die(`cannot listen on ${socketPath ? `unix:${socketPath}` : `${host}:${port}`}: ${e.message}`));
if (socketPath) {
  // A socket file left by an earlier instance of the same directory would refuse the bind.
  try {
    unlinkSync(socketPath);
  } catch {
    // none there
  }
  server.listen(socketPath, () => {
    process.stdout.write(`listening unix:${socketPath}\n`);
    if (process.send) process.send({ type: 'ready', socket: socketPath });
  });
} else server.listen(port, host, () => {
  const bound = (server.address() as AddressInfo).port;
  process.stdout.write(`listening ${host.includes(':') ? `[${host}]` : host}:${bound}\n`);
  if (process.send) process.send({ type: 'ready', port: bound });
});
if (process.send) process.on('disconnect', () => process.exit(0));
