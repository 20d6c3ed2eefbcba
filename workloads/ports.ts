/**
 * Ports: the workloads of a `port` language each carry `fixturesFrom: <reference workload>`.
 * Tests that run a reference workload's fixtures through another language find its port here.
 */
import { listWorkloads, loadWorkload } from './registry.js';
import type { Workload } from './types.js';

/** The port in `language` of reference workload `reference`; throws when there is none. */
export function portOf(reference: Workload, language: string): Workload {
  const port = listWorkloads(undefined, language)
    .map((n) => loadWorkload(n))
    .find((w) => w.manifest.fixturesFrom === reference.name);
  if (!port) throw new Error(`workload ${reference.name} has no ${language} port (a ${language} workload with "fixturesFrom": "${reference.name}")`);
  return port;
}
