/**
 * The Python ports against their JS references on the seeded malformed input the C and Go ports
 * face (workloads/c/fuzz-inputs.ts, the same seeds): every generated request must get the same
 * status, the same headers and the same body bytes from the Python handler (through its harness,
 * with the run-time rules guard on) as from the JS handler called directly. A subset also goes
 * over HTTP to the CPython server (workloads/py/server.py), which must answer like the JS handler
 * and survive malformed HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listWorkloads, loadWorkload } from '../registry.js';
import { describePortFuzz, type MalformedCase } from '../c/port-suites.js';
import { buildPythonApp, pythonHarnessCommand } from './build.js';

// The C server's refusals, which the Python server gives the same way.
const MALFORMED: MalformedCase[] = (
  [
    ['GET\r\n\r\n', 400],
    ['GET / HTTP/2.0\r\n\r\n', 505],
    ['GET / HTTP/1.1\r\nbad header\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\n folded: x\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello', 400],
    ['POST / HTTP/1.1\r\ncontent-length: 99999999999\r\n\r\n', 413],
    ['POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', 501],
    [`GET / HTTP/1.1\r\nx: ${'a'.repeat(20000)}\r\n\r\n`, 431],
  ] as const
).map(([text, status]) => ({ bytes: Buffer.from(text), answer: new RegExp(`^HTTP/1\\.1 ${status} `), mayClose: false }));

const ports = listWorkloads(undefined, 'py').map((n) => loadWorkload(n));

test('every Python port is fuzzed', () => {
  assert.deepEqual(
    ports.map((w) => w.name),
    ['ab-flag-py', 'hello-py', 'jwt-verify-py', 'telemetry-py'],
  );
});

for (const port of ports) {
  describePortFuzz(port, {
    build: async (w) => ({ harness: await pythonHarnessCommand(w), server: (await buildPythonApp(w)).command }),
    malformed: MALFORMED,
    // The harness reports a handler that raised (or broke a rule) with its message.
    direct: (answer, at) => assert.equal(answer.failed, false, `${at}: the Python handler failed`),
  });
}
