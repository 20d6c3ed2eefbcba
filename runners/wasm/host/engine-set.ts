/**
 * What the Wasm factory needs from wherever its guests run: engine worker threads (engines.ts,
 * the default, one event loop per core) or the host's main thread (inline-engines.ts, `workers: 0`).
 * An engine is addressed by index; an instance stays on the engine it was created on.
 */
import type { StallRecord } from '../../../lab/pop/contract.js';
import type { Artifact } from '../artifacts/artifact.js';
import type { InstantiateResult } from './engine-core.js';
import type { CoreModules, GuestRequest, GuestResponse } from './engine.js';
import type { ProbeMemory } from './protocol.js';

/** Callbacks from the engines to their owner. */
export interface EngineEvents {
  /** An engine died (terminated or crashed); these instances are gone with it. */
  lost(worker: number, instanceIds: string[], reason: string): void;
  /** A guest's output line. */
  log(tenant: string, instanceId: string, text: string): void;
  /** A pause an engine thread recorded. */
  stall(record: StallRecord): void;
}

/** The engines of one host. */
export interface EngineSet {
  /** Registers an artifact's compiled modules (compiled by the caller, once). */
  addArtifact(id: string, artifact: Artifact, modules: CoreModules): void;
  /** The engine a new instance should live on; `avoid` is skipped when another exists. */
  place(avoid?: number): number;
  /** Makes sure an engine has the artifact's glue loaded; resolves with the load time (0 if it already had it). */
  ensureLoaded(worker: number, artifactId: string): Promise<number>;
  /** Instantiates on an engine, optionally pre-warmed with a synthetic request. */
  instantiate(worker: number, artifactId: string, instanceId: string, tenant: string, prewarm?: GuestRequest): Promise<InstantiateResult>;
  /** Runs one request on an instance, bounded by `deadlineAt` (performance.now ms) where the engine enforces it itself. */
  request(worker: number, instanceId: string, req: GuestRequest, deadlineAt?: number): Promise<{ response: GuestResponse }>;
  /** Drops an instance. */
  dispose(worker: number, instanceId: string): void;
  /** A request's deadline passed: stop its guest if running, or dequeue it. */
  cancelRequest(worker: number, instanceId: string, reason: string): void;
  /** Memory per instance of an artifact, from `count` probe instances. */
  measure(artifactId: string, count: number, sample?: GuestRequest): Promise<ProbeMemory>;
  /** Stops every engine. */
  close(): Promise<void>;
}
