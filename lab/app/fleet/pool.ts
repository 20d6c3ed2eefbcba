/**
 * Shards on worker threads: `workers` threads, each given the next shard as it finishes one
 * (so a slow shard does not hold the others back), all closed at the end. The first failure
 * stops every thread and is reported; a stopped shard leaves no file (runShard writes under a
 * temporary name and renames at the end; temporary files of stopped threads are removed).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LabError, type ExitCodeValue } from '../../errors.js';
import type { ShardJob } from './shard-command.js';
import type { WorkerMessage } from './worker.js';

/** Progress of the whole set: PoPs done over PoPs planned, as threads report them. */
export type PoolProgress = (done: number, of: number) => void;

/** Runs the jobs on up to `workers` threads; resolves with the shard files in job order. */
export function runShardsInWorkers(jobs: readonly ShardJob[], workers: number, planned: number, onProgress?: PoolProgress): Promise<string[]> {
  const paths: string[] = new Array(jobs.length);
  const doneBy = new Map<number, number>();
  const threads: Worker[] = [];
  const current = new Map<Worker, number>();
  let next = 0;
  let finished = 0;
  let settled = false;
  return new Promise((resolve, reject) => {
    const stopAll = () => {
      for (const w of threads) void w.terminate();
    };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      stopAll();
      for (const dir of new Set(jobs.map((j) => j.outDir))) {
        let names: string[] = [];
        try {
          names = readdirSync(dir);
        } catch {
          // nothing written yet
        }
        for (const n of names) if (/\.tmp-\d+/.test(n)) rmSync(join(dir, n), { force: true });
      }
      reject(e);
    };
    const give = (w: Worker): boolean => {
      if (next >= jobs.length) return false;
      const k = next++;
      current.set(w, k);
      w.postMessage(jobs[k]);
      return true;
    };
    const n = Math.min(workers, jobs.length);
    if (n === 0) return resolve([]);
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./worker.js', import.meta.url));
      threads.push(w);
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'pop') {
          doneBy.set(m.shard, m.done);
          onProgress?.([...doneBy.values()].reduce((a, b) => a + b, 0), planned);
        } else if (m.type === 'done') {
          paths[current.get(w)!] = m.path;
          finished++;
          if (finished === jobs.length) {
            settled = true;
            stopAll();
            resolve(paths);
          } else give(w);
        } else {
          fail(m.internal ? new Error(`shard ${m.shard}: ${m.message}`) : new LabError(m.message, (m.exitCode ?? 3) as Exclude<ExitCodeValue, 1>));
        }
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (!settled) fail(new Error(`a worker thread exited with code ${code} before its shards were done`));
      });
      give(w);
    }
  });
}
