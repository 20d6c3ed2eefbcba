/**
 * An engine worker: one thread (one event loop, one V8 isolate) holding component instances of
 * any tenants, running one guest call at a time. The main thread owns placement, deadlines and
 * termination: a guest that loops blocks only this thread, and terminating the thread is the
 * one way V8 offers to stop synchronous guest code.
 */
import { parentPort } from 'node:worker_threads';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { ComponentInstance, loadArtifact, type LoadedArtifact } from './engine.js';
import type { EngineCommand, EngineReply, ProbeMemory } from './protocol.js';
import { parseSmapsRollup } from '../memory/smaps.js';

/** Guest output kept per instance; beyond it, output is dropped (a chatty guest must not flood the host). */
const LOG_CAP_BYTES = 64 * 1024;

interface Live {
  instance: ComponentInstance;
  tenant: string;
}

const port = parentPort;
if (!port) throw new Error('engine-worker.js runs as a worker thread of the wasm host');

const artifacts = new Map<string, LoadedArtifact>();
const live = new Map<string, Live>();

// GC entries of this isolate, kept for a few seconds so activations can be matched against them.
const gcEntries: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, end: e.startTime + e.duration });
  const horizon = performance.now() - 10_000;
  while (gcEntries.length > 0 && gcEntries[0]!.end < horizon) gcEntries.shift();
}).observe({ entryTypes: ['gc'] });

function send(m: EngineReply): void {
  port!.postMessage(m);
}

function stdioFor(instanceId: string, tenant: string): { stdout: (b: Uint8Array) => void; stderr: (b: Uint8Array) => void } {
  let written = 0;
  const sink = (b: Uint8Array): void => {
    if (written >= LOG_CAP_BYTES) return;
    written += b.length;
    send({ type: 'log', instanceId, tenant, text: Buffer.from(b).toString('utf8') });
  };
  return { stdout: sink, stderr: sink };
}

function gcBetween(start: number, end: number): { ms: number; count: number } {
  let ms = 0;
  let count = 0;
  for (const g of gcEntries) {
    const overlap = Math.min(end, g.end) - Math.max(start, g.start);
    if (overlap > 0) {
      ms += overlap;
      count++;
    }
  }
  return { ms, count };
}

async function smaps(): Promise<{ dirty: number; uss: number; pss: number; rss: number }> {
  const r = parseSmapsRollup(await readFile('/proc/self/smaps_rollup', 'utf8'));
  return { dirty: r.fields.Private_Dirty ?? 0, uss: r.ussBytes, pss: r.pssBytes, rss: r.rssBytes };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory measurement needs node --expose-gc (the wasm host is started with it)');
  gc();
  gc();
}

/** N probe instances of one artifact, each after one request: the delta of process memory per instance. */
async function measure(art: LoadedArtifact, count: number, sample: EngineCommand & { type: 'measure' }): Promise<ProbeMemory> {
  fullGc();
  const before = await smaps();
  const probes: ComponentInstance[] = [];
  const quiet = { stdout: () => {}, stderr: () => {} };
  for (let i = 0; i < count; i++) {
    const p = ComponentInstance.create(art, quiet);
    if (sample.sample) p.dispatch(sample.sample);
    probes.push(p);
  }
  fullGc();
  const after = await smaps();
  // Keep the probes reachable until the second reading.
  if (probes.length !== count) throw new Error('unreachable');
  probes.length = 0;
  fullGc();
  return {
    count,
    privateDirtyBytes: Math.round((after.dirty - before.dirty) / count),
    ussBytes: Math.round((after.uss - before.uss) / count),
    pssBytes: Math.round((after.pss - before.pss) / count),
    rssBytes: Math.round((after.rss - before.rss) / count),
  };
}

async function onCommand(cmd: EngineCommand): Promise<void> {
  switch (cmd.type) {
    case 'load': {
      const t = performance.now();
      artifacts.set(cmd.artifactId, await loadArtifact(cmd.dir, cmd.manifest, cmd.modules));
      send({ type: 'reply', id: cmd.id, ok: true, ms: performance.now() - t });
      return;
    }
    case 'instantiate': {
      const art = artifacts.get(cmd.artifactId);
      if (!art) return send({ type: 'reply', id: cmd.id, ok: false, error: `artifact ${cmd.artifactId} not loaded in this worker`, broken: false });
      const t = performance.now();
      try {
        const instance = ComponentInstance.create(art, stdioFor(cmd.instanceId, cmd.tenant));
        const ms = performance.now() - t;
        live.set(cmd.instanceId, { instance, tenant: cmd.tenant });
        // GC entries reach the observer a turn after they happen, and a collection V8 schedules
        // on the external-memory pressure of a new instance runs in that turn too: answer then,
        // so the activation's GC time is complete and still on its own path.
        setImmediate(() => {
          const gc = gcBetween(t, performance.now());
          send({ type: 'reply', id: cmd.id, ok: true, ms, gcMs: gc.ms, gcCount: gc.count });
        });
      } catch (e) {
        send({ type: 'reply', id: cmd.id, ok: false, error: `instantiation failed: ${(e as Error).message}`, broken: true });
      }
      return;
    }
    case 'request': {
      const l = live.get(cmd.instanceId);
      if (!l) return send({ type: 'reply', id: cmd.id, ok: false, error: `instance ${cmd.instanceId} is gone`, broken: true });
      const t = performance.now();
      try {
        const response = l.instance.dispatch(cmd.req);
        send({ type: 'reply', id: cmd.id, ok: true, ms: performance.now() - t, response });
      } catch (e) {
        live.delete(cmd.instanceId);
        send({ type: 'reply', id: cmd.id, ok: false, error: (e as Error).message, broken: true });
      }
      return;
    }
    case 'dispose':
      live.delete(cmd.instanceId);
      return;
    case 'measure': {
      const art = artifacts.get(cmd.artifactId);
      if (!art) return send({ type: 'reply', id: cmd.id, ok: false, error: `artifact ${cmd.artifactId} not loaded in this worker`, broken: false });
      try {
        const memory = await measure(art, cmd.count, cmd);
        send({ type: 'reply', id: cmd.id, ok: true, ms: 0, memory });
      } catch (e) {
        send({ type: 'reply', id: cmd.id, ok: false, error: `memory probe failed: ${(e as Error).message}`, broken: false });
      }
      return;
    }
  }
}

port.on('message', (cmd: EngineCommand) => {
  onCommand(cmd).catch((e: unknown) => {
    if ('id' in cmd) send({ type: 'reply', id: cmd.id, ok: false, error: `engine worker: ${(e as Error).message}`, broken: false });
  });
});
