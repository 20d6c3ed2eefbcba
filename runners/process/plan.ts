/** What the lab hands the `process` runner's host process: written as JSON into the run's work directory. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { LaunchPlan } from '../../lab/pop/contract.js';

/** The launch plan plus everything the host must not look up itself (so tests can point it at test handlers). */
export interface HostPlan {
  plan: LaunchPlan;
  /** The Node packaging server entry script. */
  serverScript: string;
  /** Compiled handler module per JS workload. */
  handlers: Record<string, string>;
  /** Static server binary per compiled (C) workload. */
  natives?: Record<string, string>;
  /** Spare instances per tenant. */
  spares: number;
  /** The host's log file (its and its children's stderr), named in error messages. */
  logPath: string;
}

/** Messages the host sends its parent over IPC. */
export type HostMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

/** Writes the plan file. */
export function writeHostPlan(path: string, plan: HostPlan): void {
  writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`);
}

/** Reads a plan file written by `writeHostPlan`. */
export function readHostPlan(path: string): HostPlan {
  return JSON.parse(readFileSync(path, 'utf8')) as HostPlan;
}
