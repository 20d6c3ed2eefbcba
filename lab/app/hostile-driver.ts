/**
 * Drives the misbehaving neighbour during a runtime's traffic: its requests at their scheduled
 * offsets (lab/isolation/containment.ts), each one's answer classified. It runs in the lab's
 * process, not in the load generator's, so the neighbours' latencies are never its own; its
 * requests are bounded in count (the schedule) and in time (each request's deadline).
 */
import { classifyContainment, neighbourRequest, neighbourSchedule, type AnswerFacts } from '../isolation/containment.js';
import { POP_HEADERS } from '../pop/contract.js';
import type { HostileSend } from '../results/model.js';
import type { HostileNeighbourSpec, TenantLimits, TrafficSpec } from '../scenario/types.js';

export interface HostileDriver {
  /** Cancels what is not sent yet, waits for what is in flight, and returns every send. */
  stop(): Promise<HostileSend[]>;
}

/** `route`: the neighbour's tenant route (`<pop>/t/<tenant>`, or a plain endpoint's URL). */
export function startHostileDriver(route: string, n: HostileNeighbourSpec, limits: TenantLimits, traffic: TrafficSpec): HostileDriver {
  const startedAt = performance.now();
  const r = neighbourRequest(n, limits);
  const sends: HostileSend[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = (): void => {
    const atMs = Math.round(performance.now() - startedAt);
    const p = (async () => {
      let status = 0;
      let kind: string | null = null;
      let body = '';
      let cut: AnswerFacts['cut'];
      // Past the PoP's own deadline, so its answer (a 504 naming the tenant) is what is seen.
      const signal = AbortSignal.timeout(traffic.timeoutMs + 5000);
      try {
        const res = await fetch(`${route}${r.path}`, { headers: r.headers, signal });
        status = res.status;
        kind = res.headers.get(POP_HEADERS.error);
        // Read as it comes: a host that streams a drip and then cuts it leaves the part that came.
        const decoder = new TextDecoder();
        try {
          for await (const chunk of res.body ?? []) body += decoder.decode(chunk as Uint8Array, { stream: true });
        } catch (e) {
          cut = { reason: (e as Error).message, byLab: signal.aborted };
        }
      } catch (e) {
        body = (e as Error).message;
      }
      sends.push({ atMs, ms: Math.round(performance.now() - startedAt) - atMs, status, ...classifyContainment(status, kind, body, { behaviour: n.behaviour, ...(cut ? { cut } : {}) }) });
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const timers = neighbourSchedule(n, traffic.warmupSeconds, traffic.durationSeconds).map((at) => setTimeout(send, at));
  return {
    async stop() {
      for (const t of timers) clearTimeout(t);
      await Promise.all([...inFlight]);
      return sends.sort((a, b) => a.atMs - b.atMs);
    },
  };
}
