/**
 * Readiness of a container: its first HTTP response on its endpoint (unix socket or
 * 127.0.0.1:<port>), not a connect (a response is what a request needs). Polled about every millisecond; every `aliveEveryMs` the engine is asked
 * whether the container still runs, so one that crashed at start fails fast instead of
 * polling until the deadline.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { describeEndpoint, requestTarget, type InstanceEndpoint } from './endpoint.js';

/** How to wait. */
export interface ReadinessOptions {
  endpoint: InstanceEndpoint;
  /** Give up after this long (milliseconds): the container never became ready. */
  timeoutMs: number;
  signal: AbortSignal;
  /** Pause between attempts, milliseconds (about 1: the timer granularity). */
  pollMs: number;
  /** How often to ask whether the container still runs, milliseconds. */
  aliveEveryMs: number;
  /** Resolves undefined while the container runs, or a reason (`exited with code 1`) once it stopped. */
  dead(): Promise<string | undefined>;
}

/** Why waiting failed: the container stopped, the deadline passed, or the caller aborted. */
export class NotReadyError extends Error {
  constructor(
    readonly reason: 'exited' | 'timeout' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'NotReadyError';
  }
}

/** One GET /; resolves true on any HTTP response, false on a connection failure. */
function probe(endpoint: InstanceEndpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...requestTarget(endpoint), path: '/', method: 'GET', agent: false, headers: { 'x-lab-readiness': '1' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
      res.on('error', () => resolve(true));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Polls until the first response; resolves the time waited (ms), rejects with NotReadyError. */
export async function waitReady(o: ReadinessOptions): Promise<number> {
  const start = performance.now();
  let lastAliveCheck = start;
  for (;;) {
    if (o.signal.aborted) throw new NotReadyError('aborted', 'activation aborted while waiting for readiness');
    if (await probe(o.endpoint)) return performance.now() - start;
    const now = performance.now();
    if (now - lastAliveCheck >= o.aliveEveryMs) {
      lastAliveCheck = now;
      const reason = await o.dead();
      if (reason !== undefined) throw new NotReadyError('exited', reason);
    }
    if (now - start >= o.timeoutMs) throw new NotReadyError('timeout', `no HTTP response on ${describeEndpoint(o.endpoint)} within ${o.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}
