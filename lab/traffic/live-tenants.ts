/**
 * The tenants of the live run: the `live.tenants` most popular of the modelled population (or
 * the most invoked functions of a trace), each with its id, rank, workload and traffic share.
 * Kept apart from request generation because the tenant list is small and also feeds the
 * results file and the PoP's tenant table.
 */
import { InputError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { liveShares } from './popularity.js';
import { traceReplay, type TraceReplay } from './trace-replay.js';
import type { AzureTraceRow } from './azure-trace.js';
import type { PlannedTenant, Rng } from './types.js';
import { assignWorkloads } from './workload-assignment.js';

/** Routing id of the tenant at a popularity rank: `t0001` for rank 1 (wider past 9999). */
export function tenantId(rank: number): string {
  return `t${String(rank).padStart(4, '0')}`;
}

/** The live tenants, plus the trace replay when popularity comes from a trace. */
export interface LiveTenants {
  tenants: PlannedTenant[];
  /** Present for `trace` popularity: per-minute tenant choice and the arrival-rate profile. */
  replay?: TraceReplay;
}

/**
 * Picks and describes the live tenants. `workloadRng` only breaks ties in the workload
 * assignment; `traceRows` must be given for `trace` popularity; `spanMs` is the planned span,
 * which trace replay needs to weigh each tenant's minutes.
 */
export function planLiveTenants(scenario: Scenario, workloadRng: Rng, spanMs: number, traceRows?: readonly AzureTraceRow[]): LiveTenants {
  const live = scenario.live.tenants;
  if (!Number.isInteger(live) || live < 1) throw new InputError(`live.tenants must be a positive integer, got ${live}`);
  const popularity = scenario.tenants.popularity;
  let shares: Float64Array;
  let replay: TraceReplay | undefined;
  if (popularity.type === 'trace') {
    if (!traceRows) throw new InputError(`trace popularity needs the rows of ${popularity.file}`);
    replay = traceReplay(traceRows, popularity, live, spanMs);
    shares = replay.shares;
  } else {
    shares = liveShares(popularity, scenario.tenants.count, live);
  }
  const workloads = assignWorkloads(scenario.tenants.mix, live, workloadRng);
  const tenants = workloads.map((workload, i): PlannedTenant => {
    const tenant: PlannedTenant = { id: tenantId(i + 1), workload, rank: i + 1, share: shares[i] as number };
    const row = replay?.rows[i];
    if (row) tenant.trace = { owner: row.owner, app: row.app, function: row.function, trigger: row.trigger };
    return tenant;
  });
  return replay ? { tenants, replay } : { tenants };
}
