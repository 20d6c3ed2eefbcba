/**
 * The traffic plan: a pure function of the scenario and its seed. Planning before running lets
 * `--dry-run`, unit tests and the simulator use exactly the schedule a live run would send.
 */

/** A deterministic source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/** One tenant of the run: its id, the workload it runs and its share of the traffic. */
export interface PlannedTenant {
  /** Stable id, also the routing key in PoP URLs (`/t/<id>/...`): `t0001` style. */
  id: string;
  workload: string;
  /** Popularity rank, 1 = most popular. */
  rank: number;
  /** Probability that a request goes to this tenant (sums to 1 over the run's tenants). */
  share: number;
}

/** One request of the schedule. */
export interface PlannedRequest {
  /** Intended send time, milliseconds from the start of traffic (warm-up included). */
  atMs: number;
  /** Index into `TrafficPlan.tenants`. */
  tenant: number;
  /** The request must find no warm instance (a forced instance miss). */
  forceCold: boolean;
  /** Index of the workload fixture to send (into that workload's traffic fixtures). */
  fixture: number;
  /** True for warm-up requests, which are sent but not measured. */
  warmup: boolean;
}

export interface TrafficPlan {
  seed: number;
  tenants: PlannedTenant[];
  requests: PlannedRequest[];
  /** Total planned span in milliseconds (warm-up + duration). */
  spanMs: number;
  warmupMs: number;
}

/**
 * An arrival process turns a mean rate and a span into send times. Implementations are pure:
 * the same rng state gives the same times.
 */
export interface ArrivalProcess {
  /** Arrival times in ms within [0, spanMs), ascending. */
  times(ratePerSecond: number, spanMs: number, rng: Rng): number[];
}
