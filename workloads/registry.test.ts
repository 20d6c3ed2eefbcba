/**
 * The registry: the real workloads load and meet the lab's fixture policy, and broken
 * manifests or fixtures fail with messages that name the workload, the file and the field.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distDir, workloadsDir } from '../lab/paths.js';
import { fixtureExpectedBody, fixtureRequestBody, listWorkloads, loadWorkload } from './registry.js';
import type { Fixture } from './registry.js';
import { importHandler } from './testkit/packagings.js';

test('listWorkloads finds the four workloads and their C, Go and Python ports, sorted, and filters by language', () => {
  assert.deepEqual(listWorkloads(undefined, 'js'), ['ab-flag', 'hello', 'hostile', 'jwt-verify', 'telemetry']);
  assert.deepEqual(listWorkloads(undefined, 'c'), ['ab-flag-c', 'hello-c', 'hostile-c', 'jwt-verify-c', 'telemetry-c']);
  assert.deepEqual(listWorkloads(undefined, 'go'), ['ab-flag-go', 'hello-go', 'jwt-verify-go', 'telemetry-go']);
  assert.deepEqual(listWorkloads(undefined, 'py'), ['ab-flag-py', 'hello-py', 'jwt-verify-py', 'telemetry-py']);
  assert.deepEqual(listWorkloads(), [...listWorkloads(undefined, 'js'), ...listWorkloads(undefined, 'c'), ...listWorkloads(undefined, 'go'), ...listWorkloads(undefined, 'py')].sort());
});

test('a Python port takes its fixtures and reference from its JS workload; its source is handler.py, its limits its reference\'s', () => {
  const w = loadWorkload('telemetry-py');
  assert.equal(w.manifest.language, 'py');
  assert.equal(w.reference, 'telemetry');
  assert.equal(w.sourcePath, join(workloadsDir, 'telemetry-py', 'handler.py'));
  assert.deepEqual(w.fixtures, loadWorkload('telemetry').fixtures);
  assert.equal(w.manifest.bodyLimitBytes, loadWorkload('telemetry').manifest.bodyLimitBytes);
});

test('a Go port takes its fixtures and reference from its JS workload; its source is handler.go', () => {
  const w = loadWorkload('jwt-verify-go');
  assert.equal(w.manifest.language, 'go');
  assert.equal(w.reference, 'jwt-verify');
  assert.equal(w.sourcePath, join(workloadsDir, 'jwt-verify-go', 'handler.go'));
  assert.deepEqual(w.fixtures, loadWorkload('jwt-verify').fixtures);
});

test('a C port takes its fixtures and reference from its JS workload', () => {
  const w = loadWorkload('telemetry-c');
  assert.equal(w.manifest.language, 'c');
  assert.equal(w.reference, 'telemetry');
  assert.equal(w.sourcePath, join(workloadsDir, 'telemetry-c', 'handler.c'));
  assert.deepEqual(w.fixtures, loadWorkload('telemetry').fixtures);
  assert.equal(loadWorkload('telemetry').reference, 'telemetry');
});

test('loadWorkload resolves paths, digest and traffic fixtures', () => {
  const w = loadWorkload('jwt-verify');
  assert.equal(w.dir, join(workloadsDir, 'jwt-verify'));
  assert.equal(w.sourcePath, join(workloadsDir, 'jwt-verify', 'handler.ts'));
  assert.equal(w.handlerPath, join(distDir, 'workloads', 'jwt-verify', 'handler.js'));
  assert.equal(w.sourceDigest, `sha256:${createHash('sha256').update(readFileSync(w.sourcePath)).digest('hex')}`);
  assert.deepEqual(w.trafficFixtures.map((f) => f.name), w.manifest.traffic);
  assert.ok(w.trafficFixtures.every((f) => w.fixtures.includes(f)));
});

test('fixture policy: every fixture pins status and body, enough fixtures, traffic mostly successful', () => {
  for (const name of listWorkloads()) {
    const w = loadWorkload(name);
    assert.ok(w.fixtures.length >= (w.reference === 'hello' ? 3 : 5), `${name}: ${w.fixtures.length} fixtures`);
    for (const f of w.fixtures) assert.ok(fixtureExpectedBody(f), `${name}/${f.name} does not pin its body`);
    const ok = w.trafficFixtures.filter((f) => f.expect.status < 300).length;
    assert.ok(ok * 2 > w.trafficFixtures.length, `${name}: traffic is mostly errors`);
    const statuses = new Set(w.fixtures.map((f) => f.expect.status));
    assert.ok(statuses.has(200) && [...statuses].some((s) => s >= 400), `${name}: needs success and error fixtures`);
  }
});

test('every handler refuses one byte over its manifest body limit with 413', async () => {
  for (const name of listWorkloads(undefined, 'js')) {
    const w = loadWorkload(name);
    const handle = await importHandler(w.handlerPath);
    const base = w.trafficFixtures[0]!;
    const res = handle({ ...base.request, headers: { ...base.request.headers }, body: new Uint8Array(w.manifest.bodyLimitBytes + 1) });
    assert.equal(res.status, 413, name);
  }
});

test('fixture bodies: text, base64 and repeat forms', () => {
  const f = (request: Partial<Fixture['request']>, expect: Partial<Fixture['expect']> = {}): Fixture => ({
    name: 'x',
    request: { method: 'GET', path: '/', headers: {}, ...request },
    expect: { status: 200, ...expect },
  });
  assert.deepEqual(fixtureRequestBody(f({})), new Uint8Array(0));
  assert.deepEqual([...fixtureRequestBody(f({ body: 'hé' }))], [0x68, 0xc3, 0xa9]);
  assert.deepEqual([...fixtureRequestBody(f({ bodyBase64: '/wA=' }))], [0xff, 0x00]);
  assert.equal(fixtureRequestBody(f({ bodyRepeat: { text: 'ab', times: 3 } })).length, 6);
  assert.equal(fixtureExpectedBody(f({})), undefined);
  assert.deepEqual([...fixtureExpectedBody(f({}, { bodyBase64: 'AQI=' }))!], [1, 2]);
});

// Broken workloads live in a scratch root, never in the shared tree.
const scratch = mkdtempSync(join(tmpdir(), 'edge-pop-lab-registry-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function broken(manifest: unknown, fixtures: unknown, withSource = true): string {
  const name = `broken-${++counter}`;
  const dir = join(scratch, name);
  mkdirSync(dir);
  const m = typeof manifest === 'function' ? (manifest as (n: string) => unknown)(name) : manifest;
  if (m !== undefined) writeFileSync(join(dir, 'workload.json'), typeof m === 'string' ? m : JSON.stringify(m));
  if (fixtures !== undefined) writeFileSync(join(dir, 'fixtures.json'), typeof fixtures === 'string' ? fixtures : JSON.stringify(fixtures));
  if (withSource) writeFileSync(join(dir, 'handler.ts'), 'export {};\n');
  return name;
}

const goodManifest = (name: string) => ({ name, description: 'd', language: 'js', bodyLimitBytes: 0, traffic: ['a'] });
const goodFixtures = [{ name: 'a', request: { method: 'GET', path: '/', headers: {} }, expect: { status: 200, body: 'x' } }];

function rejects(name: string, ...fragments: string[]): void {
  assert.throws(
    () => loadWorkload(name, scratch),
    (e: Error) => {
      for (const frag of [`workload "${name}"`, ...fragments]) assert.ok(e.message.includes(frag), `"${frag}" not in: ${e.message}`);
      return true;
    },
  );
}

test('a well-formed scratch workload loads', () => {
  const name = broken(goodManifest, goodFixtures);
  assert.equal(loadWorkload(name, scratch).trafficFixtures[0]!.name, 'a');
  assert.ok(listWorkloads(scratch).includes(name));
});

test('malformed workloads fail naming the workload, file and field', () => {
  rejects('no-such-workload', 'no-such-workload/workload.json does not exist');
  rejects('Bad/Name', 'not a workload name');
  rejects(broken('{not json', goodFixtures), 'workload.json is not valid JSON');
  rejects(broken((n: string) => ({ ...goodManifest(n), language: 'rust', bodyLimitBytes: -1 }), goodFixtures), 'workload.json', 'language:', 'bodyLimitBytes:');
  rejects(broken((n: string) => ({ ...goodManifest(n), name: 'other' }), goodFixtures), 'name: must equal the folder name');
  rejects(broken((n: string) => ({ ...goodManifest(n), traffic: ['nope'] }), goodFixtures), 'traffic[0]: no fixture named "nope"');
  rejects(broken(goodManifest, undefined), 'fixtures.json does not exist');
  rejects(broken(goodManifest, {}), 'fixtures.json', 'non-empty array');
  rejects(
    broken(goodManifest, [
      { name: 'a', request: { method: 'get', path: 'x', headers: { 'X-Up': 'v' }, body: 'a', bodyBase64: 'AA==' }, expect: { status: 99 } },
      { name: 'a', request: { method: 'GET', path: '/', headers: {} }, expect: { status: 200, bodyBase64: 'not base64!' }, extra: 1 },
    ]),
    'fixtures.json',
    '[0].request.method',
    '[0].request.path',
    '[0].request.headers.X-Up',
    '[0].request: at most one of body, bodyBase64',
    '[0].expect.status',
    '[1].name: duplicate',
    '[1].expect.bodyBase64',
    '[1].extra: unknown field',
  );
  rejects(broken(goodManifest, goodFixtures, false), 'handler source');
});
