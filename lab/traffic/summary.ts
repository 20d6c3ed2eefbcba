/**
 * What a plan amounts to, in numbers a person can check before spending minutes on a run:
 * `lab run --dry-run` prints it. Counting is streaming (`PlanSummariser`), so the simulator can
 * summarise a schedule of millions of requests without holding it in memory.
 */
import type { PlannedRequest, PlannedTenant, TrafficPlan, TrafficSchedule } from './types.js';

/** Requests planned for one tenant. */
export interface TenantSummary {
  id: string;
  workload: string;
  rank: number;
  /** Planned probability of a request going to this tenant. */
  share: number;
  requests: number;
  forcedCold: number;
}

/** Requests planned for one workload, over all its tenants. */
export interface WorkloadSummary {
  tenants: number;
  requests: number;
  /** Fraction of all planned requests. */
  share: number;
}

/** The numbers of a plan. */
export interface PlanSummary {
  seed: number;
  spanMs: number;
  warmupMs: number;
  requests: number;
  warmupRequests: number;
  measuredRequests: number;
  forcedCold: number;
  /** Planned requests per second of span (warm-up included). */
  meanRatePerSecond: number;
  tenants: TenantSummary[];
  workloads: Record<string, WorkloadSummary>;
  /** Requests whose send time falls in each second of the span (index = second since start). */
  perSecond: number[];
}

/** Accumulates a summary one request at a time. */
export class PlanSummariser {
  private readonly perTenant: Uint32Array;
  private readonly forcedPerTenant: Uint32Array;
  private readonly perSecond: number[];
  private requests = 0;
  private warmup = 0;
  private forced = 0;

  constructor(
    private readonly seed: number,
    private readonly tenants: readonly PlannedTenant[],
    private readonly spanMs: number,
    private readonly warmupMs: number,
  ) {
    this.perTenant = new Uint32Array(tenants.length);
    this.forcedPerTenant = new Uint32Array(tenants.length);
    this.perSecond = new Array<number>(Math.ceil(spanMs / 1000)).fill(0);
  }

  /** Counts one request. */
  add(request: Readonly<PlannedRequest>): void {
    this.requests++;
    this.perTenant[request.tenant] = (this.perTenant[request.tenant] as number) + 1;
    if (request.warmup) this.warmup++;
    if (request.forceCold) {
      this.forced++;
      this.forcedPerTenant[request.tenant] = (this.forcedPerTenant[request.tenant] as number) + 1;
    }
    const second = Math.floor(request.atMs / 1000);
    this.perSecond[second] = (this.perSecond[second] ?? 0) + 1;
  }

  /** The summary of everything added so far. */
  result(): PlanSummary {
    const workloads: Record<string, WorkloadSummary> = {};
    const tenants = this.tenants.map((t, i): TenantSummary => {
      const requests = this.perTenant[i] as number;
      const w = (workloads[t.workload] ??= { tenants: 0, requests: 0, share: 0 });
      w.tenants++;
      w.requests += requests;
      return { id: t.id, workload: t.workload, rank: t.rank, share: t.share, requests, forcedCold: this.forcedPerTenant[i] as number };
    });
    for (const w of Object.values(workloads)) w.share = this.requests > 0 ? w.requests / this.requests : 0;
    return {
      seed: this.seed,
      spanMs: this.spanMs,
      warmupMs: this.warmupMs,
      requests: this.requests,
      warmupRequests: this.warmup,
      measuredRequests: this.requests - this.warmup,
      forcedCold: this.forced,
      meanRatePerSecond: this.spanMs > 0 ? this.requests / (this.spanMs / 1000) : 0,
      tenants,
      workloads,
      perSecond: [...this.perSecond],
    };
  }
}

/** Summary of a plan held in arrays. */
export function summarisePlan(plan: TrafficPlan): PlanSummary {
  const summariser = new PlanSummariser(plan.seed, plan.tenants, plan.spanMs, plan.warmupMs);
  for (const request of plan.requests) summariser.add(request);
  return summariser.result();
}

/** Summary of a schedule walked to its end, without materialising it (the simulator's scale). */
export function summariseSchedule(schedule: TrafficSchedule): PlanSummary {
  const summariser = new PlanSummariser(schedule.seed, schedule.tenants, schedule.spanMs, schedule.warmupMs);
  const scratch: PlannedRequest = { atMs: 0, tenant: 0, forceCold: false, fixture: 0, warmup: false };
  while (schedule.next(scratch)) summariser.add(scratch);
  return summariser.result();
}
