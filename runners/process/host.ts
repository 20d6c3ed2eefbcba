/**
 * Entry script of the `process` runner's PoP host: `node host.js <plan.json>`, forked by the
 * lab with an IPC channel. It serves the PoP protocol on 127.0.0.1 and forks one child process
 * per instance. It exits when its IPC channel closes (the lab stopped it, or died even by
 * SIGKILL), and its children exit when theirs closes: nothing outlives the lab.
 */
import { InstancePool } from '../pool.js';
import { startPopServer, type PopServer } from '../pop-server.js';
import { readSmapsRollup } from '../memory/smaps.js';
import { ProcessFactory } from './factory.js';
import { readHostPlan, type HostMessage } from './host-plan.js';

const MEMORY_METHOD =
  'USS (Private_Clean + Private_Dirty) and PSS from /proc/<pid>/smaps_rollup of each instance process; fixed overhead = USS of the PoP host process';

function send(m: HostMessage): void {
  process.send?.(m);
}

const planFile = process.argv[2];
if (!planFile) {
  process.stderr.write('usage: node host.js <plan.json>\n');
  process.exit(2);
}
let pool: InstancePool | undefined;
let server: PopServer | undefined;
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server?.close();
  await pool?.close();
  process.exit(code);
}
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

try {
  const hp = readHostPlan(planFile);
  pool = new InstancePool({
    runtime: 'process',
    tenants: hp.plan.tenants,
    keepAlive: hp.plan.keepAlive,
    requestTimeoutMs: hp.plan.requestTimeoutMs,
    spares: hp.spares,
    factory: new ProcessFactory({ serverScript: hp.serverScript, handlers: hp.handlers, ...(hp.natives ? { natives: hp.natives } : {}), logHint: hp.logPath }),
    memory: { method: MEMORY_METHOD, fixedOverheadBytes: async () => (await readSmapsRollup(process.pid)).ussBytes },
  });
  // Spares first: the endpoint answers health only once the PoP is in its starting state.
  await pool.start();
  if (!stopping) {
    server = await startPopServer(pool);
    process.stdout.write(`listening ${server.url}\n`);
    send({ type: 'ready', url: server.url });
  }
} catch (e) {
  process.stderr.write(`process host: ${(e as Error).stack ?? String(e)}\n`);
  send({ type: 'error', message: (e as Error).message });
  await shutdown(1);
}
