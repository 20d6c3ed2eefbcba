/**
 * Runs the native load engine (lab/loadgen/engine) on a job and returns its report. The engine
 * is a process of its own: it shares neither the lab's event loop nor the runner's, and can be
 * pinned to a core of its own (`LoadJob.cpus`). The job goes over in a file (job-file.ts);
 * progress and the report come back as JSON lines on stdout; `stop()` writes `stop` on its
 * stdin and the measured part is still reported; if the lab dies, the engine sees EOF and exits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RuntimeFailure } from '../errors.js';
import { buildCrate, type RustCrate } from '../proc/cargo.js';
import { encodeJob } from './job-file.js';
import type { FromLoadgen, LoadJob, LoadProgress, LoadReport } from './protocol.js';

/** The engine crate. */
export const LOAD_ENGINE: RustCrate = { what: 'load engine', dir: 'lab/loadgen/engine', binary: 'edge-pop-load-engine', target: 'load-engine-target' };

/** A load run in progress: await `done`; call `stop()` to end it early (Ctrl-C) and still get the report. */
export interface LoadRun {
  done: Promise<LoadReport>;
  stop(): void;
}

/** Builds the engine if needed (cargo; a no-op when up to date) and returns its binary. */
export function loadEngine(): Promise<string> {
  return buildCrate(LOAD_ENGINE);
}

/** Starts the engine on `job` and relays its progress to `onProgress`. */
export function startLoad(job: Omit<LoadJob, 'type'>, onProgress?: (p: LoadProgress) => void): LoadRun {
  let stopRequested = false;
  let stop = (): void => {
    stopRequested = true;
  };
  const done = (async (): Promise<LoadReport> => {
    const binary = await loadEngine();
    const dir = mkdtempSync(join(tmpdir(), 'lab-load-'));
    const file = join(dir, 'job.bin');
    writeFileSync(file, encodeJob(job));
    try {
      return await new Promise<LoadReport>((resolve, reject) => {
        // Its own process group: a terminal's Ctrl-C reaches the lab only, which then stops the
        // engine with `stop` so the measured part is reported; if the lab dies, stdin closes.
        const child = spawn(binary, [file, ...(job.cpus && job.cpus.length > 0 ? ['--cpus', job.cpus.join(',')] : [])], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
        let outcome: LoadReport | Error | undefined;
        stop = () => {
          if (child.exitCode === null && child.stdin.writable) child.stdin.write('stop\n');
        };
        if (stopRequested) stop();
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          let m: FromLoadgen;
          try {
            m = JSON.parse(line) as FromLoadgen;
          } catch {
            outcome ??= new RuntimeFailure(`load engine printed an unexpected line: ${line.slice(0, 200)}`);
            return;
          }
          if (m.type === 'progress') onProgress?.(m);
          else if (m.type === 'report') outcome = m;
          else outcome = new RuntimeFailure(`load engine failed: ${m.message}`);
        });
        child.once('error', (e) => reject(new RuntimeFailure(`cannot start the load engine ${binary}: ${e.message}`)));
        // Resolve once the process is gone, so callers can rely on nothing being left running.
        child.once('close', (code, signal) => {
          if (outcome instanceof Error) reject(outcome);
          else if (outcome) resolve(outcome);
          else reject(new RuntimeFailure(`load engine exited before reporting (code ${code}, signal ${signal})`));
        });
        child.stdin.on('error', () => {});
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return { done, stop: () => stop() };
}
