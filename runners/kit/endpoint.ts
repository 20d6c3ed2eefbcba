/**
 * Endpoints that speak no PoP protocol: a reference host (`wasmtime serve`, `jco serve`) or any
 * HTTP server a scenario points at. The lab sends each workload's requests to its base URL as
 * they are and measures them client-side only; what such an endpoint cannot tell (activations
 * and their phases, memory per instance, pool counters) is named in the result, never invented.
 */
import { everyProbe } from '../../lab/isolation/probes.js';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, InputError } from '../../lab/errors.js';
import type { ConformanceDeclaration } from '../../lab/pop/conformance.js';
import type { NotMeasured, PopHandle } from '../../lab/pop/contract.js';

/** What a plain endpoint cannot give. */
export function plainNotMeasured(what: string): NotMeasured[] {
  return [
    { figure: 'coldStart', why: `${what} speaks no PoP protocol: it reports no activations, so cold starts and their phases are not measured (latency is, client-side)` },
    { figure: 'memory', why: `${what} has no memory report: memory per instance is not measured` },
    { figure: 'pop', why: `${what} keeps no pool counters the lab can read (instances, evictions)` },
  ];
}

/** The loopback base URL `raw` names, or an input error naming `field`: benchmark traffic never leaves the machine. */
export function loopbackUrl(raw: unknown, field: string): string {
  let u: URL;
  try {
    u = new URL(String(raw));
  } catch {
    throw new InputError(`${field}: not a URL: ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:') throw new InputError(`${field}: only http:// endpoints, got ${u.protocol}`);
  if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new InputError(`${field}: benchmark traffic goes to 127.0.0.1 only, got ${u.host}`);
  return u.href.replace(/\/$/, '');
}

/** Resolves once something accepts TCP connections on `url`'s port, or fails after `timeoutMs` naming `what`. */
export async function waitListening(url: string, timeoutMs: number, what: string, alive: () => string | undefined = () => undefined): Promise<void> {
  const { hostname, port } = new URL(url);
  const end = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: hostname, port: Number(port) });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    const dead = alive();
    if (dead) throw new EnvironmentError(`${what} ${dead}`);
    if (performance.now() > end) throw new EnvironmentError(`${what} does not accept connections on ${url} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A handle over plain endpoints, one base URL per workload; `hostPid` when the lab started them (leak checks). */
export function plainHandle(urls: Record<string, string>, what: string, stop: () => Promise<void>, hostPid?: number): PopHandle & { hostPid?: number } {
  const first = Object.values(urls)[0];
  if (first === undefined) throw new InputError(`${what}: no endpoint for any workload`);
  let stopped: Promise<void> | undefined;
  return { url: first, plain: { urls, notMeasured: plainNotMeasured(what) }, stop: () => (stopped ??= stop()), ...(hostPid !== undefined ? { hostPid } : {}) };
}

/**
 * The conformance declaration of a runner whose endpoint speaks no PoP protocol: identity and a
 * clean stop can be shown, nothing of the instance lifecycle can.
 */
export function plainOnlyConformance(what: string): ConformanceDeclaration {
  const noPop = `${what} speaks no PoP protocol`;
  return {
    cannot: {
      'cold-then-warm': `${noPop}: it reports no activations`,
      'forced-cold': `${noPop}: it cannot be asked for a fresh instance`,
      'evict-on-command': `${noPop}: it has no eviction command`,
      'keep-alive-expiry': `${noPop}: it keeps its instances by its own rules, unseen`,
      'instance-cap-queueing': `${noPop}: it takes no instance cap`,
      'memory-budget-lru': `${noPop}: it takes no memory budget and reports no memory`,
      'crash-answered': `${noPop}: a crash is answered by its own rules, without the PoP's error header`,
      'hang-answered': `${noPop}: a hang is answered by its own rules, without the PoP's error header`,
    },
    // Its guests are components: no file, process or socket capability reaches them.
    probes: everyProbe('denied'),
  };
}
