/**
 * The Go ports against their JS references on the seeded malformed input the C ports face
 * (workloads/c/fuzz-inputs.ts): every generated request must get the same status, the same
 * headers and the same body bytes from the Go handler (through its harness, which speaks the C
 * harness's framing) as from the JS handler called directly, and the harness must not crash (a
 * Go panic ends it with its trace). A subset also goes over HTTP to the static net/http server,
 * which must answer like the JS handler and survive malformed HTTP itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import type { Handler } from '../lib/handler.js';
import { fixtureRequestBody, listWorkloads, loadWorkload, type Workload } from '../registry.js';
import { importHandler } from '../testkit/packagings.js';
import { Rng } from '../testkit/rng.js';
import { fuzzRequest, type FuzzRequest } from '../c/fuzz-inputs.js';
import { Harness } from '../c/harness-client.js';
import { startNativeServer, type NativeServer } from '../c/native/launch.js';
import { buildGoWorkload } from './build.js';

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

const ports: Workload[] = listWorkloads(undefined, 'go').map((n) => loadWorkload(n)).filter((w) => !w.manifest.hostile);

test('every Go port is fuzzed', () => {
  assert.deepEqual(
    ports.map((w) => w.name),
    ['ab-flag-go', 'hello-go', 'jwt-verify-go', 'telemetry-go'],
  );
});

for (const port of ports) {
  describe(`${port.name} vs ${port.reference}`, () => {
    let harness: Harness;
    let server: NativeServer;
    let handle: Handler;
    const reference = loadWorkload(port.reference);

    before(async () => {
      const built = await buildGoWorkload(port);
      harness = new Harness(built.harness.path);
      server = await startNativeServer(built.server.path);
      handle = await importHandler(reference.handlerPath);
    });
    after(async () => {
      await harness?.stop();
      await server?.stop();
    });

    test(`${DIRECT_CASES} seeded malformed requests: same status, headers and bytes as the JS handler`, async () => {
      // The C ports' seeds: both languages face the same inputs.
      const rng = new Rng(0xc0ffee + port.name.length - 1);
      const statuses = new Map<number, number>();
      for (let i = 0; i < DIRECT_CASES; i++) {
        const r = fuzzRequest(rng, reference, false);
        const js = jsCall(handle, r);
        const go = await harness.call(r);
        const at = `case ${i}: ${describeCase(r)}`;
        assert.equal(go.status, js.status, `${at}\nGo body: ${Buffer.from(go.body).toString()}\nJS body: ${js.body.toString()}`);
        assert.deepEqual(Buffer.from(go.body), js.body, `${at}\nGo: ${Buffer.from(go.body).toString()}\nJS: ${js.body.toString()}`);
        assert.deepEqual(Object.fromEntries(go.headers), js.headers, at);
        statuses.set(js.status, (statuses.get(js.status) ?? 0) + 1);
      }
      // The generator must reach success and refusal paths, or it is not testing much.
      const seen = [...statuses.keys()];
      assert.ok(seen.some((s) => s < 300) && seen.some((s) => s >= 400), JSON.stringify([...statuses]));
    });

    test(`${HTTP_CASES} over HTTP to the static server: same status, handler headers and bytes`, async () => {
      const rng = new Rng(0x5eed + port.name.length - 1);
      for (let i = 0; i < HTTP_CASES; i++) {
        const r = fuzzRequest(rng, reference, true);
        const js = jsCall(handle, r);
        const got = await httpCall(server.port, r);
        const at = `case ${i}: ${describeCase(r)}`;
        assert.equal(got.status, js.status, at);
        assert.deepEqual(got.body, js.body, at);
        for (const [k, v] of Object.entries(js.headers)) assert.equal(got.headers[k], v, `${at}: header ${k}`);
        assert.equal(got.headers.date, undefined, `${at}: net/http added a date header`);
      }
    });

    test('malformed HTTP gets 4xx/5xx and the server keeps serving', async () => {
      const rng = new Rng(0xbad + port.name.length);
      // The C server's table where both refuse the same way; net/http answers with its own text.
      const refused: Array<[string, RegExp]> = [
        ['GET\r\n\r\n', /^HTTP\/1\.1 400 /],
        ['GET / HTTP/2.0\r\nhost: x\r\n\r\n', /^HTTP\/1\.1 505 /],
        ['GET / HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n', /^HTTP\/1\.1 400 /],
        ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello', /^HTTP\/1\.1 400 /],
        ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 99999999999\r\n\r\n', /^HTTP\/1\.1 413 /],
        ['POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1\.1 501 /],
        [`GET / HTTP/1.1\r\nhost: x\r\nx: ${'a'.repeat(20000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
      ];
      for (const [g, expected] of refused) assert.match(await rawExchange(server.port, Buffer.from(g)), expected, JSON.stringify(g.slice(0, 80)));
      for (let i = 0; i < 200; i++) {
        const g = Buffer.from(rng.bytes(rng.int(400)));
        const answer = await rawExchange(server.port, g);
        if (answer !== '') assert.match(answer, /^HTTP\/1\.1 [45]\d\d /, `answer to ${JSON.stringify(g.toString('latin1').slice(0, 80))}`);
      }
      assert.equal(server.child.exitCode, null, 'the server exited');
      const f = reference.trafficFixtures[0]!;
      const ok = await httpCall(server.port, { method: f.request.method, path: f.request.path, headers: Object.entries(f.request.headers).map(([k, v]) => [k, Buffer.from(v, 'latin1')]), body: fixtureRequestBody(f) });
      assert.equal(ok.status, f.expect.status);
    });
  });
}
