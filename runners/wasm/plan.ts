/** What the `wasm` runner hands its host process: written as JSON into the run's work directory. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { LaunchPlan } from '../../lab/pop/contract.js';

/** A request as JSON carries it (body base64). */
export interface PlanRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyBase64: string;
}

/** The launch plan plus the prepared artifacts, so the host never builds anything. */
export interface WasmHostPlan {
  plan: LaunchPlan;
  /** Artifact directory per workload. */
  artifacts: Record<string, string>;
  spares: number;
  workers: number;
  memoryProbes: number;
  /** Request that brings a probe instance to its idle-after-a-request state, per workload. */
  probeRequests: Record<string, PlanRequest>;
  /** The host's log file, named in error messages. */
  logPath: string;
}

/** Messages the host sends its parent over IPC. */
export type WasmHostMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

/** Writes the plan file. */
export function writeWasmHostPlan(path: string, plan: WasmHostPlan): void {
  writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`);
}

/** Reads a plan file written by `writeWasmHostPlan`. */
export function readWasmHostPlan(path: string): WasmHostPlan {
  return JSON.parse(readFileSync(path, 'utf8')) as WasmHostPlan;
}
