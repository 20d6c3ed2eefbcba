/**
 * The same-thread engine (`workers: 0`): guests run on the host's main thread, beside the PoP
 * server and the pool, so a request costs no thread hop. On a loaded machine each hop waits for
 * the scheduler to run the other thread, which is most of what the worker design adds to a warm
 * request. The price: one core for every tenant, and a looping guest stalls every tenant until
 * its deadline (not only those on its thread). Loop protection stays: each guest call runs under
 * a node:vm watchdog (guard.ts) set to the request's remaining deadline.
 */
import { performance } from 'node:perf_hooks';
import type { StallRecorder } from '../../kit/stalls.js';
import type { Artifact } from '../artifacts/artifact.js';
import { EngineCore, type InstantiateResult } from './engine-core.js';
import type { CoreModules, GuestRequest, GuestResponse } from './engine.js';
import type { EngineEvents, EngineSet } from './engine-set.js';
import { runGuarded } from './guard.js';
import type { ProbeMemory } from './protocol.js';

/** The only engine index of this set. */
const MAIN = 0;

/** Guests on the calling thread, each call under a watchdog. */
export class InlineEngines implements EngineSet {
  private readonly core: EngineCore;
  private readonly modules = new Map<string, { artifact: Artifact; modules: CoreModules }>();
  private readonly loaded = new Map<string, Promise<number>>();

  /** `defaultTimeoutMs` bounds calls that carry no deadline (instantiation, pre-warming, requests without `deadlineAt`). */
  constructor(
    events: EngineEvents,
    private readonly defaultTimeoutMs: number,
    stalls?: StallRecorder,
  ) {
    this.core = new EngineCore((instanceId, tenant, text) => events.log(tenant, instanceId, text), stalls);
  }

  addArtifact(id: string, artifact: Artifact, modules: CoreModules): void {
    this.modules.set(id, { artifact, modules });
  }

  place(): number {
    return MAIN;
  }

  async ensureLoaded(_worker: number, artifactId: string): Promise<number> {
    const p = this.loaded.get(artifactId);
    if (p) {
      await p;
      return 0;
    }
    const entry = this.modules.get(artifactId);
    if (!entry) throw new Error(`artifact ${artifactId} is not registered`);
    const load = this.core.load(artifactId, entry.artifact.dir, entry.artifact.manifest, entry.modules);
    this.loaded.set(artifactId, load);
    load.catch(() => this.loaded.delete(artifactId));
    return load;
  }

  instantiate(_worker: number, artifactId: string, instanceId: string, tenant: string, prewarm?: GuestRequest): Promise<InstantiateResult> {
    return this.core.instantiate(artifactId, instanceId, tenant, prewarm, (fn) => runGuarded(fn, this.defaultTimeoutMs));
  }

  /** Runs the request now, synchronously; throws GuardTimeoutError (instance dropped) if the guest outlives `deadlineAt`. */
  async request(_worker: number, instanceId: string, req: GuestRequest, deadlineAt?: number): Promise<{ response: GuestResponse }> {
    const left = deadlineAt === undefined ? this.defaultTimeoutMs : deadlineAt - performance.now();
    return { response: this.core.request(instanceId, req, (fn) => runGuarded(fn, left)) };
  }

  dispose(_worker: number, instanceId: string): void {
    this.core.dispose(instanceId);
  }

  /** Nothing to do: while a guest runs here no timer can fire, so a cancelled request already ended (the watchdog stopped it). */
  cancelRequest(): void {}

  async measure(artifactId: string, count: number, sample?: GuestRequest): Promise<ProbeMemory> {
    await this.ensureLoaded(MAIN, artifactId);
    return this.core.measure(artifactId, count, sample);
  }

  async close(): Promise<void> {}
}
