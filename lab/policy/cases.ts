/**
 * The instance policy as a table of cases: a tenant schedule and what must come of it (each
 * request cold or warm, evictions by cause). The keep-alive and queueing discipline is carried
 * out in three places, the TypeScript pool of every Node host (runners/kit/pool.ts), the
 * simulator (lab/sim/host-sim.ts) and the Rust Wasmtime host (runners/wasmtime/host/src/pool.rs);
 * runners/conformance/policy.test.ts runs this one table against all three, so they cannot
 * drift apart unnoticed.
 */
import type { EvictionCause } from './types.js';

/** One request of a case. */
export interface CaseRequest {
  /** Send time, ms from the start of the case. */
  atMs: number;
  tenant: string;
  forceCold?: boolean;
}

/** One case of the table. */
export interface PolicyCase {
  name: string;
  /** Keep-alive settings; the memory budget is given in instances (each instance counts one unit). */
  keepAlive: { idleTimeoutSeconds: number; maxInstancesPerTenant: number; memoryBudgetInstances: number };
  /** Tenants, all of one workload whose instances take `activationMs` to start and `serviceMs` per request. */
  tenants: string[];
  activationMs: number;
  serviceMs: number;
  requests: CaseRequest[];
  expect: {
    /** How each request was served, in request order. */
    served: ('cold' | 'warm')[];
    /** Evictions by cause once the schedule is over (causes not listed: none). */
    evictions: Partial<Record<EvictionCause, number>>;
  };
  /**
   * The case needs a set service time, to keep an instance busy while the next request comes.
   * A substrate whose requests take what the guest takes (the Wasmtime host serving a real
   * component) cannot run it.
   */
  needsServiceTime?: boolean;
}

const NO_LIMITS = { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4, memoryBudgetInstances: 0 };

/** The table. Gaps are 200 ms or more, so the timing of a live host never decides a case. */
export const POLICY_CASES: readonly PolicyCase[] = [
  {
    name: 'an idle instance serves the next request of its tenant',
    keepAlive: NO_LIMITS,
    tenants: ['t1', 't2'],
    activationMs: 5,
    serviceMs: 1,
    requests: [
      { atMs: 0, tenant: 't1' },
      { atMs: 200, tenant: 't2' },
      { atMs: 400, tenant: 't1' },
      { atMs: 600, tenant: 't2' },
    ],
    expect: { served: ['cold', 'cold', 'warm', 'warm'], evictions: {} },
  },
  {
    name: 'an instance idle longer than the keep-alive is evicted; the tenant starts cold again',
    keepAlive: { ...NO_LIMITS, idleTimeoutSeconds: 1 },
    tenants: ['t1'],
    activationMs: 5,
    serviceMs: 1,
    requests: [
      { atMs: 0, tenant: 't1' },
      { atMs: 300, tenant: 't1' },
      { atMs: 2800, tenant: 't1' },
    ],
    expect: { served: ['cold', 'warm', 'cold'], evictions: { idle: 1 } },
  },
  {
    name: 'a forced cold start at the cap displaces the idle instance',
    keepAlive: { ...NO_LIMITS, maxInstancesPerTenant: 1 },
    tenants: ['t1'],
    activationMs: 5,
    serviceMs: 1,
    requests: [
      { atMs: 0, tenant: 't1' },
      { atMs: 200, tenant: 't1', forceCold: true },
      { atMs: 400, tenant: 't1' },
    ],
    expect: { served: ['cold', 'cold', 'warm'], evictions: { forced: 1 } },
  },
  {
    name: 'over the memory budget the least recently used idle instance goes first',
    keepAlive: { ...NO_LIMITS, memoryBudgetInstances: 2.5 },
    tenants: ['t1', 't2', 't3'],
    activationMs: 5,
    serviceMs: 1,
    requests: [
      { atMs: 0, tenant: 't1' },
      { atMs: 200, tenant: 't2' },
      // t1 used again: t2 is now the least recently used.
      { atMs: 400, tenant: 't1' },
      { atMs: 600, tenant: 't3' },
      { atMs: 800, tenant: 't1' },
      { atMs: 1000, tenant: 't2' },
    ],
    // t3 evicts t2; t2 coming back evicts the least recently used of t1 (800) and t3 (600): t3.
    expect: { served: ['cold', 'cold', 'warm', 'cold', 'warm', 'cold'], evictions: { memory: 2 } },
  },
  {
    name: 'at the cap a request waits for the busy instance instead of activating another',
    keepAlive: { ...NO_LIMITS, maxInstancesPerTenant: 1 },
    tenants: ['t1'],
    activationMs: 5,
    serviceMs: 300,
    requests: [
      { atMs: 0, tenant: 't1' },
      { atMs: 100, tenant: 't1' },
    ],
    expect: { served: ['cold', 'warm'], evictions: {} },
    needsServiceTime: true,
  },
  {
    name: 'below the cap a request that finds every instance busy activates another',
    keepAlive: { ...NO_LIMITS, maxInstancesPerTenant: 2 },
    tenants: ['t1'],
    activationMs: 5,
    serviceMs: 300,
    requests: [
      { atMs: 0, tenant: 't1' },
      { atMs: 100, tenant: 't1' },
      { atMs: 700, tenant: 't1' },
    ],
    expect: { served: ['cold', 'cold', 'warm'], evictions: {} },
    needsServiceTime: true,
  },
];
