/**
 * The C ports against their JS references on seeded malformed input (workloads/c/fuzz-inputs.ts):
 * every generated request must get the same status, the same headers and the same body bytes
 * from the C handler (through its harness) as from the JS handler called directly, and neither
 * may crash. A subset also goes over HTTP to the static server, which must answer like the JS
 * handler and survive malformed HTTP itself. The suite is shared with the Go ports
 * (workloads/c/port-suites.ts).
 */
import assert from 'node:assert/strict';
import { listWorkloads, loadWorkload } from '../registry.js';
import { buildCWorkload } from './build.js';
import { describePortFuzz, type MalformedCase } from './port-suites.js';

// Whatever the C server answers to these must be a 4xx/5xx (it may also just close).
const MALFORMED: MalformedCase[] = [
  'GET\r\n\r\n',
  'GET / HTTP/2.0\r\n\r\n',
  'GET / HTTP/1.1\r\nbad header\r\n\r\n',
  'GET / HTTP/1.1\r\n folded: x\r\n\r\n',
  'POST / HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello',
  'POST / HTTP/1.1\r\ncontent-length: 99999999999\r\n\r\n',
  'POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  `GET / HTTP/1.1\r\nx: ${'a'.repeat(20000)}\r\n\r\n`,
  'GET / HTTP/1.1\nhost: x\n\n',
].map((text) => ({ bytes: Buffer.from(text), answer: /^HTTP\/1\.1 [45]\d\d /, mayClose: true }));

// A hostile workload is left out: a mutated request may ask it to spin, exit or fork in this process.
for (const port of listWorkloads(undefined, 'c').map((n) => loadWorkload(n)).filter((w) => !w.manifest.hostile)) {
  describePortFuzz(port, {
    build: async (w) => {
      const built = await buildCWorkload(w);
      return { harness: built.harness.path, server: built.server.path };
    },
    malformed: MALFORMED,
    direct: (answer, at) => assert.equal(answer.failed, false, at),
  });
}
