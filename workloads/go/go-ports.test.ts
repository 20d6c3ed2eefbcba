/**
 * The Go ports on the corner cases where a port is most likely to drift from its JS reference
 * (workloads/testkit/corner-cases.ts, the C ports' list, plus a few that reach Go-only code
 * paths), compared byte for byte through the harness; and the build's promises: cached by
 * content, a component whose core module imports only wasi:* and the Go runtime's preview1 set,
 * the handler rules enforced on a handler's imports (the error names the workload and the rule),
 * the static server's unix socket and loopback-only contract, loud failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkload, type Workload } from '../registry.js';
import { CORNER_CASES, type CornerCase } from '../testkit/corner-cases.js';
import { testCornerCases } from '../c/port-suites.js';
import { buildGoWorkload, coreModuleInterface, GO_RUNTIME_PREVIEW1, GoBuildError, GoHandlerRuleError, unexpectedCoreImports } from './build.js';
import { handlerRuleBreaches } from './rules.js';

/** Cases that reach code only the Go port has: objects past 16 members get a map index. */
const many = (n: number, extra: string): string => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}${extra}}`;
const GO_CASES: Record<string, CornerCase[]> = {
  telemetry: [
    { body: `{"device":"d","readings":[${many(20, ',"sensor":"co2","ts":1767225600,"value":1,"value":2.0005,"sensor":"humidity"')}]}` },
    { body: `{"device":"d","readings":[${many(40, ',"k3":"x","sensor":"co2","ts":"1767225600","value":1')}]}` },
    { body: '{"device":"d","readings":[{"sensor":"temperature","ts":1767225600,"value":-2.0005},{"sensor":"temperature","ts":1767225600,"value":84.9995},{"sensor":"pressure","ts":1767225600,"value":1099.9995}]}' },
  ],
  'jwt-verify': [{ headers: { authorization: 'Bearer a.b.c', 'x-lab-now': '0123456789012' } }, { headers: { authorization: 'BeArEr\u00a0x.y.z' } }],
  'ab-flag': [{ headers: { cookie: 'uid=u-1', 'x-user-id': '\u000b\u000cu-2\r' } }],
};

for (const name of Object.keys(CORNER_CASES)) {
  const cases = [...CORNER_CASES[name]!, ...(GO_CASES[name] ?? [])];
  testCornerCases(name, `${name}-go`, cases, async () => (await buildGoWorkload(loadWorkload(`${name}-go`))).harness.path);
}

test('the build is cached by content; the core module imports only wasi:* and the Go runtime\'s preview1 set; the result is a component', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-go-build-'));
  try {
    const first = await buildGoWorkload(loadWorkload('hello-go'), { cacheRoot: root });
    const second = await buildGoWorkload(loadWorkload('hello-go'), { cacheRoot: root });
    assert.equal(first.built, true);
    assert.equal(second.built, false);
    assert.deepEqual(second.component, first.component);
    assert.equal(first.sourceDigest, loadWorkload('hello-go').sourceDigest);
    const core = readFileSync(first.core.path);
    assert.deepEqual(unexpectedCoreImports(core), []);
    const { imports, exports } = coreModuleInterface(core);
    for (const name of ['_initialize', 'cabi_realloc', 'cabi_realloc_adapter', 'wasi:http/incoming-handler@0.2.10#handle']) assert.ok(exports.includes(name), `core export ${name}: ${exports.join(', ')}`);
    const preview1 = imports.filter((i) => i.module === 'wasi_snapshot_preview1').map((i) => i.name);
    assert.ok(preview1.every((n) => GO_RUNTIME_PREVIEW1.includes(n)), preview1.join(', '));
    // A component (layer 1), not a core module: preamble version 0x0d, layer 0x01.
    assert.deepEqual([...readFileSync(first.component.path).subarray(4, 8)], [0x0d, 0x00, 0x01, 0x00]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** hello-go with another handler source, in a scratch folder. */
function withHandler(source: string): { w: Workload; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'lab-go-rules-'));
  const dir = join(root, 'clock-go');
  mkdirSync(dir);
  writeFileSync(join(dir, 'handler.go'), source);
  const w = loadWorkload('hello-go');
  return { w: { ...w, name: 'clock-go', dir, sourcePath: join(dir, 'handler.go'), sourceDigest: `sha256:${'0'.repeat(63)}1` }, root };
}

test('a handler that reads the clock fails its build naming the workload and the rule', async () => {
  const { w, root } = withHandler('package handler\n\nimport (\n\t"strconv"\n\t"time"\n\n\t"edge-pop-lab/workloads/go/edge"\n)\n\nfunc Handle(req *edge.Request) *edge.Response {\n\treturn edge.Text(200, strconv.FormatInt(time.Now().Unix(), 10))\n}\n');
  try {
    await assert.rejects(buildGoWorkload(w, { cacheRoot: root }), (e: unknown) => e instanceof GoHandlerRuleError && /clock-go breaks the handler rules: handler\.go imports "time": no clock/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the rules name randomness, I/O, goroutines and packages off the list', () => {
  assert.deepEqual(handlerRuleBreaches(['strings', 'crypto/sha256', 'edge-pop-lab/workloads/go/edge']), []);
  const [rand, os, net, fmt, sync, xml] = handlerRuleBreaches(['math/rand/v2', 'os', 'net/http', 'fmt', 'sync', 'encoding/xml']);
  assert.match(rand!, /"math\/rand\/v2": no randomness/);
  assert.match(os!, /"os": no I\/O/);
  assert.match(net!, /"net\/http": no I\/O/);
  assert.match(fmt!, /"fmt": no I\/O/);
  assert.match(sync!, /"sync": synchronous/);
  assert.match(xml!, /"encoding\/xml": not a pure standard-library package a handler may use/);
});

test('building a JS workload as Go fails naming the workload and the step', async () => {
  await assert.rejects(buildGoWorkload(loadWorkload('hello')), (e: unknown) => e instanceof GoBuildError && /hello: checking the manifest failed: language is "js"/.test(e.message));
});

function getOverSocket(socketPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, path: '/x', method: 'GET', headers: { host: 'lab' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

test('the static server listens on LAB_SOCKET, refuses a non-loopback HOST, and exits with its parent', async () => {
  const server = (await buildGoWorkload(loadWorkload('hello-go'))).server.path;
  const dir = mkdtempSync(join(tmpdir(), 'lab-go-sock-'));
  try {
    const socketPath = join(dir, 'pop.sock');
    // LAB_EXIT_WITH_PARENT=1: the end of stdin is the parent's end.
    const child = spawn(server, [], { env: { LAB_SOCKET: socketPath, LAB_EXIT_WITH_PARENT: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString())));
    assert.equal(line.trim(), `listening unix:${socketPath}`);
    assert.deepEqual(await getOverSocket(socketPath), { status: 200, body: 'hello from edge-pop-lab\n' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.end();
    assert.equal(await exited, 0);

    const refused = spawn(server, [], { env: { HOST: '0.0.0.0', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    refused.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    assert.equal(await new Promise<number | null>((resolve) => refused.once('exit', (code) => resolve(code))), 2);
    assert.match(stderr, /HOST must be a 127\.x\.x\.x literal/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
