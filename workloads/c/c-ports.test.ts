/**
 * Hand-picked corner cases where a C port is most likely to drift from its JS reference, each
 * compared byte for byte (status, headers, body) through the harness; plus the build's promises:
 * cached by content, a component whose core imports only wasi:http/wasi:io, loud failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Handler } from '../lib/handler.js';
import { loadWorkload } from '../registry.js';
import { importHandler } from '../testkit/packagings.js';
import { CORNER_CASES as CASES } from '../testkit/corner-cases.js';
import { buildCWorkload, CBuildError, foreignImports } from './build.js';
import { Harness } from './harness-client.js';

const harnesses = new Map<string, Harness>();
const handlers = new Map<string, Handler>();
before(async () => {
  for (const name of Object.keys(CASES)) {
    harnesses.set(name, new Harness((await buildCWorkload(loadWorkload(`${name}-c`))).harness.path));
    handlers.set(name, await importHandler(loadWorkload(name).handlerPath));
  }
});
after(async () => {
  for (const h of harnesses.values()) await h.stop();
});

for (const [name, cases] of Object.entries(CASES)) {
  test(`${name}-c agrees with ${name} on ${cases.length} corner cases`, async () => {
    const method = loadWorkload(name).fixtures[0]!.request.method;
    for (const [i, c] of cases.entries()) {
      const headers = c.headers ?? {};
      const body = new TextEncoder().encode(c.body ?? '');
      const js = handlers.get(name)!({ method: c.method ?? method, path: '/', headers, body });
      const got = await harnesses.get(name)!.call({ method: c.method ?? method, path: '/', headers: Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'latin1')]), body });
      const at = `case ${i}: ${JSON.stringify(c).slice(0, 200)}`;
      assert.equal(got.status, js.status, at);
      assert.equal(Buffer.from(got.body).toString('latin1'), Buffer.from(js.body).toString('latin1'), at);
      assert.deepEqual(Object.fromEntries(got.headers), js.headers, at);
    }
  });
}

test('the build is cached by content and the component imports only wasi:http and wasi:io', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-c-build-'));
  try {
    const first = await buildCWorkload(loadWorkload('hello-c'), { cacheRoot: root });
    const second = await buildCWorkload(loadWorkload('hello-c'), { cacheRoot: root });
    assert.equal(first.built, true);
    assert.equal(second.built, false);
    assert.deepEqual(second.component, first.component);
    assert.equal(first.sourceDigest, loadWorkload('hello-c').sourceDigest);
    assert.deepEqual(foreignImports(readFileSync(first.core.path)), []);
    // A component (layer 1), not a core module: preamble version 0x0d, layer 0x01.
    assert.deepEqual([...readFileSync(first.component.path).subarray(4, 8)], [0x0d, 0x00, 0x01, 0x00]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('building a JS workload as C fails naming the workload and the step', async () => {
  await assert.rejects(buildCWorkload(loadWorkload('hello')), (e: unknown) => e instanceof CBuildError && /hello: checking the manifest failed: language is "js"/.test(e.message));
});
