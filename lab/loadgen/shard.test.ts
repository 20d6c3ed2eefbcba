import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLoad } from './client.js';
import { mergeLoadReports, shardJob, tenantShards } from './shard.js';
import { decodeHistogram } from '../measure/histogram.js';
import type { LoadJob, LoadReport } from './protocol.js';

type Job = Omit<LoadJob, 'type'>;

/** Five tenants with Zipf-like request counts (one hot, a tail), every 10th request a warm-up. */
function zipfJob(url: string): Job {
  const weights = [20, 8, 5, 4, 3];
  const tenant: number[] = [];
  for (let round = 0; round < 4; round++) weights.forEach((w, t) => tenant.push(...new Array<number>(w).fill(t)));
  const n = tenant.length;
  return {
    popUrl: url,
    tenants: weights.map((_, i) => ({ id: `t000${i + 1}`, workload: i % 2 ? 'hello' : 'echo' })),
    fixtures: {
      hello: [{ method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 }],
      echo: [{ method: 'GET', path: '/e', headers: {}, body: new Uint8Array(), expectStatus: 200 }],
    },
    atMs: Float64Array.from({ length: n }, (_, i) => i * 4),
    tenant: Uint32Array.from(tenant),
    fixture: new Uint32Array(n),
    forceCold: Uint8Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 1 : 0)),
    warmup: Uint8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0)),
    spanMs: n * 4,
    warmupMs: 0,
    timeoutMs: 3000,
    lateThresholdMs: 5,
    maxInFlight: 1000,
  };
}

test('sharding by tenant: every request in exactly one shard, a tenant whole in one, shards as even as whole tenants allow', () => {
  const job = zipfJob('http://127.0.0.1:1');
  const of = tenantShards(job, 2);
  // 80 requests of the hot tenant against 20+16+12 of the rest: it alone in one shard.
  assert.deepEqual(of, [0, 1, 1, 1, 1]);
  const shards = shardJob(job, 3);
  assert.equal(shards.reduce((a, s) => a + s.atMs.length, 0), job.atMs.length);
  const seen = new Map<number, number>();
  shards.forEach((s, k) => {
    for (let i = 0; i < s.atMs.length; i++) {
      const t = s.tenant[i]!;
      assert.equal(seen.get(t) ?? k, k, `tenant ${t} split across shards`);
      seen.set(t, k);
      if (i > 0) assert.ok(s.atMs[i]! >= s.atMs[i - 1]!, 'a shard keeps the send order');
    }
  });
  // Flags travel with their request.
  const flags = (j: Job): number => j.forceCold.reduce((a, b) => a + b, 0) * 1000 + j.warmup.reduce((a, b) => a + b, 0);
  assert.equal(shards.reduce((a, s) => a + flags(s), 0), flags(job));
  assert.throws(() => shardJob(job, 0), /positive integer/);
});

test('the real engine on three shards, merged: the same requests, counts and histogram totals as the job, seconds aligned', async () => {
  let served = 0;
  const server = http.createServer((req, res) => {
    served++;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'x-lab-activation': req.headers['x-lab-force-cold'] ? 'cold' : 'warm', ...(req.headers['x-lab-force-cold'] ? { 'x-lab-activation-id': `a${served}` } : {}) }).end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const job = zipfJob(url);
    const reports: LoadReport[] = [];
    // The generators of a cluster run side by side; so do these.
    for (const r of await Promise.all(shardJob(job, 3).map((s) => startLoad(s).done))) reports.push(r);
    const { report, startSkewMs } = mergeLoadReports(reports);
    const measured = job.warmup.reduce((a, w) => a + (w ? 0 : 1), 0);
    assert.equal(served, job.atMs.length, 'every request sent once');
    assert.equal(report.counts.planned, job.atMs.length);
    assert.equal(report.counts.warmup, job.atMs.length - measured);
    assert.equal(report.counts.completed, measured);
    assert.equal(report.counts.completed, reports.reduce((a, r) => a + r.counts.completed, 0));
    assert.equal(decodeHistogram(report.latency.all).totalCount, measured, 'the merged histogram holds every measured request');
    assert.equal(decodeHistogram(report.latency.all).maxValue, Math.max(...reports.map((r) => decodeHistogram(r.latency.all).maxValue)));
    assert.equal(decodeHistogram(report.byWorkload.hello!.all).totalCount + decodeHistogram(report.byWorkload.echo!.all).totalCount, measured);
    assert.equal(report.counts.cold + report.counts.warm, measured);
    assert.equal(Object.keys(report.coldClientMs).length, reports.reduce((a, r) => a + Object.keys(r.coldClientMs).length, 0));
    const perSecond = report.timeseries.reduce((a, p) => a + p.completed, 0);
    assert.equal(perSecond, reports.reduce((a, r) => a + r.timeseries.reduce((b, p) => b + p.completed, 0), 0));
    assert.ok(startSkewMs >= 0 && startSkewMs < 5000, `start skew ${startSkewMs} ms`);
    assert.equal(report.startEpochMs, Math.min(...reports.map((r) => r.startEpochMs)));
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('the engine sends to non-loopback addresses only with --in-cluster, and --in-cluster only inside a pod', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadEngine } = await import('./client.js');
  const { encodeJob } = await import('./job-file.js');
  const dir = mkdtempSync(join(tmpdir(), 'lab-engine-'));
  try {
    const file = join(dir, 'job.bin');
    writeFileSync(file, encodeJob({ ...zipfJob('http://127.0.0.1:1'), route: 'plain', tenants: zipfJob('').tenants.map((t) => ({ ...t, baseUrl: 'http://lab-x-t0001-ctr.edge-pop-lab.svc.cluster.local' })) }));
    const env = { ...process.env };
    delete env.KUBERNETES_SERVICE_HOST;
    const outside = spawnSync(await loadEngine(), [file, '--in-cluster'], { env, encoding: 'utf8', input: '' });
    assert.match(outside.stdout, /--in-cluster is only for the load-generator Job inside a Kubernetes pod.*"type":"failed"/);
    const loopbackOnly = spawnSync(await loadEngine(), [file], { env, encoding: 'utf8', input: '' });
    assert.match(loopbackOnly.stdout, /refusing to send benchmark traffic to lab-x-t0001-ctr\.edge-pop-lab\.svc\.cluster\.local: only loopback addresses are allowed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
