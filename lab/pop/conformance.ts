/**
 * What every runner must show through its PoP endpoint: the conformance table. The suite in
 * runners/conformance/ runs each behaviour against every registered runner; a runner that cannot
 * show one declares it (`Runner.conformance.cannot`, with the reason), and the suite then checks
 * that the behaviour really fails on it, so a declaration cannot outlive the limitation.
 */
import type { ProbeId } from '../isolation/probes.js';

/** The behaviours, each with what it demands. */
export const CONFORMANCE_BEHAVIOURS = {
  identity: 'every fixture of every workload (every language) is answered through the PoP exactly as a direct call of its reference handler answers it',
  'cold-then-warm': "a tenant's first request activates an instance (cold); the next one is served by that instance (warm)",
  'forced-cold': '`x-lab-force-cold: 1` activates a fresh instance although a warm one is idle (reason `forced`)',
  'evict-on-command': '`POST /_lab/evict` disposes of the tenant\'s idle instances (counted as `command`); its next request is cold',
  'keep-alive-expiry': 'an instance idle longer than `idleTimeoutSeconds` is evicted (counted as `idle`); the next request is cold',
  'instance-cap-queueing': 'at `maxInstancesPerTenant`, further concurrent requests of the tenant wait (`x-lab-queue-ms`) and are all served',
  'memory-budget-lru': 'over `memoryBudgetMiB`, the least recently used idle instance is evicted (counted as `memory`) to make room',
  'crash-answered': 'an instance that dies mid-request is answered 5xx with `x-lab-error` and a body naming the tenant; the tenant is served again after',
  'hang-answered': 'an instance that never answers is stopped at the request timeout and answered 5xx naming the tenant; the tenant is served again after',
  'stop-leaves-nothing': 'after `stop`, the endpoint is gone and no process or container the launch started is left',
  'escape-probes':
    "the hostile workload's escape probes, in JS and in C (read a planted host file, read a host process, write outside, reach the control port, reach a neighbour's port and socket, read a neighbour's environment), come out as the runner declares (`conformance.probes`), judged from evidence the suite checks itself; none is inconclusive",
} as const;

/** One behaviour of the table. */
export type BehaviourId = keyof typeof CONFORMANCE_BEHAVIOURS;

/** Every behaviour id, in table order. */
export const BEHAVIOUR_IDS = Object.keys(CONFORMANCE_BEHAVIOURS) as BehaviourId[];

/** A tenant that misbehaves on request, served by a runner for the crash and hang behaviours. */
export interface MisbehavingTenant {
  /** The workload name its tenants run (usually not a registered workload: brought by `options`). */
  workload: string;
  /** Runner options (a scenario options map) that bring the misbehaving workload. */
  options: Record<string, unknown>;
  /** Path whose request kills the instance, and one whose request never returns. */
  crashPath: string;
  hangPath: string;
  /** A path it answers 200 on. */
  okPath: string;
}

/** What a runner declares to the conformance suite. */
export interface ConformanceDeclaration {
  /** Behaviours this runner cannot show, each with the reason in one sentence. */
  cannot?: Partial<Record<BehaviourId, string>>;
  /**
   * Options (a scenario options map) the suite launches the runner with: e.g. instance reuse
   * for a host whose default is a fresh instance per request, or one engine thread.
   */
  options?: Record<string, unknown>;
  /**
   * Other ways of serving the same workloads under which `identity` must hold too, by name: the
   * options that select each (a Wasm runner's pre-initialised packaging, say).
   */
  variants?: Record<string, Record<string, unknown>>;
  /** Builds (or finds) its misbehaving tenant; test-only code stays behind this dynamic import. */
  misbehaving?: () => Promise<MisbehavingTenant>;
  /**
   * What its sandbox allows, probe by probe, under the runner's default options: the claim the
   * `escape-probes` behaviour checks against what the hostile workload achieves.
   */
  probes?: Record<ProbeId, 'allowed' | 'denied'>;
  /**
   * Whatever the run `runId` left behind that `stop` should have removed (containers, image
   * tags, ...), named: checked by the suite after `stop`, and by every live run after its last
   * runtime stopped (`survival` in the result).
   */
  leftovers?: (runId: string) => Promise<string[]>;
}
