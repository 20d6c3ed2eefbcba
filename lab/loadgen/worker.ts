/**
 * The load-generator process (entry script, forked by lab/loadgen/client.ts). Open loop: each
 * request is sent at its planned time whatever happened to earlier ones, and its latency is
 * measured from that INTENDED time (wrk2's method), so a stalled PoP cannot hide behind a
 * generator that waits for it (coordinated omission). Late sends, errors and timeouts are
 * counted, never dropped.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { POP_HEADERS, type ActivationKind } from '../pop/contract.js';
import { LoadRecorder, type Outcome } from './recorder.js';
import type { FromLoadgen, LoadJob, ToLoadgen } from './protocol.js';
import { InputError } from '../errors.js';

const send = (m: FromLoadgen): void => {
  process.send?.(m);
};

// Ctrl-C on a terminal signals the whole process group; the lab decides when we stop (it sends
// 'stop'), so that the requests already measured are reported instead of lost.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));

let stopRequested = false;
let wake: (() => void) | undefined;

process.on('message', (m: ToLoadgen) => {
  if (m.type === 'stop') {
    stopRequested = true;
    wake?.();
  } else if (m.type === 'job') {
    run(m).then(
      (report) => send(report),
      (err: unknown) => send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  }
});

function assertLoopback(url: URL): void {
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') {
    throw new InputError(`load generator: refusing to send benchmark traffic to ${url.host}: only loopback addresses are allowed`);
  }
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(() => {
      wake = undefined;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(t);
      wake = undefined;
      resolve();
    };
  });

async function run(job: LoadJob): Promise<FromLoadgen> {
  const base = new URL(job.popUrl);
  assertLoopback(base);
  const n = job.atMs.length;
  const { spanMs, warmupMs } = job;

  const recorder = new LoadRecorder(n, job.lateThresholdMs);
  // Keep-alive sockets, no socket cap: an open-loop generator must never queue behind its own pool.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
  let inFlight = 0;
  let allDone: (() => void) | undefined;
  const pendingSettled = (): void => {
    if (inFlight === 0) allDone?.();
  };

  // Intended time zero, a little ahead so the first requests are not late by construction.
  const t0 = performance.now() + 20;
  const startEpochMs = performance.timeOrigin + t0;

  const progressTimer = setInterval(() => {
    send({ type: 'progress', elapsedMs: performance.now() - t0, spanMs, ...recorder.progress() });
  }, 1000);

  const fire = (i: number, lagMs: number): void => {
    const atMs = job.atMs[i]!;
    const tenant = job.tenants[job.tenant[i]!]!;
    const fixtures = job.fixtures[tenant.workload];
    const fx = fixtures?.[job.fixture[i]! % (fixtures.length || 1)];
    const warmup = job.warmup[i] === 1;
    const forced = job.forceCold[i] === 1;
    recorder.sent(atMs, lagMs, warmup, forced);
    const finish = (o: Outcome): void => {
      if (o.ok && o.activationId !== undefined) recorder.coldAnswered(o.activationId, o.latencyMs);
      if (!warmup) recorder.finished(atMs, tenant.workload, tenant.id, o);
      inFlight--;
      pendingSettled();
    };
    inFlight++;
    if (!fx) {
      finish({ ok: false, kind: 'no-fixture', message: `workload ${tenant.workload} has no traffic fixture` });
      return;
    }
    if (inFlight > job.maxInFlight) {
      finish({ ok: false, kind: 'client-overload', message: `more than ${job.maxInFlight} requests in flight` });
      return;
    }
    const headers: Record<string, string | number> = { ...fx.headers, 'content-length': fx.body.byteLength };
    if (forced) headers[POP_HEADERS.forceCold] = '1';
    const intended = t0 + atMs;
    let settled = false;
    const settle = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish(o);
    };
    const req = http.request(
      { host: base.hostname, port: base.port, method: fx.method, path: `/t/${tenant.id}${fx.path}`, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => settle({ ok: false, kind: 'connection', message: `tenant ${tenant.id}: ${e.message}` }));
        res.on('end', () => {
          const latencyMs = performance.now() - intended;
          const status = res.statusCode ?? 0;
          const hostError = res.headers[POP_HEADERS.error];
          if (hostError !== undefined) {
            settle({ ok: false, kind: `host-${String(hostError)}`, status, message: Buffer.concat(chunks).toString('utf8') });
          } else if (status !== fx.expectStatus) {
            settle({ ok: false, kind: 'status-mismatch', status, message: `tenant ${tenant.id}: expected ${fx.expectStatus}, got ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}` });
          } else {
            const a = String(res.headers[POP_HEADERS.activation] ?? 'warm');
            const activation: ActivationKind = a === 'cold' || a === 'spare' ? a : 'warm';
            const activationId = res.headers[POP_HEADERS.activationId];
            const queueMs = Number(res.headers[POP_HEADERS.queue] ?? 0);
            settle({
              ok: true,
              latencyMs,
              activation,
              ...(activation === 'cold' && typeof activationId === 'string' ? { activationId } : {}),
              ...(queueMs > 0 ? { queueMs } : {}),
            });
          }
        });
      },
    );
    const timer = setTimeout(() => {
      settle({ ok: false, kind: 'timeout', message: `tenant ${tenant.id}: no response within ${job.timeoutMs} ms` });
      req.destroy();
    }, job.timeoutMs);
    req.on('error', (e) => settle({ ok: false, kind: 'connection', message: `tenant ${tenant.id}: ${e.message}` }));
    req.end(fx.body);
  };

  let i = 0;
  while (i < n && !stopRequested) {
    const now = performance.now() - t0;
    const due = job.atMs[i]!;
    if (due > now) {
      // Sleep until just before the next send; timer lateness is then measured, not hidden.
      await sleep(Math.max(0, due - now - 0.5));
      continue;
    }
    fire(i, now - due);
    i++;
  }
  const interrupted = stopRequested && i < n;

  if (inFlight > 0) {
    // Wait for in-flight requests (each has its own timeout), or give up at once if stopped.
    await new Promise<void>((resolve) => {
      allDone = resolve;
      if (stopRequested) setTimeout(resolve, Math.min(job.timeoutMs, 2000));
    });
  }
  clearInterval(progressTimer);
  agent.destroy();
  const endEpochMs = performance.timeOrigin + performance.now();
  const report = recorder.report({ startEpochMs, measureStartEpochMs: startEpochMs + warmupMs, endEpochMs }, warmupMs, spanMs, interrupted);
  if (inFlight > 0) report.counts.errors.interrupted = (report.counts.errors.interrupted ?? 0) + inFlight;
  return report;
}
