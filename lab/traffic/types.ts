/**
 * The traffic plan: a pure function of the scenario and its seed. Planning before running lets
 * `--dry-run`, unit tests and the simulator use exactly the schedule a live run would send.
 */

/** A deterministic source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/**
 * A seeded Rng that derives independent child streams by label. Each concern of the plan
 * (arrivals, tenant choice, forced misses, fixtures) draws from its own fork, so one concern
 * drawing more numbers never shifts the choices of another.
 */
export interface ForkableRng extends Rng {
  /** The next raw 32-bit output, for callers that want integers without a float round trip. */
  nextUint32(): number;
  /** A child stream determined by this stream's identity and `label` only, not by its state. */
  fork(label: string): ForkableRng;
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
  /** For trace replay: the trace row this tenant replays, so results can name the function. */
  trace?: { owner: string; app: string; function: string; trigger: string };
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
 * A plan being walked request by request: the plan's fixed parts plus a cursor. The simulator
 * plans millions of requests, so this form never holds them all (see plan.ts `openSchedule`).
 */
export interface TrafficSchedule {
  readonly seed: number;
  readonly tenants: readonly PlannedTenant[];
  readonly spanMs: number;
  readonly warmupMs: number;
  /**
   * Writes the next request into `out` and returns true, or returns false when the schedule is
   * over. Reusing one `out` record keeps the walk allocation-free.
   */
  next(out: PlannedRequest): boolean;
}

/**
 * An arrival process turns a mean rate and a span into send times. Implementations are pure:
 * the same rng state gives the same times.
 */
export interface ArrivalProcess {
  /** Arrival times in ms within [0, spanMs), ascending. */
  times(ratePerSecond: number, spanMs: number, rng: Rng): number[];
  /**
   * The same times, pulled one at a time without building an array (the simulator plans
   * millions of requests). Draws exactly the numbers `times` draws, so both forms agree.
   */
  cursor(ratePerSecond: number, spanMs: number, rng: Rng): ArrivalCursor;
}

/** A pull-style stream of arrival times: allocation-free per arrival. */
export interface ArrivalCursor {
  /** The next arrival time in ms, ascending, or `Infinity` once the span is exhausted. */
  next(): number;
}
