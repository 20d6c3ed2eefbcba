/**
 * A misbehaving neighbour beside the measured tenants (scenario `hostile.neighbour`): when it
 * misbehaves, with what request, and what stopped each attempt, read from the PoP's answer.
 * The neighbours' side of it (their latency against a clean twin run) is the blast radius the
 * report computes; this file is the hostile tenant's side.
 */
import type { HostileNeighbourSpec, TenantLimits } from '../scenario/types.js';

/** The tenant id the misbehaving neighbour runs as. */
export const NEIGHBOUR_TENANT = 'hostile-neighbour';

/** What stopped one misbehaving request. */
export type ContainmentOutcome = 'contained' | 'not-contained' | 'unknown';

export interface Containment {
  outcome: ContainmentOutcome;
  /** The mechanism (`deadline`, `memory limit`, `pids limit`, `instance ended`, `no capability`), or what was seen. */
  by: string;
}

/**
 * The request that makes the neighbour misbehave. Bounds are four times the tenant's limit, so a
 * contained attempt stops well before them and one that reaches them is not contained.
 */
export function neighbourRequest(n: HostileNeighbourSpec, limits: TenantLimits): { path: string; headers: Record<string, string> } {
  const max = n.behaviour === 'bomb' ? 4 * limits.memoryMiB : n.behaviour === 'fork' ? 4 * limits.pids : 0;
  return { path: max > 0 ? `/?max=${max}` : '/', headers: { 'x-lab-hostile': n.behaviour } };
}

/** Offsets (ms from the start of the traffic) of the neighbour's requests: `fromSeconds` into the measured window, then every `everySeconds`, while it lasts. */
export function neighbourSchedule(n: HostileNeighbourSpec, warmupSeconds: number, durationSeconds: number): number[] {
  const out: number[] = [];
  for (let t = n.fromSeconds; t < durationSeconds; t += n.everySeconds) out.push(Math.round((warmupSeconds + t) * 1000));
  return out;
}

/** How a neighbour is named in results and reports: `hostile spin from 2 s every 1 s`. */
export function describeNeighbour(n: HostileNeighbourSpec): string {
  return `${n.workload} ${n.behaviour}${n.fromSeconds > 0 ? ` from ${n.fromSeconds} s` : ''} every ${n.everySeconds} s`;
}

/** What stopped one attempt, from the answer's status, `x-lab-error` kind and body. */
export function classifyContainment(status: number, errorKind: string | null, body: string): Containment {
  const text = body.slice(0, 300);
  // The driver waits past the PoP's own deadline: no answer by then means nothing stopped it
  // (a plain endpoint has no deadline of its own to answer with).
  if (status === 0 && /timeout|timed out/i.test(text)) return { outcome: 'not-contained', by: 'no answer: still running past the request timeout' };
  if (status === 0) return { outcome: 'unknown', by: `no answer: ${text}` };
  if (status >= 500) {
    if (errorKind === 'timeout') return { outcome: 'contained', by: 'deadline' };
    if (/out of memory|memory limit|memory\.grow|MemoryLimit|oom/i.test(text) || errorKind === 'memory') return { outcome: 'contained', by: 'memory limit' };
    return { outcome: 'contained', by: 'instance ended' };
  }
  if (status === 200) {
    const refused = /^(fork|bomb) refused-after (\d+) ([A-Z]+)/.exec(text);
    if (refused) return { outcome: 'contained', by: `${refused[1] === 'fork' ? 'pids' : 'memory'} limit (refused after ${refused[2]}${refused[1] === 'bomb' ? ' MiB' : ''}: ${refused[3]})` };
    if (/denied no-capability/.test(text)) return { outcome: 'contained', by: 'no capability' };
    if (/reached-cap/.test(text)) return { outcome: 'not-contained', by: `reached the lab's cap: ${text.trim()}` };
  }
  return { outcome: 'unknown', by: `answered ${status} ${JSON.stringify(text.slice(0, 120))}` };
}
