/** What the `wasm` runner hands its host process (kit/launch.ts writes it as JSON beside the host's log). */
import type { LaunchPlan } from '../../lab/pop/contract.js';
import type { WasmOptions } from './options.js';

/** A request as JSON carries it (body base64). */
export interface PlanRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyBase64: string;
}

/** The launch plan plus the prepared artifacts, so the host never builds anything. */
export interface WasmHostPlan {
  plan: LaunchPlan<WasmOptions>;
  /** Artifact directory per workload. */
  artifacts: Record<string, string>;
  /** Request that brings a probe instance to its idle-after-a-request state, per workload. */
  probeRequests: Record<string, PlanRequest>;
}
