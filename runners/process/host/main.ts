/**
 * Entry script of the `process` runner's PoP host, launched by kit/launch.ts with its plan file
 * (`node main.js <plan.json>`). It serves the PoP protocol on 127.0.0.1 and forks one child
 * process per instance. It exits when its IPC channel closes (the lab stopped it, or died even
 * by SIGKILL), and its children exit when theirs closes: nothing outlives the lab.
 */
import { runPopHost } from '../../kit/host-main.js';
import { readSmapsRollup } from '../../kit/memory/smaps.js';
import { InstancePool } from '../../kit/pool.js';
import type { ProcessHostPlan } from '../plan.js';
import { ProcessFactory, type ProcessFactoryOptions } from './factory.js';
import { InstanceCgroups } from './cgroups.js';

const MEMORY_METHOD =
  'USS (Private_Clean + Private_Dirty) and PSS from /proc/<pid>/smaps_rollup of each instance process; fixed overhead = USS of the PoP host process';

void runPopHost<ProcessHostPlan>('process', async (hp, atShutdown, stalls) => {
  let cgroups: ProcessFactoryOptions['cgroups'];
  if (hp.cgroups) {
    const groups = await InstanceCgroups.open(hp.cgroups.limits);
    cgroups = { groups, cgexec: hp.cgroups.cgexec };
    atShutdown(() => groups.removeAll());
  }
  const pool = new InstancePool({
    runtime: 'process',
    stalls,
    tenants: hp.plan.tenants,
    keepAlive: hp.plan.keepAlive,
    requestTimeoutMs: hp.plan.requestTimeoutMs,
    // A process cannot be stopped mid-call but by killing it: the PoP does that at the deadline.
    handlerDeadlineMs: hp.plan.limits?.cpuMsPerRequest ?? 0,
    spares: hp.plan.options.spares,
    factory: new ProcessFactory({ serverScript: hp.serverScript, handlers: hp.handlers, commands: hp.commands, logHint: hp.logPath, ...(cgroups ? { cgroups } : {}) }),
    memory: { method: MEMORY_METHOD, fixedOverheadBytes: async () => (await readSmapsRollup(process.pid)).ussBytes },
  });
  return { pool };
});
