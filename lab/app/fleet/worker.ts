/**
 * A worker thread of `lab simulate --fleet`: runs shard jobs (the shard command's function,
 * shard-command.ts) one after another as the parent sends them, reporting progress and each
 * outcome. A thread is reused across shards only to load the lab once; a shard keeps nothing
 * past its end. Errors go back as data: the parent stops the other workers and reports the
 * first one.
 */
import { parentPort } from 'node:worker_threads';
import { LabError } from '../../errors.js';
import { runShardJob, type ShardJob } from './shard-command.js';

/** Messages a worker sends its parent. */
export type WorkerMessage =
  | { type: 'pop'; shard: number; done: number; of: number }
  | { type: 'done'; shard: number; path: string; pops: number }
  | { type: 'error'; shard: number; message: string; exitCode?: number; internal: boolean };

const post = (m: WorkerMessage) => parentPort!.postMessage(m);
parentPort!.on('message', (job: ShardJob) => {
  try {
    const out = runShardJob(job, (done, of) => post({ type: 'pop', shard: job.shard.index, done, of }));
    post({ type: 'done', shard: job.shard.index, path: out.path, pops: out.pops });
  } catch (e) {
    if (e instanceof LabError) post({ type: 'error', shard: job.shard.index, message: e.message, exitCode: e.exitCode, internal: false });
    else post({ type: 'error', shard: job.shard.index, message: e instanceof Error ? (e.stack ?? e.message) : String(e), internal: true });
  }
});
