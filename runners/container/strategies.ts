/** The activation strategies of the container runner, in one place. */

/**
 * How a cold start gets its container:
 * - `cold`: create + start on the request path;
 * - `pre-created`: created ahead (off the request path), started on it;
 * - `paused`: created, started, ready and paused ahead; unpaused on it;
 * - `warm`: created, started and ready ahead; handed over running (the floor of the four).
 * Everything done "ahead" fills a per-tenant reserve, refilled after each take.
 */
export type Strategy = 'cold' | 'pre-created' | 'paused' | 'warm';

/** Every strategy, in the order benches show them. */
export const STRATEGIES: readonly Strategy[] = ['cold', 'pre-created', 'paused', 'warm'];
