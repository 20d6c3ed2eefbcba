/**
 * The container runner's PoP host, launched by kit/launch.ts with its plan file like every
 * Node host. It owns the engine objects of one launch: reaps orphans of dead hosts, starts its
 * detached reaper, starts the origin registry when artifact misses are asked for, and serves the
 * PoP endpoint over kit/pool.ts with a ContainerFactory. It stops everything when its IPC
 * channel closes (the lab stopped it, or died); if it is killed itself, the reaper removes its
 * containers.
 */
import { join } from 'node:path';
import { sha256 } from '../../../lab/digest.js';
import { runPopHost } from '../../kit/host-main.js';
import { InstancePool } from '../../kit/pool.js';
import { connectEngine } from '../engine.js';
import type { ContainerHostPlan } from '../plan.js';
import { effectiveLimits } from '../options.js';
import { PortAllocator } from '../ports.js';
import { artifactMisses, pushToOrigin } from './artifact-miss.js';
import { reapOrphans, startReaper } from './cleanup.js';
import { EngineMeter } from './engine-cpu.js';
import { ContainerFactory } from './factory.js';
import { containerMemoryOptions } from './host-memory.js';
import { startOriginRegistry } from './origin-registry.js';
import { SANDBOX_GID, SANDBOX_UID } from './sandbox.js';
import { SocketDirs } from './socket-dirs.js';
import { ensureHolderImage } from '../images/netns-holder.js';

void runPopHost<ContainerHostPlan>('container', async ({ plan, images }, atShutdown, stalls) => {
  const { docker } = await connectEngine({ start: false });
  await reapOrphans(docker);
  // Run id plus pid: two hosts of one run (repetitions) never reap each other's containers.
  const runLabel = `${plan.runId}.${process.pid}`;
  const sockets = new SocketDirs(SANDBOX_UID, SANDBOX_GID);
  startReaper(runLabel, join(plan.workDir, `container-reaper-${process.pid}.log`), [sockets.root]);
  const o = plan.options;
  const missRate = o.artifactMissRate ?? 0;
  let origin: Awaited<ReturnType<typeof startOriginRegistry>> | undefined;
  if (missRate > 0) {
    origin = await startOriginRegistry();
    const started = origin;
    atShutdown(() => started.stop());
    for (const ref of new Set(Object.values(images).map((i) => i.ref))) await pushToOrigin(docker, origin, ref);
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
    sandbox: o.sandbox,
    limits: effectiveLimits(plan.limits, o),
    sockets,
    netns: o.netns,
    ociRuntime: o.ociRuntime,
    ...(o.sandbox === 'hardened' && o.netns === 'per-tenant' ? { holderImage: await ensureHolderImage(docker) } : {}),
    imageFor: (t) => {
      const img = images[t.workload];
      if (!img) throw new Error(`no image for workload ${t.workload}`);
      return img;
    },
    readyTimeoutMs: o.readyTimeoutMs ?? plan.requestTimeoutMs,
    pollMs: o.pollMs,
    aliveEveryMs: o.aliveEveryMs,
    logLines: o.logLines,
    ...(origin ? { misses: artifactMisses(docker, origin, missRate, o.seed ?? parseInt(sha256(plan.runId).slice(7, 15), 16)) } : {}),
  });
  // Registered first, so it runs after the factory has removed the containers using them.
  atShutdown(async () => sockets.close());
  atShutdown(() => factory.close());
  const pool = new InstancePool({
    runtime: 'container',
    stalls,
    tenants: plan.tenants,
    keepAlive: plan.keepAlive,
    requestTimeoutMs: plan.requestTimeoutMs,
    // As for processes: the PoP kills the container of a request past its deadline.
    handlerDeadlineMs: plan.limits?.cpuMsPerRequest ?? 0,
    factory,
    spares: o.spares,
    strategy: o.strategy,
    memory: containerMemoryOptions(factory, o.ociRuntime),
    engineCpu: () => engine.report(),
  });
  await factory.start(plan.tenants);
  return { pool };
});
