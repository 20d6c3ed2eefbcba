/**
 * The test suites every port language runs against its JS references (C:
 * workloads/c/c-fuzz.test.ts and c-ports.test.ts; Go: workloads/go/go-fuzz.test.ts and
 * go-ports.test.ts; Python: workloads/py/py-fuzz.test.ts and py-ports.test.ts). A port brings a
 * harness speaking the framing of workloads/c/native/harness.c and a bare-process server with the
 * native server's contract (a static binary, or an interpreter's argv); the suites drive both and
 * compare every answer with the JS handler's, byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import type { Handler } from '../lib/handler.js';
import { fixtureRequestBody, loadWorkload, type Workload } from '../registry.js';
import { importHandler } from '../testkit/packagings.js';
import { Rng } from '../testkit/rng.js';
import type { CornerCase } from '../testkit/corner-cases.js';
import { fuzzRequest, type FuzzRequest } from './fuzz-inputs.js';
import { Harness } from './harness-client.js';
import { startNativeServer, type NativeServer } from './native/launch.js';

const DIRECT_CASES = 3000;
const HTTP_CASES = 300;
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function jsCall(handle: Handler, r: FuzzRequest): { status: number; headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = {};
  for (const [k, v] of r.headers) headers[k] = latin1(v);
  const res = handle({ method: r.method, path: r.path, headers, body: r.body });
  return { status: res.status, headers: { ...res.headers }, body: Buffer.from(res.body) };
}

function describeCase(r: FuzzRequest): string {
  return JSON.stringify({ method: r.method, path: r.path, headers: r.headers.map(([k, v]) => [k, Buffer.from(v).toString('base64')]), body: Buffer.from(r.body).toString('base64').slice(0, 400) });
}

function httpCall(port: number, r: FuzzRequest): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    for (const [k, v] of r.headers) headers[k] = latin1(v);
    headers['content-length'] = r.body.length;
    const req = request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Sends raw bytes on one connection and resolves with whatever comes back before it closes. */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c) => (got += c.toString('latin1')));
    s.on('error', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('connect', () => s.end(bytes));
    s.setTimeout(3000, () => s.destroy());
  });
}

/** A malformed HTTP exchange: what the static server must answer (or, when `mayClose`, close without a word). */
export interface MalformedCase {
  bytes: Buffer;
  answer: RegExp;
  mayClose: boolean;
}

/** What a port language gives the fuzz suite. */
export interface PortUnderTest {
  /** Its harness and bare-process server, built: a binary, or an argv (an interpreter and its script). */
  build(w: Workload): Promise<{ harness: string | string[]; server: string | string[] }>;
  /** Malformed HTTP its server must refuse; 200 random byte strings are added to it. */
  malformed: MalformedCase[];
  /** Checks of one direct answer beyond equality with JS (C: its out-of-memory flag). */
  direct?: (answer: { failed: boolean }, at: string) => void;
  /** Checks of one HTTP answer beyond equality with JS (Go: no header net/http added). */
  overHttp?: (headers: Record<string, string | string[] | undefined>, at: string) => void;
}

/**
 * The fuzz suite of one port: seeded malformed requests (workloads/c/fuzz-inputs.ts) through
 * the harness and over HTTP, each answered as the JS handler answers it; malformed HTTP refused
 * without killing the server. Seeds depend on the JS workload only, so every language's port
 * faces the same inputs.
 */
export function describePortFuzz(port: Workload, lang: PortUnderTest): void {
  describe(`${port.name} vs ${port.reference}`, () => {
    let harness: Harness;
    let server: NativeServer;
    let handle: Handler;
    const reference = loadWorkload(port.reference);
    const seed = reference.name.length + 2;

    before(async () => {
      const built = await lang.build(port);
      harness = new Harness(built.harness);
      server = await startNativeServer(built.server);
      handle = await importHandler(reference.handlerPath);
    });
    after(async () => {
      await harness?.stop();
      await server?.stop();
    });

    test(`${DIRECT_CASES} seeded malformed requests: same status, headers and bytes as the JS handler`, async () => {
      const rng = new Rng(0xc0ffee + seed);
      const statuses = new Map<number, number>();
      for (let i = 0; i < DIRECT_CASES; i++) {
        const r = fuzzRequest(rng, reference, false);
        const js = jsCall(handle, r);
        const got = await harness.call(r);
        const at = `case ${i}: ${describeCase(r)}`;
        lang.direct?.(got, at);
        assert.equal(got.status, js.status, `${at}\n${port.name} body: ${Buffer.from(got.body).toString()}\nJS body: ${js.body.toString()}`);
        assert.deepEqual(Buffer.from(got.body), js.body, `${at}\n${port.name}: ${Buffer.from(got.body).toString()}\nJS: ${js.body.toString()}`);
        assert.deepEqual(Object.fromEntries(got.headers), js.headers, at);
        statuses.set(js.status, (statuses.get(js.status) ?? 0) + 1);
      }
      // The generator must reach success and refusal paths, or it is not testing much.
      const seen = [...statuses.keys()];
      assert.ok(seen.some((s) => s < 300) && seen.some((s) => s >= 400), JSON.stringify([...statuses]));
    });

    test(`${HTTP_CASES} over HTTP to the static server: same status, handler headers and bytes`, async () => {
      const rng = new Rng(0x5eed + seed);
      for (let i = 0; i < HTTP_CASES; i++) {
        const r = fuzzRequest(rng, reference, true);
        const js = jsCall(handle, r);
        const got = await httpCall(server.port, r);
        const at = `case ${i}: ${describeCase(r)}`;
        assert.equal(got.status, js.status, at);
        assert.deepEqual(got.body, js.body, at);
        for (const [k, v] of Object.entries(js.headers)) assert.equal(got.headers[k], v, `${at}: header ${k}`);
        lang.overHttp?.(got.headers, at);
      }
    });

    test('malformed HTTP gets 4xx/5xx and the server keeps serving', async () => {
      const rng = new Rng(0xbad + seed);
      const random = Array.from({ length: 200 }, (): MalformedCase => ({ bytes: Buffer.from(rng.bytes(rng.int(400))), answer: /^HTTP\/1\.1 [45]\d\d /, mayClose: true }));
      for (const c of [...lang.malformed, ...random]) {
        const answer = await rawExchange(server.port, c.bytes);
        if (answer !== '' || !c.mayClose) assert.match(answer, c.answer, `answer to ${JSON.stringify(c.bytes.toString('latin1').slice(0, 80))}`);
      }
      assert.equal(server.child.exitCode, null, 'the server exited');
      const f = reference.trafficFixtures[0]!;
      const ok = await httpCall(server.port, { method: f.request.method, path: f.request.path, headers: Object.entries(f.request.headers).map(([k, v]) => [k, Buffer.from(v, 'latin1')]), body: fixtureRequestBody(f) });
      assert.equal(ok.status, f.expect.status);
    });
  });
}

/**
 * The corner cases of JS workload `name` sent to a port's harness (built by `harnessOf`), each
 * answered as the JS handler answers it: one test per workload.
 */
export function testCornerCases(name: string, portName: string, cases: CornerCase[], harnessOf: () => Promise<string | string[]>): void {
  let harness: Harness | undefined;
  after(async () => {
    await harness?.stop();
  });
  test(`${portName} agrees with ${name} on ${cases.length} corner cases`, async () => {
    harness = new Harness(await harnessOf());
    const handle = await importHandler(loadWorkload(name).handlerPath);
    const method = loadWorkload(name).fixtures[0]!.request.method;
    for (const [i, c] of cases.entries()) {
      const headers = c.headers ?? {};
      const body = new TextEncoder().encode(c.body ?? '');
      const js = handle({ method: c.method ?? method, path: '/', headers, body });
      const got = await harness.call({ method: c.method ?? method, path: '/', headers: Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'latin1')]), body });
      const at = `case ${i}: ${JSON.stringify(c).slice(0, 200)}`;
      assert.equal(got.status, js.status, at);
      assert.equal(Buffer.from(got.body).toString('latin1'), Buffer.from(js.body).toString('latin1'), at);
      assert.deepEqual(Object.fromEntries(got.headers), js.headers, at);
    }
  });
}
