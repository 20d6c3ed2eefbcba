/**
 * The Python bare-process server's own behaviour, beyond what fixtures and the port fuzz show:
 * what a handler is given (header joining, exact body bytes), failures answered 500 while it
 * keeps serving, the caps, keep-alive and pipelining, loopback-only binding, the unix socket of
 * a hardened container, and exit when its parent's pipe closes. Probe handlers live in a scratch
 * folder; every child is stopped in `after`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNativeServer, type NativeServer } from '../c/native/launch.js';
import { PYTHON, PYTHON_FLAGS, pyDir } from './build.js';

const scratch = mkdtempSync(join(tmpdir(), 'lab-py-server-'));
const servers: NativeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

function probe(name: string, source: string): string[] {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'handler.py'), source);
  return [PYTHON, ...PYTHON_FLAGS, join(pyDir, 'server.py'), dir];
}

const echo = probe(
  'echo',
  `def handle(req):
    seen = '%r|%r|%r|%r' % (req.method, req.path, sorted(req.headers.items()), list(req.body))
    if req.path == '/throw':
        raise ValueError('boom')
    if req.path == '/bad':
        return 200, {'x-bad': 'a\\r\\nb'}, b''
    if req.path == '/shape':
        return 200, {}, 'not bytes'
    return 200, {'content-type': 'text/plain', 'content-length': '999999', 'x-echo': 'yes'}, seen.encode('latin-1')
`,
);

async function start(argv: string[], env: Record<string, string> = {}): Promise<NativeServer> {
  const s = await startNativeServer(argv, env);
  servers.push(s);
  return s;
}

/** One raw exchange over a fresh connection; resolves what came back before the server closed. */
function raw(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c) => (got += c.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.setTimeout(5000, () => s.destroy());
    s.end(bytes);
  });
}

function runToExit(argv: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('echo handler', () => {
  let port = 0;
  before(async () => {
    port = (await start(echo)).port;
  });

  test('the handler sees method, path with query, lower-case joined headers (cookie with "; ") and the exact body bytes', async () => {
    const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]);
    const answer = await raw(
      port,
      Buffer.concat([
        Buffer.from(`PUT /a/b?x=1&y=%20 HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nx-multi: b\r\nCookie: uid=u-1\r\nCookie: theme=dark\r\nX-Latin: caf\xe9\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
        body,
      ]),
    );
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    const seen = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    assert.equal(
      seen,
      "'PUT'|'/a/b?x=1&y=%20'|[('connection', 'close'), ('content-length', '7'), ('cookie', 'uid=u-1; theme=dark'), ('host', 'x'), ('x-latin', 'caf\xe9'), ('x-multi', 'a, b')]|[0, 1, 2, 255, 254, 10, 13]",
    );
    // content-length comes from the body, never from the handler.
    assert.match(answer, new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(seen, 'latin1')}\\r\\n`));
    assert.doesNotMatch(answer, /999999/);
    assert.match(answer, /\r\nx-echo: yes\r\n/);
  });

  test('a handler that raises or answers what HTTP cannot carry gets 500 with x-lab-error, and the server keeps serving', async () => {
    const threw = await raw(port, 'GET /throw HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(threw, /^HTTP\/1\.1 500 [^\r]*\r\n[^]*x-lab-error: handler-threw\r\n[^]*handler failed \(handler-threw\)\n$/);
    for (const path of ['/bad', '/shape']) {
      const bad = await raw(port, `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
      assert.match(bad, /x-lab-error: handler-bad-response\r\n/, path);
    }
    assert.match(await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  });

  test('keep-alive and pipelining: two requests on one connection are answered in order', async () => {
    const answer = await raw(port, 'GET /one HTTP/1.1\r\nhost: x\r\n\r\nGET /two HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    const one = answer.indexOf("'/one'");
    const two = answer.indexOf("'/two'");
    assert.ok(one > 0 && two > one, answer);
    assert.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  });

  test('a body over 1 MiB gets 413, a chunked body 501, a malformed request 400, each closing; the server survives', async () => {
    assert.match(await raw(port, `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${1024 * 1024 + 1}\r\n\r\n`), /^HTTP\/1\.1 413 .*\r\n[^]*connection: close\r\n/);
    assert.match(await raw(port, 'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'), /^HTTP\/1\.1 501 /);
    assert.match(await raw(port, 'GET / HTTP/1.1\r\n folded: x\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await raw(port, 'POST / HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello'), /^HTTP\/1\.1 400 /);
    assert.match(await raw(port, `GET / HTTP/1.1\r\nx: ${'a'.repeat(20000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
    assert.match(await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  });
});

test('HOST must be a loopback literal and PORT a port number, else exit 2 naming it', async () => {
  const host = await runToExit(echo, { HOST: '10.1.2.3' });
  assert.equal(host.code, 2);
  assert.match(host.stderr, /HOST=10\.1\.2\.3 refused/);
  // The wildcard only inside a Kubernetes pod (KUBERNETES_SERVICE_HOST), never on this machine.
  const wildcard = await runToExit(echo, { HOST: '0.0.0.0' });
  assert.equal(wildcard.code, 2);
  assert.match(wildcard.stderr, /0\.0\.0\.0 only inside a Kubernetes pod/);
  const port = await runToExit(echo, { PORT: '70000' });
  assert.equal(port.code, 2);
  assert.match(port.stderr, /PORT=70000 is not a port number/);
});

test('with LAB_SOCKET it serves on that unix socket and says so', async () => {
  const path = join(scratch, 'instance.sock');
  const child = spawn(echo[0]!, echo.slice(1), { env: { LAB_SOCKET: path }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    assert.equal(line, `listening unix:${path}`);
    const status = await new Promise<number>((resolve, reject) => {
      const r = request({ socketPath: path, path: '/', method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.end();
    });
    assert.equal(status, 200);
  } finally {
    child.kill('SIGKILL');
  }
});

test('with LAB_EXIT_WITH_PARENT=1 it exits when its stdin closes (its parent is gone)', async () => {
  const child = spawn(echo[0]!, echo.slice(1), { env: { LAB_EXIT_WITH_PARENT: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdin.end();
  assert.equal(await exited, 0);
});
