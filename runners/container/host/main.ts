/**
 * The container runner's PoP host: a process of its own, forked by the runner's launch. It owns
 * the engine objects of one launch: reaps orphans of dead hosts, starts its detached reaper,
 * starts the origin registry when artifact misses are asked for, and serves the PoP endpoint
 * over runners/pool.ts with a ContainerFactory. It stops everything on `stop` and when its IPC
 * channel closes (the lab died); if it is killed itself, the reaper removes its containers.
 */
import { join } from 'node:path';
import { sha256 } from '../../../lab/digest.js';
import { InstancePool } from '../../kit/pool.js';
import { startPopServer, type PopServer } from '../../kit/pop-server.js';
import { artifactMisses, pushToOrigin } from './artifact-miss.js';
import { reapOrphans, startReaper } from './cleanup.js';
import { connectEngine } from '../engine.js';
import { EngineMeter } from './engine-cpu.js';
import { ContainerFactory } from './factory.js';
import { containerMemoryOptions } from './host-memory.js';
import type { FromHost, HostConfig, ToHost } from '../plan.js';
import { startOriginRegistry, type OriginRegistry } from './origin-registry.js';
import { PortAllocator } from '../ports.js';

function send(m: FromHost): void {
  process.send?.(m);
}

let shutdown: (() => Promise<void>) | undefined;

async function launch(c: HostConfig): Promise<void> {
  const { docker } = await connectEngine({ start: false });
  await reapOrphans(docker);
  // Run id plus pid: two hosts of one run (repetitions) never reap each other's containers.
  const runLabel = `${c.runId}.${process.pid}`;
  const reaper = startReaper(runLabel, join(c.workDir, `container-reaper-${process.pid}.log`));
  let origin: OriginRegistry | undefined;
  const stops: Array<() => Promise<unknown>> = [];
  shutdown = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    await origin?.stop();
  };
  const o = c.options;
  if (o.artifactMissRate > 0) {
    origin = await startOriginRegistry();
    for (const img of new Set(Object.values(c.images).map((i) => i.ref))) await pushToOrigin(docker, origin, img);
  }
  // From here on: the image pushes to the origin above are set-up, not the PoP's engine work.
  const engine = EngineMeter.forLocalEngine();
  const factory = new ContainerFactory({
    docker,
    engine,
    runId: runLabel,
    strategy: o.strategy,
    reserve: o.reserve,
    ports: new PortAllocator(o.ports),
    imageFor: (t) => {
      const img = c.images[t.workload];
      if (!img) throw new Error(`no image for workload ${t.workload}`);
      return img;
    },
    readyTimeoutMs: o.readyTimeoutMs ?? c.requestTimeoutMs,
    pollMs: o.pollMs,
    aliveEveryMs: o.aliveEveryMs,
    logLines: o.logLines,
    ...(origin ? { misses: artifactMisses(docker, origin, o.artifactMissRate, o.seed ?? parseInt(sha256(c.runId).slice(7, 15), 16)) } : {}),
  });
  stops.push(() => factory.close());
  const pool = new InstancePool({
    runtime: 'container',
    tenants: c.tenants,
    keepAlive: c.keepAlive,
    requestTimeoutMs: c.requestTimeoutMs,
    factory,
    spares: o.spares,
    strategy: o.strategy,
    memory: containerMemoryOptions(factory),
    engineCpu: () => engine.report(),
  });
  stops.push(() => pool.close());
  await factory.start(c.tenants);
  await pool.start();
  const server: PopServer = await startPopServer(pool);
  stops.push(() => server.close());
  send({ type: 'ready', url: server.url, reaperPid: reaper.pid });
}

let stopping: Promise<void> | undefined;
function stop(code: number): void {
  stopping ??= (async () => {
    await shutdown?.().catch(() => {});
    process.exit(code);
  })();
}

process.on('message', (m: ToHost) => {
  if (m.type === 'launch') {
    launch(m.config).catch((e: unknown) => {
      send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
      stop(1);
    });
  } else if (m.type === 'stop') stop(0);
});
// The lab is gone (exit, crash, SIGKILL): take everything down with us.
process.on('disconnect', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
