/**
 * hostile: a tenant that misbehaves on request, for the isolation figures (docs/isolation.md).
 * It breaks the portable handler rules on purpose: where its packaging hands a guest platform
 * capabilities (Node's `process` in the process and container packagings) it uses them, and
 * where none exist (a Wasm component, the identity test's bare realm) the attempt is answered
 * `denied no-capability`. The outcome is therefore data about the substrate, never assumed.
 *
 * The request header `x-lab-hostile` picks the behaviour; query parameters carry its arguments:
 *   spin                    never returns (a synchronous loop): a CPU deadline or timeout must stop it
 *   bomb?max=MiB            allocates and touches 1 MiB chunks; a memory limit must stop it, else
 *                           it answers `bomb reached-cap <MiB>` and lets the memory go
 *   crash                   ends its instance (process exit; on Wasm, an uncaught exception)
 *   fork?max=N              starts sleeping child processes until refused or N, then kills them all
 *   read-file?path=P        answers `allowed <hex of the first 64 bytes>` or `denied <code>`
 *   write-file?path=P&token=T  writes T to P: `allowed` or `denied <code>`
 *   connect?port=N          an HTTP request to 127.0.0.1:N/_lab/stats: `allowed <status line>` or `denied <code>`
 *   connect?socket=P        the same request over the unix socket at P
 *   drip?chunks=N&ms=T      answers 200 with its headers at once, then its body (N lines
 *                           `drip <i>/<N>`) one line at a time, T ms apart (defaults 50 x 200 ms):
 *                           it holds its instance and connection for (N-1) x T ms using almost no
 *                           CPU. The pause is the packaging's (EdgeResponse.drip), so a CPU
 *                           deadline does not see it; a wall-clock one must stop it.
 * Without the header it answers 200 and names the behaviours, so identity checks hold on it.
 * Every bound is the caller's (`max`): the lab never lets an uncontained behaviour take the machine.
 */
import type { EdgeRequest, EdgeResponse } from '../lib/handler.js';

/** Largest request body accepted (bytes): none. Mirrors workload.json. */
export const BODY_LIMIT_BYTES = 0;

const encoder = new TextEncoder();
const IDLE = 'hostile: idle; x-lab-hostile picks one of spin, bomb, crash, fork, read-file, write-file, connect, drip\n';
/** A drip's defaults: 50 lines, 200 ms apart (about 10 s). */
export const DRIP_CHUNKS = 50;
export const DRIP_PAUSE_MS = 200;

/** The slice of Node's API this tenant reaches for; absent outside Node. */
interface NodeCapabilities {
  pid: number;
  execPath: string;
  exit(code: number): never;
  getBuiltinModule?(id: string): unknown;
}
interface Fs {
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: string): void;
}
interface ChildProcesses {
  spawn(cmd: string, args: string[], opts: { stdio: 'ignore' }): { pid?: number; kill(signal: string): boolean; on(event: string, f: (e: { code?: string }) => void): void };
  spawnSync(cmd: string, args: string[], opts: { timeout: number; encoding: 'utf8' }): { stdout: string; error?: { code?: string } };
}

function node(): NodeCapabilities | undefined {
  const p = (globalThis as { process?: NodeCapabilities }).process;
  return p && typeof p.getBuiltinModule === 'function' ? p : undefined;
}

function text(status: number, body: string): EdgeResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: encoder.encode(body) };
}

/** Query parameters of `path` (no URLSearchParams: the bare realm has none). */
function queryOf(path: string): Record<string, string> {
  const q: Record<string, string> = Object.create(null) as Record<string, string>;
  const at = path.indexOf('?');
  if (at < 0) return q;
  for (const pair of path.slice(at + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    try {
      q[decodeURIComponent(key)] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      // A malformed escape names no argument.
    }
  }
  return q;
}

function count(q: Record<string, string>, name: string, fallback: number): number {
  const v = q[name];
  return v !== undefined && /^[0-9]{1,7}$/.test(v) ? Number(v) : fallback;
}

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' && /^[A-Z0-9_]+$/.test(c) ? c : 'error';
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

let hoard: Uint8Array[] = [];

function bomb(maxMiB: number): EdgeResponse {
  for (let i = 0; i < maxMiB; i++) {
    const chunk = new Uint8Array(1 << 20);
    // Touched, so the pages are resident and count against the limit.
    for (let j = 0; j < chunk.length; j += 4096) chunk[j] = (i + j) & 0xff;
    hoard.push(chunk);
  }
  hoard = [];
  return text(200, `bomb reached-cap ${maxMiB}\n`);
}

function fork(p: NodeCapabilities, max: number): EdgeResponse {
  const cp = p.getBuiltinModule!('node:child_process') as ChildProcesses;
  const children: { kill(signal: string): boolean }[] = [];
  let refused = '';
  try {
    while (children.length < max) {
      const child = cp.spawn(p.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
      // A refused fork (EAGAIN under a pids limit) leaves no pid and reports itself later.
      child.on('error', () => {});
      if (child.pid === undefined) {
        refused = 'EAGAIN';
        break;
      }
      children.push(child);
    }
  } catch (e) {
    refused = codeOf(e);
  }
  for (const c of children) c.kill('SIGKILL');
  return text(200, refused ? `fork refused-after ${children.length} ${refused}\n` : `fork reached-cap ${max}\n`);
}

function readFile(p: NodeCapabilities | undefined, path: string): EdgeResponse {
  if (!p) return text(200, 'denied no-capability\n');
  try {
    const bytes = (p.getBuiltinModule!('node:fs') as Fs).readFileSync(path);
    return text(200, `allowed ${hex(bytes.subarray(0, 64))}\n`);
  } catch (e) {
    return text(200, `denied ${codeOf(e)}\n`);
  }
}

function writeFile(p: NodeCapabilities | undefined, path: string, token: string): EdgeResponse {
  if (!p) return text(200, 'denied no-capability\n');
  try {
    (p.getBuiltinModule!('node:fs') as Fs).writeFileSync(path, token);
    return text(200, 'allowed\n');
  } catch (e) {
    return text(200, `denied ${codeOf(e)}\n`);
  }
}

// The handler is synchronous, so the connection is made by a child Node: what a tenant with
// process creation can do, inside the same namespaces and limits as the tenant itself.
const CONNECT_SCRIPT = `
const to = process.argv[1];
const s = /^[0-9]+$/.test(to) ? require('node:net').connect(Number(to), '127.0.0.1') : require('node:net').connect(to);
let got = '';
s.setTimeout(2000, () => { process.stdout.write('denied ETIMEDOUT'); process.exit(0); });
s.on('connect', () => s.write('GET /_lab/stats HTTP/1.0\\r\\nhost: 127.0.0.1\\r\\n\\r\\n'));
s.on('data', (d) => { got += d; const nl = got.indexOf('\\r\\n'); if (nl >= 0) { process.stdout.write('allowed ' + got.slice(0, nl)); process.exit(0); } });
s.on('error', (e) => { process.stdout.write('denied ' + (e.code || 'error')); process.exit(0); });
s.on('end', () => { process.stdout.write(got ? 'allowed ' + got.split('\\r\\n')[0] : 'denied ECONNRESET'); process.exit(0); });
`;

/** `to`: a port on 127.0.0.1 (digits) or a unix socket's path. */
function connect(p: NodeCapabilities | undefined, to: string): EdgeResponse {
  if (!p) return text(200, 'denied no-capability\n');
  const cp = p.getBuiltinModule!('node:child_process') as ChildProcesses;
  const r = cp.spawnSync(p.execPath, ['-e', CONNECT_SCRIPT, to], { timeout: 5000, encoding: 'utf8' });
  if (r.error) return text(200, `denied ${codeOf(r.error)}\n`);
  const line = /^(allowed|denied) [ -~]{1,120}$/.test(r.stdout) ? r.stdout : 'denied error';
  return text(200, `${line}\n`);
}

/**
 * A slow drip: `chunks` lines of one width (`drip 07/50`), so the packaging's equal slices are
 * exactly the lines and a client can count what reached it.
 */
export function drip(chunks: number, pauseMs: number): EdgeResponse {
  const n = Math.max(1, chunks);
  const width = String(n).length;
  let body = '';
  for (let i = 1; i <= n; i++) body += `drip ${String(i).padStart(width, '0')}/${n}\n`;
  return { ...text(200, body), drip: { chunks: n, pauseMs: Math.min(pauseMs, 3_600_000) } };
}

/** Misbehaves as `x-lab-hostile` asks; see the header comment. */
export function handle(req: EdgeRequest): EdgeResponse {
  if (req.method !== 'GET') return text(405, 'method not allowed\n');
  if (req.body.length > BODY_LIMIT_BYTES) return text(413, 'body too large\n');
  const behaviour = req.headers['x-lab-hostile'];
  if (behaviour === undefined) return text(200, IDLE);
  const q = queryOf(req.path);
  const p = node();
  switch (behaviour) {
    case 'spin':
      for (;;) {
        // Never returns: what stops it is the substrate's business.
      }
    case 'bomb':
      return bomb(count(q, 'max', 4096));
    case 'crash':
      if (p) p.exit(70);
      throw new Error('hostile tenant: crash');
    case 'fork':
      return p ? fork(p, count(q, 'max', 256)) : text(200, 'fork denied no-capability\n');
    case 'read-file':
      return readFile(p, q.path ?? '');
    case 'write-file':
      return writeFile(p, q.path ?? '', q.token ?? '');
    case 'connect':
      return connect(p, q.socket !== undefined && q.socket !== '' ? q.socket : String(count(q, 'port', 0)));
    case 'drip':
      return drip(count(q, 'chunks', DRIP_CHUNKS), count(q, 'ms', DRIP_PAUSE_MS));
    default:
      return text(400, 'unknown behaviour\n');
  }
}
