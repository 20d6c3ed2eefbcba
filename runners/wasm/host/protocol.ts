/** Messages between the Wasm host's main thread and its engine workers (one per core). */
import type { StallRecord } from '../../../lab/pop/contract.js';
import type { ArtifactManifest } from '../artifacts/artifact.js';
import type { CoreModules, GuestRequest, GuestResponse } from './engine.js';

/** Main thread -> worker. Every message but `dispose` is answered by a `Reply` with its `id`. */
export type EngineCommand =
  | { type: 'load'; id: number; artifactId: string; dir: string; manifest: ArtifactManifest; modules: CoreModules }
  /** `prewarm`: a synthetic request served right after instantiation (spare pre-warming, off the request path). */
  | { type: 'instantiate'; id: number; artifactId: string; instanceId: string; tenant: string; prewarm?: GuestRequest }
  | { type: 'request'; id: number; instanceId: string; req: GuestRequest }
  | { type: 'dispose'; instanceId: string }
  | { type: 'measure'; id: number; artifactId: string; count: number; sample?: GuestRequest };

/** Memory of probe instances, from /proc/self/smaps_rollup deltas, bytes per instance. */
export interface ProbeMemory {
  count: number;
  privateDirtyBytes: number;
  ussBytes: number;
  pssBytes: number;
  rssBytes: number;
}

/** Worker -> main thread. */
export type EngineReply =
  | { type: 'reply'; id: number; ok: true; ms: number; response?: GuestResponse; memory?: ProbeMemory; gcMs?: number; gcCount?: number; prewarmMs?: number }
  | { type: 'reply'; id: number; ok: false; error: string; broken: boolean }
  /** A guest wrote to stdout/stderr (capped per instance). */
  | { type: 'log'; instanceId: string; tenant: string; text: string }
  /** A pause of the worker's thread (kit/stalls.ts), forwarded as it is recorded. */
  | { type: 'stall'; record: StallRecord };
