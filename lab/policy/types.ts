/**
 * Instance-lifecycle policy shared by live runners and the simulator: keep-alive (idle
 * timeout), a cap on instances per tenant, and a memory budget with LRU eviction.
 *
 * The policy only *decides*; the caller owns the instances and carries the decisions out.
 * Time comes from an injected clock so tests and the simulator run it deterministically.
 */

/** Milliseconds on some monotonic timeline. Live runners pass performance.now(); the simulator its own time. */
export type Clock = () => number;

/**
 * `forced`: an idle instance dropped to make room for a forced-cold activation at the tenant's cap.
 * `timeout`: an instance killed because a request to it exceeded the request deadline.
 */
export type EvictionCause = 'idle' | 'memory' | 'command' | 'crash' | 'forced' | 'timeout';

/** An instance the policy took off its books: the caller must dispose it. */
export interface Eviction {
  tenant: string;
  instance: string;
  cause: EvictionCause;
}

/** What the caller must do before it may activate a new instance. */
export type AdmitDecision =
  | {
      /** Activate; evict these idle instances first (possibly none). */
      admit: true;
      evict: Eviction[];
    }
  | {
      /** Do not activate now: the tenant is at its instance cap, or memory cannot be freed (all busy). */
      admit: false;
      reason: 'max-instances' | 'memory';
    };
