/**
 * An engine worker: one thread (one event loop, one V8 isolate) holding component instances of
 * any tenants, running one guest call at a time. The main thread owns placement, deadlines and
 * termination: a guest that loops blocks only this thread, and terminating the thread is the
 * one way V8 offers to stop synchronous guest code from outside it. The engine itself is
 * engine-core.ts; this file only maps messages onto it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { StallRecorder } from '../../kit/stalls.js';
import { EngineCore } from './engine-core.js';
import { GuestBrokenError } from './engine.js';
import type { EngineCommand, EngineReply } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('engine-worker.js runs as a worker thread of the wasm host');

function send(m: EngineReply): void {
  port!.postMessage(m);
}

const thread = (workerData as { thread?: string } | null)?.thread ?? 'worker';
// This thread's pauses go to the main thread as they happen: a stall must be on the record even if the worker is terminated right after.
const stalls = new StallRecorder(thread, (record) => send({ type: 'stall', record })).start();
const core = new EngineCore((instanceId, tenant, text) => send({ type: 'log', instanceId, tenant, text }), stalls);

async function onCommand(cmd: EngineCommand): Promise<void> {
  switch (cmd.type) {
    case 'load':
      return send({ type: 'reply', id: cmd.id, ok: true, ms: await core.load(cmd.artifactId, cmd.dir, cmd.manifest, cmd.modules) });
    case 'instantiate': {
      const r = await core.instantiate(cmd.artifactId, cmd.instanceId, cmd.tenant, cmd.prewarm);
      return send({ type: 'reply', id: cmd.id, ok: true, ...r });
    }
    case 'request': {
      const t = performance.now();
      const response = core.request(cmd.instanceId, cmd.req);
      return send({ type: 'reply', id: cmd.id, ok: true, ms: performance.now() - t, response });
    }
    case 'dispose':
      return core.dispose(cmd.instanceId);
    case 'measure':
      return send({ type: 'reply', id: cmd.id, ok: true, ms: 0, memory: await core.measure(cmd.artifactId, cmd.count, cmd.sample) });
  }
}

port.on('message', (cmd: EngineCommand) => {
  onCommand(cmd).catch((e: unknown) => {
    // A guest failure breaks its instance; anything else (artifact not loaded, probe failure) does not.
    if ('id' in cmd) send({ type: 'reply', id: cmd.id, ok: false, error: (e as Error).message, broken: e instanceof GuestBrokenError });
  });
});
