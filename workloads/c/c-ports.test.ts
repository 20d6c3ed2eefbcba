/**
 * Hand-picked corner cases where a C port is most likely to drift from its JS reference, each
 * compared byte for byte (status, headers, body) through the harness; plus the build's promises:
 * cached by content, a component whose core imports only wasi:http, wasi:io and the monotonic
 * clock (a drip's pause), loud failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkload } from '../registry.js';
import { CORNER_CASES as CASES } from '../testkit/corner-cases.js';
import { buildCWorkload, CBuildError, foreignImports, importedInterfaces } from './build.js';
import { testCornerCases } from './port-suites.js';

for (const [name, cases] of Object.entries(CASES)) {
  testCornerCases(name, `${name}-c`, cases, async () => (await buildCWorkload(loadWorkload(`${name}-c`))).harness.path);
}

test('the build is cached by content and the component imports only wasi:http, wasi:io and the monotonic clock', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-c-build-'));
  try {
    const first = await buildCWorkload(loadWorkload('hello-c'), { cacheRoot: root });
    const second = await buildCWorkload(loadWorkload('hello-c'), { cacheRoot: root });
    assert.equal(first.built, true);
    assert.equal(second.built, false);
    assert.deepEqual(second.component, first.component);
    assert.equal(first.sourceDigest, loadWorkload('hello-c').sourceDigest);
    assert.deepEqual(foreignImports(readFileSync(first.core.path)), []);
    // The clock is the drip's pause (hostile tenants only); no file, socket, environment or random.
    assert.deepEqual(importedInterfaces(readFileSync(first.core.path)), ['wasi:clocks/monotonic-clock@0.2.10', 'wasi:http/types@0.2.10', 'wasi:io/error@0.2.10', 'wasi:io/poll@0.2.10', 'wasi:io/streams@0.2.10']);
    // A component (layer 1), not a core module: preamble version 0x0d, layer 0x01.
    assert.deepEqual([...readFileSync(first.component.path).subarray(4, 8)], [0x0d, 0x00, 0x01, 0x00]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('building a JS workload as C fails naming the workload and the step', async () => {
  await assert.rejects(buildCWorkload(loadWorkload('hello')), (e: unknown) => e instanceof CBuildError && /hello: checking the manifest failed: language is "js"/.test(e.message));
});
