import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLoad } from './client.js';
import { decodeHistogram, summarise } from '../measure/histogram.js';
import type { LoadJob } from './protocol.js';

/** A PoP stand-in: answers 200 with an activation header; blocks its event loop once when asked. */
async function stubPop(opts: { stallAtRequest?: number; stallMs?: number; failTenant?: string; queueMs?: number }): Promise<{ url: string; close(): Promise<void>; seen: number }> {
  const state = { seen: 0 };
  const server = http.createServer((req, res) => {
    state.seen++;
    if (state.seen === opts.stallAtRequest) {
      const until = Date.now() + (opts.stallMs ?? 0);
      while (Date.now() < until) {
        /* a stalled host: nothing is served meanwhile */
      }
    }
    req.resume();
    req.on('end', () => {
      if (opts.failTenant && req.url?.startsWith(`/t/${opts.failTenant}/`)) {
        res.writeHead(502, { 'x-lab-error': 'crash' }).end(`tenant ${opts.failTenant}: instance crashed`);
        return;
      }
      if (req.headers['x-lab-force-cold']) {
        res.writeHead(200, { 'x-lab-activation': 'cold', 'x-lab-activation-id': `a${state.seen}` }).end('ok');
        return;
      }
      // A warm request that "waited" in its tenant's queue: held for that long, and says so.
      const q = opts.queueMs ?? 0;
      const answer = (): void => void res.writeHead(200, { 'x-lab-activation': 'warm', ...(q > 0 ? { 'x-lab-queue-ms': q.toFixed(3) } : {}) }).end('ok');
      if (q > 0) setTimeout(answer, q);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get seen() {
      return state.seen;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function job(url: string, n: number, gapMs: number, extra: Partial<LoadJob> = {}): Omit<LoadJob, 'type'> {
  const atMs = Float64Array.from({ length: n }, (_, i) => i * gapMs);
  return {
    popUrl: url,
    tenants: [
      { id: 't0001', workload: 'hello' },
      { id: 't0002', workload: 'hello' },
    ],
    fixtures: { hello: [{ method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 }] },
    atMs,
    tenant: Uint32Array.from({ length: n }, (_, i) => i % 2),
    fixture: new Uint32Array(n),
    forceCold: Uint8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0)),
    warmup: Uint8Array.from({ length: n }, (_, i) => (i < 10 ? 1 : 0)),
    spanMs: n * gapMs,
    warmupMs: 10 * gapMs,
    timeoutMs: 3000,
    lateThresholdMs: 5,
    maxInFlight: 1000,
    ...extra,
  };
}

test('every planned request lands in exactly one bucket, errors are named by tenant', async () => {
  const pop = await stubPop({ failTenant: 't0002' });
  try {
    const report = await startLoad(job(pop.url, 60, 5)).done;
    const c = report.counts;
    const errors = Object.values(c.errors).reduce((a, b) => a + b, 0);
    assert.equal(c.planned, 60);
    assert.equal(c.warmup, 10);
    assert.equal(c.completed + errors, 50, 'measured = completed + errors');
    assert.equal(c.errors['host-crash'], 25);
    assert.equal(c.completed, 25);
    assert.equal(c.cold + c.warm + c.spare, c.completed);
    assert.match(report.errorSamples[0]!.message, /tenant t0002/);
    assert.equal(pop.seen, 60, 'warm-up requests are sent too');
  } finally {
    await pop.close();
  }
});

test('a stalled host shows in the tail: latency runs from the intended send time', async () => {
  // 100 requests 10 ms apart; the host blocks for 300 ms at request 20. A closed-loop generator
  // would record one slow request; measured from intended time, the ~30 requests due during the
  // stall all carry it.
  const pop = await stubPop({ stallAtRequest: 20, stallMs: 300 });
  try {
    const report = await startLoad(job(pop.url, 100, 10, { warmup: new Uint8Array(100), warmupMs: 0 })).done;
    const all = summarise(decodeHistogram(report.latency.all));
    assert.equal(all.count, 100);
    assert.ok(all.p90 >= 100, `p90 ${all.p90} ms should carry the 300 ms stall`);
  } finally {
    await pop.close();
  }
});

test('keeps each cold response\'s client latency by activation id, and warm service time without the tenant-queue wait', async () => {
  const pop = await stubPop({ queueMs: 40 });
  try {
    const report = await startLoad(job(pop.url, 60, 5)).done;
    // Forced cold at requests 0, 10, ..., 50: the first is a warm-up request and is kept too.
    assert.deepEqual(Object.keys(report.coldClientMs).sort(), ['a1', 'a11', 'a21', 'a31', 'a41', 'a51']);
    for (const ms of Object.values(report.coldClientMs)) assert.ok(ms > 0 && ms < 3000);
    const warm = summarise(decodeHistogram(report.byWorkload.hello!.warm));
    const service = summarise(decodeHistogram(report.warmServiceByWorkload.hello!));
    assert.equal(service.count, warm.count);
    assert.ok(warm.p50 >= 40, `warm latency ${warm.p50} ms includes the 40 ms queue wait`);
    assert.ok(service.p50 < warm.p50 - 30, `service ${service.p50} ms is the warm latency ${warm.p50} ms less the wait`);
  } finally {
    await pop.close();
  }
});

test('a refused connection is an error naming the tenant and the URL; the report is still whole', async () => {
  // A port nothing listens on: bind, note it, close.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  const report = await startLoad(job(`http://127.0.0.1:${port}`, 20, 5)).done;
  assert.equal(report.counts.errors.connection, 10, 'every measured request is a connection error');
  assert.equal(report.counts.completed, 0);
  assert.equal(report.counts.notSent, 0, 'every planned request was still sent at its time');
  assert.match(report.errorSamples[0]!.message, new RegExp(`tenant t000[12]: http://127\\.0\\.0\\.1:${port}/t/t000[12]/`));
});

test('the engine\'s histograms are the HDR encoding the results model reads: percentiles survive the round trip', async () => {
  // Answers after a set delay per request: 20 ms for 1 in 4, 1 ms otherwise.
  let n = 0;
  const server = http.createServer((req, res) => {
    const slow = n++ % 4 === 0;
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'x-lab-activation': 'warm' }).end('ok'), slow ? 20 : 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const report = await startLoad(job(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 80, 10, { warmup: new Uint8Array(80), warmupMs: 0, forceCold: new Uint8Array(80) })).done;
    const all = summarise(decodeHistogram(report.latency.all));
    assert.equal(all.count, 80);
    assert.ok(all.p50 >= 1 && all.p50 < 15, `p50 ${all.p50} ms: most requests take ~1 ms`);
    assert.ok(all.p99 >= 20, `p99 ${all.p99} ms: a quarter take 20 ms`);
    const perSecond = report.timeseries.reduce((a, s) => a + summarise(decodeHistogram(s.hdr)).count, 0);
    assert.equal(perSecond, 80, 'the per-second histograms hold every measured request');
    assert.equal(summarise(decodeHistogram(report.sendLag)).count, 80);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('bodies framed by chunks or by closing are read to their last byte; connections the server closed while idle are redialled, not errors', async () => {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const k = n++ % 3;
      if (k === 0) {
        // Chunked: written in two parts, no content-length.
        res.writeHead(200, { 'x-lab-activation': 'warm' });
        res.write('first part, ');
        setTimeout(() => res.end('second part'), 5);
      } else if (k === 1) {
        // Framed by closing the connection.
        res.writeHead(200, { 'x-lab-activation': 'warm', connection: 'close' });
        res.end('closed');
      } else res.writeHead(200, { 'x-lab-activation': 'warm', 'content-length': '2' }).end('ok');
    });
  });
  // Idle keep-alive connections are closed after 30 ms; requests come every 60 ms.
  server.keepAliveTimeout = 30;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const report = await startLoad(job(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 30, 60, { warmup: new Uint8Array(30), warmupMs: 0, forceCold: new Uint8Array(30) })).done;
    assert.deepEqual(report.counts.errors, {});
    assert.equal(report.counts.completed, 30);
    assert.ok(summarise(decodeHistogram(report.latency.all)).max >= 5, 'the chunked answers took their 5 ms');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('refuses a non-loopback target', async () => {
  await assert.rejects(startLoad(job('http://10.1.2.3:80', 1, 1)).done, /only loopback/);
});

test('stop() ends early and still reports, counting what was not sent', async () => {
  const pop = await stubPop({});
  try {
    // 10 s of traffic; stopped at the first progress report that shows measured responses.
    let run: ReturnType<typeof startLoad> | undefined;
    run = startLoad(job(pop.url, 1000, 10), (p) => {
      if (p.completed > 0) run?.stop();
    });
    const report = await run.done;
    assert.equal(report.interrupted, true);
    assert.ok(report.counts.notSent > 0);
    assert.ok(report.counts.completed > 0);
    const errors = Object.values(report.counts.errors).reduce((a, b) => a + b, 0);
    assert.equal(report.counts.warmup + report.counts.completed + errors + report.counts.notSent, 1000, 'every planned request in one bucket');
  } finally {
    await pop.close();
  }
});
