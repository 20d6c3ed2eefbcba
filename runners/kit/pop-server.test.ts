import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { POP_HEADERS, type MemoryReport, type PopStats } from '../../lab/pop/contract.js';
import type { EvictResult, PopRequest, PopResult } from './pool.js';
import { PopClient } from '../../lab/pop/client.js';
import { PopError } from './pop-error.js';
import { startPopServer, type PopBackend, type PopServer } from './pop-server.js';

/** Records what the front hands the pool and answers as told. */
class StubBackend implements PopBackend {
  requests: PopRequest[] = [];
  evicted: (string | undefined)[] = [];
  drains: boolean[] = [];
  next: (req: PopRequest) => PopResult = (req) => ({
    response: { status: 201, headers: { 'x-guest': 'yes', connection: 'close', 'content-length': '999' }, body: new TextEncoder().encode(`saw ${req.path}`), firstByteAt: 0 },
    activation: 'cold',
    instance: `${req.tenant}.1`,
    activationId: 'a1',
    waitedMs: 0,
  });
  async handle(req: PopRequest): Promise<PopResult> {
    this.requests.push(req);
    return this.next(req);
  }
  async evict(tenant?: string): Promise<EvictResult> {
    this.evicted.push(tenant);
    return { evicted: 3, retiring: 1 };
  }
  stats(drain: boolean): PopStats {
    this.drains.push(drain);
    return { runtime: 'stub', instances: { t1: 1 }, spares: {}, counters: { requests: 1, cold: 1, warm: 0, spare: 0, errors: 0, evictions: 0, evictionsBy: {} }, activations: [] };
  }
  async memoryReport(): Promise<MemoryReport> {
    return { runtime: 'stub', method: 'm', instances: [], perInstanceUssBytes: 1, perInstancePssBytes: 2, fixedOverheadBytes: 3, extra: {} };
  }
}

/** A raw request, so the test controls headers fetch would normalise. */
function raw(url: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(`${url}${path}`, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    r.on('error', reject);
    r.end(opts.body);
  });
}

describe('PoP server', () => {
  let backend: StubBackend;
  let server: PopServer;

  before(async () => {
    backend = new StubBackend();
    server = await startPopServer(backend);
  });
  after(() => server.close());

  it('listens on 127.0.0.1 only', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('routes /t/<tenant>/<path> with the query to the guest and adds the lab headers', async () => {
    const res = await raw(server.url, '/t/t%2D1/api/items?id=3', { method: 'POST', headers: { 'x-custom': 'v', [POP_HEADERS.forceCold]: '1' }, body: 'payload' });
    assert.equal(res.status, 201);
    assert.equal(res.text, 'saw /api/items?id=3');
    assert.equal(res.headers['x-guest'], 'yes');
    assert.equal(res.headers['content-length'], String('saw /api/items?id=3'.length), 'recomputed, not the guest value');
    assert.notEqual(res.headers.connection, 'close', 'hop-by-hop headers of the guest are not forwarded');
    assert.equal(res.headers[POP_HEADERS.activation], 'cold');
    assert.equal(res.headers[POP_HEADERS.instance], 't-1.1');
    assert.equal(res.headers[POP_HEADERS.activationId], 'a1');
    assert.equal(res.headers[POP_HEADERS.queue], undefined, 'no queue header for a request that did not wait');
    assert.match(String(res.headers[POP_HEADERS.timing]), /^pop;dur=\d+\.\d{3}$/, 'host-side time; no guest part when the instance gives none');
    const req = backend.requests.at(-1)!;
    assert.equal(req.tenant, 't-1');
    assert.equal(req.method, 'POST');
    assert.equal(req.forceCold, true);
    assert.equal(Buffer.from(req.body).toString(), 'payload');
    assert.equal(req.headers['x-custom'], 'v');
    assert.equal(req.headers[POP_HEADERS.forceCold], undefined, 'lab control headers stay at the PoP');
    assert.equal(req.headers.host, undefined);
    assert.ok(req.arrivedAt > 0 && req.arrivedAtEpochMs > 0);
  });

  it('tells the client how long a request waited in its tenant\'s queue', async () => {
    const saved = backend.next;
    backend.next = (req) => ({ ...saved(req), activation: 'warm', waitedMs: 12.3456 });
    try {
      const res = await raw(server.url, '/t/t1/');
      assert.equal(res.headers[POP_HEADERS.queue], '12.346');
    } finally {
      backend.next = saved;
    }
  });

  it('gives the guest "/" for a bare tenant URL', async () => {
    await raw(server.url, '/t/t1');
    assert.equal(backend.requests.at(-1)?.path, '/');
    await raw(server.url, '/t/t1?x=1');
    assert.equal(backend.requests.at(-1)?.path, '/?x=1');
    assert.equal(backend.requests.at(-1)?.forceCold, false);
  });

  it('turns a PopError into its status, x-lab-error and a body naming the tenant', async () => {
    backend.next = (req) => {
      throw new PopError(502, 'crash', req.tenant, 'instance crashed (exit code 1)', { activation: 'warm', instance: 'i9' });
    };
    const res = await raw(server.url, '/t/t0003/');
    assert.equal(res.status, 502);
    assert.equal(res.headers[POP_HEADERS.error], 'crash');
    assert.equal(res.headers[POP_HEADERS.instance], 'i9');
    assert.equal(res.text, 'tenant t0003: instance crashed (exit code 1)\n');
  });

  it('rejects a URL naming no tenant', async () => {
    const res = await raw(server.url, '/t//x');
    assert.equal(res.status, 400);
    assert.equal(res.headers[POP_HEADERS.error], 'bad-request');
  });

  it('serves the control endpoints through PopClient', async () => {
    const client = new PopClient(server.url);
    await client.waitHealthy(1000);
    assert.deepEqual(await client.evict('t1'), { evicted: 3, retiring: 1 });
    assert.deepEqual(await client.evict(), { evicted: 3, retiring: 1 });
    assert.deepEqual(backend.evicted, ['t1', undefined]);
    assert.equal((await client.stats()).runtime, 'stub');
    await client.stats({ drain: true });
    assert.deepEqual(backend.drains, [false, true]);
    assert.equal((await client.memory()).fixedOverheadBytes, 3);
  });

  it('refuses malformed control requests', async () => {
    assert.equal((await raw(server.url, '/_lab/evict')).status, 405);
    const bad = await raw(server.url, '/_lab/evict', { method: 'POST', body: '{nope' });
    assert.equal(bad.status, 400);
    assert.equal((await raw(server.url, '/_lab/evict', { method: 'POST', body: '{"tenant":3}' })).status, 400);
    const missing = await raw(server.url, '/_lab/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers[POP_HEADERS.error], 'not-found');
  });

  it('reports an endpoint that never becomes healthy', async () => {
    const closed = await startPopServer(new StubBackend());
    await closed.close();
    await assert.rejects(new PopClient(closed.url).waitHealthy(100), /not healthy within 100 ms/);
  });
});
