/**
 * The detached reaper process: `node reaper.js <runId> [dir...]`. Waits until its stdin (a pipe
 * from the host that started it) closes, then removes every container labelled with the run id,
 * then the host's scratch directories (its containers' socket directories), and exits.
 * It runs in its own session, so a signal to the lab's process group does not take it along.
 */
import { rmSync } from 'node:fs';
import { connectEngine } from '../engine.js';
import { removeRunContainers } from './cleanup.js';

const runId = process.argv[2];
const dirs = process.argv.slice(3);
if (!runId) {
  process.stderr.write('usage: node reaper.js <runId> [dir...]\n');
  process.exit(2);
}

process.stdin.resume();
process.stdin.on('data', () => {
  // The host never writes; any byte is ignored.
});
process.stdin.on('close', () => {
  void (async () => {
    try {
      const { docker } = await connectEngine({ start: false });
      const n = await removeRunContainers(docker, runId);
      if (n > 0) process.stderr.write(`reaper: removed ${n} container(s) of run ${runId}\n`);
      // After the containers: a directory still bind-mounted into one would be refilled by it.
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    } catch (e) {
      process.stderr.write(`reaper: run ${runId}: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  })();
});
