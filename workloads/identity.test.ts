/**
 * The identity check of the packagings that need no runner: every fixture of every workload
 * must give the fixture's status, header subset and body bytes, and the same status, handler
 * headers and body bytes as calling the handler directly (in process, in a bare realm, in the
 * Node packaging server, the C and Go ports through their harness and static server, the Python
 * ports through their harness and their CPython server). What a
 * runner makes of a workload (component, container image, its PoP) is checked the same way by
 * the conformance suite's `identity` behaviour against every runner (runners/conformance/).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureExpectedBody, fixtureRequestBody, listWorkloads, loadWorkload } from './registry.js';
import type { Fixture, Workload } from './registry.js';
import { directCall, packagings } from './testkit/packagings.js';
import type { Endpoint, Observed } from './testkit/packagings.js';
import { cPackagings } from './c/identity-packagings.js';
import { goPackagings } from './go/identity-packagings.js';
import { pyPackagings } from './py/identity-packagings.js';

// JS workloads: each packaging runs them (the C packagings run each one's C port, see
// workloads/c/identity-packagings.ts), and the reference is always the JS handler's direct call.
const workloads: Workload[] = listWorkloads(undefined, 'js').map((name) => loadWorkload(name));

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function assertMatchesFixture(f: Fixture, got: Observed): void {
  assert.equal(got.status, f.expect.status, `status of ${f.name}; body: ${text(got.body)}`);
  for (const [k, v] of Object.entries(f.expect.headers ?? {})) assert.equal(got.headers[k], v, `header ${k} of ${f.name}`);
  const expected = fixtureExpectedBody(f);
  if (expected) assert.deepEqual(Buffer.from(got.body), Buffer.from(expected), `body of ${f.name}`);
}

test('there are workloads to check', () => {
  assert.deepEqual(
    workloads.map((w) => w.name),
    ['ab-flag', 'hello', 'hostile', 'jwt-verify', 'telemetry'],
  );
});

for (const packaging of [...packagings, ...cPackagings, ...goPackagings, ...pyPackagings]) {
  describe(`packaging ${packaging.name}`, () => {
    const endpoints = new Map<string, Endpoint>();
    const references = new Map<string, Endpoint>();

    // A port language without a port of a workload (the hostile one in Go and Python) skips it.
    const covered = workloads.filter((w) => packaging.covers?.(w) ?? true);

    before(async () => {
      await Promise.all(
        covered.map(async (w) => {
          endpoints.set(w.name, await packaging.start(w));
          references.set(w.name, await directCall.start(w));
        }),
      );
    });
    after(async () => {
      await Promise.all([...endpoints.values(), ...references.values()].map((e) => e.stop()));
    });

    for (const w of covered) {
      for (const f of w.fixtures) {
        test(`${w.name}/${f.name}`, async () => {
          const body = fixtureRequestBody(f);
          const got = await endpoints.get(w.name)!.call(f.request, body);
          assertMatchesFixture(f, got);

          const ref = await references.get(w.name)!.call(f.request, body);
          assert.equal(got.status, ref.status);
          assert.deepEqual(Buffer.from(got.body), Buffer.from(ref.body), 'body differs from a direct call');
          if (packaging.http) {
            // The transport adds its own headers (date, connection...); every handler header must arrive unchanged.
            for (const [k, v] of Object.entries(ref.headers)) assert.equal(got.headers[k], v, `handler header ${k}`);
            assert.equal(got.headers['content-length'], String(ref.body.length));
          } else {
            assert.deepEqual(got.headers, ref.headers);
          }
        });
      }
    }
  });
}
