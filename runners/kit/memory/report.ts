/** Turns per-instance measurements into the `MemoryReport` of the PoP protocol. */
import type { InstanceMemory, MemoryReport } from '../../../lab/pop/contract.js';

/** Inputs of a memory report besides the instances. */
export interface MemoryReportParts {
  runtime: string;
  method: string;
  instances: InstanceMemory[];
  fixedOverheadBytes: number;
  extra?: Record<string, number>;
}

/** Builds a report; per-instance figures are means over the measured instances (0 when none is live). */
export function summarizeMemory(parts: MemoryReportParts): MemoryReport {
  const n = parts.instances.length;
  const mean = (pick: (m: InstanceMemory) => number): number => (n === 0 ? 0 : Math.round(parts.instances.reduce((a, m) => a + pick(m), 0) / n));
  return {
    runtime: parts.runtime,
    method: parts.method,
    instances: parts.instances,
    perInstanceUssBytes: mean((m) => m.ussBytes),
    perInstancePssBytes: mean((m) => m.pssBytes),
    fixedOverheadBytes: parts.fixedOverheadBytes,
    extra: parts.extra ?? {},
  };
}
