/**
 * Runs the load generator in its own process and returns its report. The lab keeps the
 * generator out of its own event loop and out of the runner's, so neither disturbs the
 * other's timing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromLoadgen, LoadJob, LoadProgress, LoadReport } from './protocol.js';

/** A load run in progress: await `done`; call `stop()` to end it early (Ctrl-C) and still get the report. */
export interface LoadRun {
  done: Promise<LoadReport>;
  stop(): void;
}

const workerPath = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Forks the generator, sends the job, and relays progress to `onProgress`. */
export function startLoad(job: Omit<LoadJob, 'type'>, onProgress?: (p: LoadProgress) => void): LoadRun {
  const child: ChildProcess = fork(workerPath, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let finished = false;
  const done = new Promise<LoadReport>((resolve, reject) => {
    child.on('message', (m: FromLoadgen) => {
      if (m.type === 'progress') onProgress?.(m);
      else if (m.type === 'report') {
        finished = true;
        // Resolve once the process is gone, so callers can rely on nothing being left running.
        child.once('exit', () => resolve(m));
        child.disconnect();
      } else if (m.type === 'failed') {
        finished = true;
        reject(new Error(`load generator failed: ${m.message}`));
        child.kill();
      }
    });
    child.on('exit', (code, signal) => {
      if (!finished) reject(new Error(`load generator exited before reporting (code ${code}, signal ${signal})`));
    });
    child.on('error', reject);
  });
  child.send({ type: 'job', ...job } satisfies LoadJob);
  return {
    done,
    stop: () => {
      if (!finished && child.connected) child.send({ type: 'stop' });
    },
  };
}
