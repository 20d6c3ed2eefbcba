/**
 * A misbehaving neighbour beside the measured tenants (scenario `hostile.neighbour`): when it
 * misbehaves, with what request, and what stopped each attempt, read from the PoP's answer.
 * The neighbours' side of it (their latency against a clean twin run) is the blast radius the
 * report computes; this file is the hostile tenant's side.
 */
import { DEFAULT_DRIP, type HostileNeighbourSpec, type TenantLimits } from '../scenario/types.js';

/** The tenant id the misbehaving neighbour runs as. */
export const NEIGHBOUR_TENANT = 'hostile-neighbour';

/** What stopped one misbehaving request. */
export type ContainmentOutcome = 'contained' | 'not-contained' | 'unknown';

export interface Containment {
  outcome: ContainmentOutcome;
  /**
   * The mechanism (`deadline`, `memory limit`, `pids limit`, `instance ended`, `no capability`;
   * for a drip, which wall clock stopped it: `wall-clock deadline (<how>)`, `request timeout`, or
   * `cut mid-body`), or what was seen (`ran to its end`, `reached the lab's cap`).
   */
  by: string;
}

/** How a misbehaving request's answer arrived, beyond its status and body. */
export interface AnswerFacts {
  /** The behaviour asked for: a drip is judged by its body's lines. */
  behaviour?: HostileNeighbourSpec['behaviour'];
  /** Set when the body stopped before its end: why (the connection was cut, or the lab gave up waiting). */
  cut?: { reason: string; byLab: boolean };
}

/**
 * The request that makes the neighbour misbehave. Bounds are four times the tenant's limit, so a
 * contained attempt stops well before them and one that reaches them is not contained.
 */
export function neighbourRequest(n: HostileNeighbourSpec, limits: TenantLimits): { path: string; headers: Record<string, string> } {
  const headers = { 'x-lab-hostile': n.behaviour };
  // A drip's bound is its own length, the scenario's to choose: (chunks - 1) x pauseMs.
  if (n.behaviour === 'drip') return { path: `/?chunks=${n.chunks ?? DEFAULT_DRIP.chunks}&ms=${n.pauseMs ?? DEFAULT_DRIP.pauseMs}`, headers };
  const max = n.behaviour === 'bomb' ? 4 * limits.memoryMiB : n.behaviour === 'fork' ? 4 * limits.pids : 0;
  return { path: max > 0 ? `/?max=${max}` : '/', headers };
}

/** Offsets (ms from the start of the traffic) of the neighbour's requests: `fromSeconds` into the measured window, then every `everySeconds`, while it lasts. */
export function neighbourSchedule(n: HostileNeighbourSpec, warmupSeconds: number, durationSeconds: number): number[] {
  const out: number[] = [];
  for (let t = n.fromSeconds; t < durationSeconds; t += n.everySeconds) out.push(Math.round((warmupSeconds + t) * 1000));
  return out;
}

/** How a neighbour is named in results and reports: `hostile spin from 2 s every 1 s`. */
export function describeNeighbour(n: HostileNeighbourSpec): string {
  const pace = n.behaviour === 'drip' ? ` (${n.chunks ?? DEFAULT_DRIP.chunks} x ${n.pauseMs ?? DEFAULT_DRIP.pauseMs} ms)` : '';
  return `${n.workload} ${n.behaviour}${pace}${n.fromSeconds > 0 ? ` from ${n.fromSeconds} s` : ''} every ${n.everySeconds} s`;
}

/**
 * Which wall clock answered a drip's 504, from the PoP's message: a drip sleeps, so whatever
 * stopped it measured wall time, whatever its name (the lab's per-request limit is named for CPU).
 */
function wallClockOf(text: string): string {
  if (/request timeout/.test(text)) return 'request timeout (wall clock)';
  if (/epoch/.test(text)) return 'wall-clock deadline (checked at an epoch, once the guest woke)';
  if (/engine worker \d+ terminated/.test(text)) return 'wall-clock deadline (engine worker terminated)';
  if (/past its budget|did not return within/.test(text)) return 'wall-clock deadline (guest terminated on its thread)';
  if (/per-request deadline/.test(text)) return 'wall-clock deadline (instance killed)';
  return 'wall-clock deadline';
}

/** A drip's answer: how many of its lines arrived, of how many. */
function dripLines(text: string): { got: number; of: number } | undefined {
  const lines = text.split('\n').filter((l) => /^drip \d+\/\d+$/.test(l));
  const of = lines.length > 0 ? Number(/\/(\d+)$/.exec(lines[0]!)![1]) : 0;
  return lines.length > 0 ? { got: lines.length, of } : undefined;
}

/** What stopped one attempt, from the answer's status, `x-lab-error` kind and body. */
export function classifyContainment(status: number, errorKind: string | null, body: string, facts: AnswerFacts = {}): Containment {
  if (facts.behaviour === 'drip' && status !== 0) {
    if (status === 504 && errorKind === 'timeout') return { outcome: 'contained', by: wallClockOf(body.slice(0, 300)) };
    if (status === 200) {
      const lines = dripLines(body);
      const seen = lines ? `${lines.got} of ${lines.of} slices` : 'no slice';
      // A host that streams cannot answer 504 once the head is out: it can only cut the body.
      if (facts.cut) return facts.cut.byLab ? { outcome: 'not-contained', by: `still dripping past the request timeout (${seen})` } : { outcome: 'contained', by: `cut mid-body (${seen})` };
      if (lines && lines.got === lines.of) return { outcome: 'not-contained', by: `ran to its end (${seen})` };
    }
  }
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
