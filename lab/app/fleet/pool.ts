/**
 * Shards on worker threads: at most `workers` at a time, each shard in a fresh thread (its
 * memory goes back when it ends), the next shard started as one finishes. The first failure
 * stops the others and is reported; a stopped shard leaves no file (runShard writes under a
 * temporary name and renames at the end; the temporary files of stopped threads are removed).
 */
import { readdirSync, rmSync } from 'node:fs';
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
  const live = new Set<Worker>();
  let next = 0;
  let finished = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      for (const w of live) void w.terminate();
      for (const dir of new Set(jobs.map((j) => j.outDir))) {
        let names: string[] = [];
        try {
          names = readdirSync(dir);
        } catch {
          // nothing written yet
        }
        for (const n of names) if (/\.tmp-\d+/.test(n)) rmSync(`${dir}/${n}`, { force: true });
      }
      reject(e);
    };
    const start = () => {
      if (failed || next >= jobs.length) return;
      const k = next++;
      const job = jobs[k]!;
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
      live.add(w);
      let reported = false;
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'pop') {
          doneBy.set(m.shard, m.done);
          onProgress?.([...doneBy.values()].reduce((a, b) => a + b, 0), planned);
        } else if (m.type === 'done') {
          reported = true;
          paths[k] = m.path;
        } else {
          reported = true;
          fail(m.internal ? new Error(`shard ${m.shard}: ${m.message}`) : new LabError(m.message, (m.exitCode ?? 3) as Exclude<ExitCodeValue, 1>));
        }
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        live.delete(w);
        if (failed) return;
        if (!reported || code !== 0) {
          fail(new Error(`shard ${job.shard.index} of ${job.shard.count}: its worker thread exited with code ${code} without a result`));
          return;
        }
        finished++;
        if (finished === jobs.length) resolve(paths);
        else start();
      });
    };
    for (let i = 0; i < Math.min(workers, jobs.length); i++) start();
    if (jobs.length === 0) resolve([]);
  });
}
