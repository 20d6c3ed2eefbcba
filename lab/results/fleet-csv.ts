/** The per-PoP table of a fleet result as CSV (csv-stringify): one row per PoP and runtime, every PoP of the fleet. Reads only the results model. */
import { stringify } from 'csv-stringify/sync';
import type { FleetResult } from './model.js';

const HEAD = [
  'fleet', 'pop', 'index', 'class', 'tenants', 'rate_rps', 'utc_offset_hours', 'host_memory_gib', 'host_cores', 'host_per_hour', 'runtime',
  'hosts', 'tenants_per_host', 'failed_tenants_per_host', 'binding', 'p50_ms', 'p99_ms', 'warm_p99_ms', 'cold_p99_ms', 'cold_start_rate', 'error_rate', 'cpu_utilisation', 'peak_memory_bytes',
  'cost_per_hour', 'per_million_requests', 'per_tenant_month', 'probes', 'simulated_requests',
];

/** Every PoP x runtime of the fleet, in fleet order. */
export function fleetPopsCsv(r: FleetResult): string {
  const rows: (string | number)[][] = [];
  for (const p of r.pops) {
    for (const label of r.fleet.runtimes) {
      const x = p.runtimes[label];
      if (!x) continue;
      const pt = x.point;
      rows.push([
        r.fleet.name, p.id, p.index, p.class, p.tenants, p.rate, p.utcOffsetHours, p.host.memoryGiB, p.host.cores, p.hostPerHour ?? '', label,
        x.hosts ?? '', x.tenantsPerHost ?? '', x.failedTenantsPerHost ?? '', x.binding.resource,
        pt?.p50Ms ?? '', pt ? (pt.p99Ms < 0 ? '' : pt.p99Ms) : '', pt?.warmP99Ms ?? '', pt?.coldP99Ms ?? '', pt?.coldStartRate ?? '', pt?.errorRate ?? '', pt?.cpuUtilisation ?? '', pt?.peakMemoryBytes ?? '',
        x.costPerHour ?? '', x.perMillionRequests ?? '', x.perTenantMonth ?? '', x.probes.length, x.simulatedRequests,
      ]);
    }
  }
  return stringify([HEAD, ...rows]);
}
