/**
 * Plays the lab for the "SIGKILL the lab" leak test: launches the process runner with two
 * tenants, warms one instance of each, prints `ready <url>` and waits to be killed.
 * Usage: node launch-holder.js <workDir>
 */
import { processRunner } from '../runner.js';

const workDir = process.argv[2]!;
const handle = await processRunner.launch({
  runId: 'sigkill-test',
  tenants: [
    { id: 'k1', workload: 'hello' },
    { id: 'k2', workload: 'hello' },
  ],
  keepAlive: { idleTimeoutSeconds: 600, maxInstancesPerTenant: 2, memoryBudgetMiB: 0 },
  options: { spares: 1, handlers: {}, confine: 'none' },
  requestTimeoutMs: 10_000,
  workDir,
});
for (const t of ['k1', 'k2']) {
  const res = await fetch(`${handle.url}/t/${t}/`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`warm-up of ${t} answered ${res.status}`);
}
process.stdout.write(`ready ${handle.url}\n`);
setInterval(() => {}, 1 << 30);
