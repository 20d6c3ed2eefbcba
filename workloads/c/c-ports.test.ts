/**
 * Hand-picked corner cases where a C port is most likely to drift from its JS reference, each
 * compared byte for byte (status, headers, body) through the harness; plus the build's promises:
 * cached by content, a component whose core imports only wasi:http/wasi:io, loud failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Handler } from '../lib/handler.js';
import { loadWorkload } from '../registry.js';
import { importHandler } from '../testkit/packagings.js';
import { buildCWorkload, CBuildError, foreignImports } from './build.js';
import { Harness } from './harness-client.js';

const LAB_KEY = 'edge-pop-lab HS256 lab key - public, for measurements only';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
function token(header: string, payload: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', LAB_KEY).update(input).digest('base64url')}`;
}

type Case = { method?: string; headers?: Record<string, string>; body?: string };
const H = '{"alg":"HS256"}';
const CASES: Record<string, Case[]> = {
  'jwt-verify': [
    { headers: { authorization: `Bearer ${token(H, '{"sub":"a\\"b\\\\c","exp":1767229200,"scope":"\\ud800x\\n\\u007f\\u0080😀\\udc00"}')}` } },
    { headers: { authorization: `bearer   ${token(`\ufeff${H}`, '\ufeff{"sub":"u","exp":1767229200}')}   ` } },
    { headers: { authorization: `Bearer ${token('{"alg":"none","alg":"HS256"}', '{"sub":"u","exp":1767229200,"exp":1}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1e400}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767225600.0000001}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767229200,"nbf":1767225600.5}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"__proto__":{"sub":"u"},"exp":1767229200}')}` } },
    { headers: { authorization: `Bearer ${token(H, '[{"sub":"u","exp":1767229200}]')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767229200}')}`, 'x-lab-now': '1767229199' } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767229200}')}x` } },
  ],
  telemetry: [
    { body: '{"device":"d","readings":[{"sensor":"temperature","ts":1767225600,"value":-0.0005},{"sensor":"temperature","ts":1767225600,"value":-0.0004999}]}' },
    { body: '{"device":"d","readings":[{"sensor":"battery","ts":1767225600,"value":4.9995},{"sensor":"battery","ts":1767225600,"value":0.0015},{"sensor":"battery","ts":1767225600,"value":1.0005}]}' },
    { body: '{"device":"d","readings":[{"sensor":"co2","ts":1.7672256e9,"value":100000000000000000000000000000000000000000000001e-43}]}' },
    { body: '{"device":"d","readings":[{"sensor":"humidity","ts":-0,"value":1},{"sensor":"humidity","ts":9007199254740993,"value":1},{"sensor":"\\u0068umidity","ts":1767225600,"value":1e-400}]}' },
    { body: '\ufeff[{"device":"b","readings":[]},{"device":"a","readings":[{"sensor":"pressure","ts":1767225600,"value":1100}]},{"device":"b","readings":[{"sensor":"pressure","ts":1766620799,"value":300}]}]' },
    { body: `${'['.repeat(30000)}${']'.repeat(30000)}` },
    { body: `[${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}]` },
    { body: '{"device":"d","readings":[],"device":"e\\u0000"}' },
    { body: '{"device":"d","readings":[{"sensor":"temperature","ts":1767225600,"value":85,"value":"x"}]}' },
    { body: '{"device":"d","readings":[{"sensor":"temp\\ud800","ts":1,"value":1}]} ' },
    { body: '{"device":"d","readings":[1,null,[],{"sensor":1}]}\u0000' },
    { body: '"\\ud800\\udc00\\udbff"' },
  ],
  'ab-flag': [
    { headers: { 'x-user-id': '\u00a0\t u-1 \u00a0' } },
    { headers: { cookie: 'a=1; uid; uid = "u-2" ; uid=u-3' } },
    { headers: { cookie: 'uid="' } },
    { headers: { cookie: 'uid=""' } },
    { headers: { 'x-user-id': '' , cookie: 'uid=u-4' } },
    { headers: { 'x-user-id': 'x'.repeat(65) } },
  ],
  hello: [{ method: 'HEAD' }, { method: 'get' }, { body: 'x' }],
};

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
