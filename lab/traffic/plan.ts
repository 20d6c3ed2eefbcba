/**
 * The traffic plan: every request of a run (send time, tenant, fixture, forced miss, warm-up)
 * as a pure function of the scenario and its seed. The live load generator, `lab run
 * --dry-run` and the discrete-event simulator all plan through here, so they agree request for
 * request.
 *
 * Three forms of the same schedule: `openSchedule` (a cursor that fills a caller-owned record,
 * no allocation per request: what the simulator uses for millions of requests),
 * `plannedRequests` (an iterator of fresh records) and `planTraffic` (everything in arrays).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { projectRoot } from '../paths.js';
import type { Scenario } from '../scenario/types.js';
import { AliasSampler } from './alias.js';
import { arrivalProcess } from './arrivals.js';
import { loadAzureTrace, type AzureTraceRow } from './azure-trace.js';
import { forcedMissSelector } from './forced-miss.js';
import { planLiveTenants } from './live-tenants.js';
import { seededRng, uniformInt } from './rng.js';
import type { PlannedRequest, PlannedTenant, TrafficPlan, TrafficSchedule } from './types.js';

export { summarisePlan, summariseSchedule, PlanSummariser, type PlanSummary } from './summary.js';

/**
 * Labels of the independent random streams forked from the scenario seed. Exported so the
 * simulator can draw from the same streams; each per-request stream advances by exactly one
 * draw per request (arrivals excepted, which draw per arrival or per thinning candidate).
 */
export const PLAN_STREAMS = {
  arrivals: 'arrivals',
  tenant: 'tenant',
  fixture: 'fixture',
  forcedMiss: 'forced-miss',
  workloadOrder: 'workload-order',
} as const;

/** Inputs of a plan that do not live in the scenario. */
export interface PlanOptions {
  /** Parsed rows for `trace` popularity; when absent the scenario's trace file is read. */
  trace?: readonly AzureTraceRow[];
  /**
   * Folder a relative trace path is resolved against. The scenario loader already makes the
   * path absolute (relative to the scenario file); this only serves hand-built scenarios, and
   * defaults to the project's scenarios/ folder, where scenario files live.
   */
  traceBaseDir?: string;
  /**
   * Whether requests need a fixture (default true). The simulator sends no payload, so it skips
   * the fixture draw; the fixture stream is its own, so no other figure of the plan moves.
   */
  fixtures?: boolean;
}

function checkSeconds(field: string, value: number, allowZero: boolean): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new InputError(`${field} must be ${allowZero ? '>= 0' : '> 0'}, got ${value}`);
}

function traceRowsFor(scenario: Scenario, options: PlanOptions): readonly AzureTraceRow[] | undefined {
  const popularity = scenario.tenants.popularity;
  if (popularity.type !== 'trace') return undefined;
  if (options.trace) return options.trace;
  const file = isAbsolute(popularity.file) ? popularity.file : resolve(options.traceBaseDir ?? join(projectRoot, 'scenarios'), popularity.file);
  return loadAzureTrace(file);
}

/** Traffic fixtures per live tenant, checked: every workload must have at least one. */
function fixturesPerTenant(tenants: readonly PlannedTenant[], fixtureCounts: Record<string, number>): Uint32Array {
  return Uint32Array.from(tenants, (t) => {
    const n = Object.hasOwn(fixtureCounts, t.workload) ? fixtureCounts[t.workload] : undefined;
    if (n === undefined || !Number.isInteger(n) || n < 1) {
      throw new InputError(`workload ${t.workload} has ${n ?? 'no'} traffic fixtures; a planned request needs at least one to send`);
    }
    return n;
  });
}

/**
 * Opens a fresh cursor over the scenario's schedule. `fixtureCounts` gives the number of
 * traffic fixtures of each workload in the mix. Reads the trace file for `trace` popularity
 * unless `options.trace` supplies the rows; otherwise pure.
 */
export function openSchedule(scenario: Scenario, fixtureCounts: Record<string, number>, options: PlanOptions = {}): TrafficSchedule {
  const { traffic } = scenario;
  checkSeconds('traffic.warmupSeconds', traffic.warmupSeconds, true);
  checkSeconds('traffic.durationSeconds', traffic.durationSeconds, false);
  const warmupMs = traffic.warmupSeconds * 1000;
  const spanMs = (traffic.warmupSeconds + traffic.durationSeconds) * 1000;

  const root = seededRng(scenario.seed);
  const { tenants, replay } = planLiveTenants(scenario, root.fork(PLAN_STREAMS.workloadOrder), spanMs, traceRowsFor(scenario, options));
  const fixtures = fixturesPerTenant(tenants, fixtureCounts);

  const arrivals = arrivalProcess(traffic.arrival).cursor(traffic.rate, spanMs, root.fork(PLAN_STREAMS.arrivals));
  const tenantRng = root.fork(PLAN_STREAMS.tenant);
  const fixtureRng = root.fork(PLAN_STREAMS.fixture);
  const drawFixtures = options.fixtures !== false;
  const forced = forcedMissSelector(scenario.cache.instanceMissRate, root.fork(PLAN_STREAMS.forcedMiss));
  const warp = replay?.warp();
  const fixedSampler = replay ? undefined : new AliasSampler(tenants.map((t) => t.share));
  let segment = -1;
  let segmentSampler: AliasSampler | undefined;

  return {
    seed: scenario.seed,
    tenants,
    spanMs,
    warmupMs,
    next(out: PlannedRequest): boolean {
      let t = arrivals.next();
      if (t === Infinity) return false;
      let sampler = fixedSampler;
      if (warp && replay) {
        t = warp.map(t);
        // Rounding in the time change can only push the very last arrival onto the span's end.
        if (t >= spanMs) return false;
        if (warp.segment !== segment) {
          segment = warp.segment;
          segmentSampler = replay.samplerFor(segment);
        }
        sampler = segmentSampler;
      }
      const tenant = (sampler as AliasSampler).sample(tenantRng);
      out.atMs = t;
      out.tenant = tenant;
      out.fixture = drawFixtures ? uniformInt(fixtureRng, fixtures[tenant] as number) : 0;
      out.forceCold = forced();
      out.warmup = t < warmupMs;
      return true;
    },
  };
}

/** A blank record for `TrafficSchedule.next` to fill. */
export function blankRequest(): PlannedRequest {
  return { atMs: 0, tenant: 0, forceCold: false, fixture: 0, warmup: false };
}

/** The schedule's remaining requests as fresh records, for consumers that pull lazily (the live load generator). */
export function* plannedRequests(schedule: TrafficSchedule): Generator<PlannedRequest, void, undefined> {
  for (;;) {
    const request = blankRequest();
    if (!schedule.next(request)) return;
    yield request;
  }
}

/**
 * Walks the schedule, handing each request to `visit`. The record passed is reused between
 * calls (copy it to keep it). Returns the number of requests visited.
 */
export function forEachPlannedRequest(schedule: TrafficSchedule, visit: (request: Readonly<PlannedRequest>) => void): number {
  const scratch = blankRequest();
  let n = 0;
  while (schedule.next(scratch)) {
    visit(scratch);
    n++;
  }
  return n;
}

/** The whole plan in arrays: what `lab run` hands to the load generator and what tests compare. */
export function planTraffic(scenario: Scenario, fixtureCounts: Record<string, number>, options: PlanOptions = {}): TrafficPlan {
  const schedule = openSchedule(scenario, fixtureCounts, options);
  return {
    seed: schedule.seed,
    tenants: [...schedule.tenants],
    requests: [...plannedRequests(schedule)],
    spanMs: schedule.spanMs,
    warmupMs: schedule.warmupMs,
  };
}
