/**
 * The Go ports against their JS references on the seeded malformed input the C ports face
 * (workloads/c/fuzz-inputs.ts, the same seeds): every generated request must get the same
 * status, the same headers and the same body bytes from the Go handler (through its harness,
 * which speaks the C harness's framing; a Go panic ends it with its trace) as from the JS handler
 * called directly. A subset also goes over HTTP to the static net/http server, which must answer
 * like the JS handler, add no header of its own but content-length, and survive malformed HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listWorkloads, loadWorkload } from '../registry.js';
import { describePortFuzz, type MalformedCase } from '../c/port-suites.js';
import { buildGoWorkload } from './build.js';

// The C server's refusals, as net/http gives them (its own text); net/http also insists on Host.
const MALFORMED: MalformedCase[] = (
  [
    ['GET\r\n\r\n', 400],
    ['GET / HTTP/2.0\r\nhost: x\r\n\r\n', 505],
    ['GET / HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello', 400],
    ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 99999999999\r\n\r\n', 413],
    ['POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', 501],
    [`GET / HTTP/1.1\r\nhost: x\r\nx: ${'a'.repeat(20000)}\r\n\r\n`, 431],
  ] as const
).map(([text, status]) => ({ bytes: Buffer.from(text), answer: new RegExp(`^HTTP/1\\.1 ${status} `), mayClose: false }));

const ports = listWorkloads(undefined, 'go').map((n) => loadWorkload(n));

test('every Go port is fuzzed', () => {
  assert.deepEqual(
    ports.map((w) => w.name),
    ['ab-flag-go', 'hello-go', 'jwt-verify-go', 'telemetry-go'],
  );
});

for (const port of ports) {
  describePortFuzz(port, {
    build: async (w) => {
      const built = await buildGoWorkload(w);
      return { harness: built.harness.path, server: built.server.path };
    },
    malformed: MALFORMED,
    overHttp: (headers, at) => assert.equal(headers.date, undefined, `${at}: net/http added a date header`),
  });
}
