/**
 * Entry script of the `process` runner's PoP host: `node host.js <plan.json>`, forked by the
 * lab with an IPC channel. It serves the PoP protocol on 127.0.0.1 and forks one child process
 * per instance. It exits when its IPC channel closes (the lab stopped it, or died even by
 * SIGKILL), and its children exit when theirs closes: nothing outlives the lab.
 */
import { InstancePool } from '../../kit/pool.js';
import { runPopHost } from '../../kit/host-main.js';
import { readSmapsRollup } from '../../kit/memory/smaps.js';
import { ProcessFactory } from './factory.js';
import { readHostPlan } from '../plan.js';

const MEMORY_METHOD =
  'USS (Private_Clean + Private_Dirty) and PSS from /proc/<pid>/smaps_rollup of each instance process; fixed overhead = USS of the PoP host process';

const planFile = process.argv[2];
if (!planFile) {
  process.stderr.write('usage: node host.js <plan.json>\n');
  process.exit(2);
}

void runPopHost('process', async () => {
  const hp = readHostPlan(planFile);
  const pool = new InstancePool({
    runtime: 'process',
    tenants: hp.plan.tenants,
    keepAlive: hp.plan.keepAlive,
    requestTimeoutMs: hp.plan.requestTimeoutMs,
    spares: hp.spares,
    factory: new ProcessFactory({ serverScript: hp.serverScript, handlers: hp.handlers, ...(hp.natives ? { natives: hp.natives } : {}), logHint: hp.logPath }),
    memory: { method: MEMORY_METHOD, fixedOverheadBytes: async () => (await readSmapsRollup(process.pid)).ussBytes },
  });
  return { pool };
});
