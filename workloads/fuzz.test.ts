/**
 * Malformed-input fuzzing of every handler, called directly: seeded random and mutated
 * requests must never make a handler throw, and every answer must be a 2xx/4xx with a body and
 * headers node:http would accept. A throw would be a 500 in production and a crashed instance in
 * some packagings.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { EdgeRequest, Handler } from './lib/handler.js';
import { fixtureRequestBody, listWorkloads, loadWorkload } from './registry.js';
import type { Workload } from './registry.js';
import { importHandler } from './testkit/packagings.js';
import { Rng } from './testkit/rng.js';

const CASES_PER_WORKLOAD = 3000;
const enc = new TextEncoder();
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Mutates a string: flip, delete, duplicate or truncate at random places. */
function mutate(rng: Rng, s: string): string {
  let out = s;
  for (let n = 1 + rng.int(4); n > 0 && out.length > 0; n--) {
    const at = rng.int(out.length);
    switch (rng.int(4)) {
      case 0:
        out = out.slice(0, at) + String.fromCharCode(rng.int(256)) + out.slice(at + 1);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + rng.int(8));
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + 1 + rng.int(16)) + out.slice(at);
        break;
      default:
        out = out.slice(0, at);
    }
  }
  return out;
}

/** A random JSON value built from the vocabulary of the telemetry format, to reach deep paths. */
function randomJson(rng: Rng, depth: number): unknown {
  const keys = ['device', 'readings', 'sensor', 'ts', 'value', '__proto__', 'constructor', 'x'];
  switch (depth > 3 ? rng.int(5) : rng.int(8)) {
    case 0:
      return null;
    case 1:
      return rng.pick([0, -1, 1.5, 1767225600, 1e308, -1e308, 2 ** 53, 0.0005, 85, 85.0001]);
    case 2:
      return rng.pick(['', 'temperature', 'humidity', 'co2', 'gw-1', '\u0000', 'x'.repeat(70)]);
    case 3:
      return rng.chance(0.5);
    case 4:
      return rng.string(rng.int(6), PRINTABLE);
    case 5:
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--) o[rng.pick(keys)] = randomJson(rng, depth + 1);
      return o;
    }
    default:
      return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth + 1));
  }
}

function randomRequest(rng: Rng, w: Workload): EdgeRequest {
  const base = rng.pick(w.fixtures);
  const headers: Record<string, string> = rng.chance(0.7) ? { ...base.request.headers } : {};
  let body = fixtureRequestBody(base);
  const kind = rng.int(10);
  if (kind === 0) headers['authorization'] = latin1(rng.bytes(rng.int(100)));
  else if (kind === 1) headers['authorization'] = `Bearer ${[0, 1, 2].map(() => rng.string(rng.int(40), B64URL)).join('.')}`;
  else if (kind === 2 && headers['authorization']) headers['authorization'] = mutate(rng, headers['authorization']);
  else if (kind === 3) headers['cookie'] = rng.chance(0.5) ? latin1(rng.bytes(rng.int(60))) : `uid=${rng.string(rng.int(80), PRINTABLE)}`;
  else if (kind === 4) headers['x-user-id'] = rng.string(rng.int(80), PRINTABLE + '\u00e9\u4e2d');
  else if (kind === 5) body = rng.bytes(rng.int(300));
  else if (kind === 6) body = enc.encode(mutate(rng, Buffer.from(body).toString('latin1')));
  else if (kind === 7) body = enc.encode(JSON.stringify(randomJson(rng, 0)));
  else if (kind === 8) headers['x-lab-now'] = rng.pick(['', '-1', '1e9', '99999999999999', String(rng.int(2 ** 31)), latin1(rng.bytes(5))]);
  else if (kind === 9 && headers['cookie']) headers['cookie'] = mutate(rng, headers['cookie']);
  const method = rng.chance(0.85) ? base.request.method : rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'get', '']);
  const path = rng.chance(0.9) ? base.request.path : `/${rng.string(rng.int(30), PRINTABLE)}`;
  return { method, path, headers, body };
}

const handlers = new Map<string, Handler>();
// JS handlers only: the C ports are fuzzed against them in workloads/c/c-fuzz.test.ts.
// A hostile workload is left out: a mutated request may ask it to spin, exit or fork in this process.
const workloads: Workload[] = listWorkloads(undefined, 'js').map((name) => loadWorkload(name)).filter((w) => !w.manifest.hostile);

before(async () => {
  for (const w of workloads) handlers.set(w.name, await importHandler(w.handlerPath));
});

for (const w of workloads) {
  test(`${w.name}: ${CASES_PER_WORKLOAD} malformed requests never throw and always answer 2xx/4xx with a body`, () => {
    const handle = handlers.get(w.name)!;
    const rng = new Rng(0xf022 + w.name.length);
    const statuses = new Map<number, number>();
    for (let i = 0; i < CASES_PER_WORKLOAD; i++) {
      const req = randomRequest(rng, w);
      let res;
      try {
        res = handle(req);
      } catch (e) {
        assert.fail(`case ${i} threw ${String(e)} for ${JSON.stringify({ ...req, body: Buffer.from(req.body).toString('base64') })}`);
      }
      assert.ok((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500), `case ${i}: status ${res.status}`);
      assert.ok(res.body instanceof Uint8Array && res.body.length > 0, `case ${i}: empty body`);
      for (const [k, v] of Object.entries(res.headers)) {
        assert.doesNotThrow(() => {
          validateHeaderName(k);
          validateHeaderValue(k, v);
        }, `case ${i}: header ${k}: ${JSON.stringify(v)}`);
      }
      // Determinism: the same request answers the same bytes.
      assert.deepEqual(Buffer.from(handle(req).body), Buffer.from(res.body), `case ${i}: not deterministic`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    // The generator must reach both success and refusal paths, or it is not testing much.
    const kinds = [...statuses.keys()];
    assert.ok(kinds.some((s) => s < 300) && kinds.some((s) => s >= 400), `statuses seen: ${JSON.stringify([...statuses])}`);
  });
}
