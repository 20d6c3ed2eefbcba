/**
 * Cleanup that survives a crash of the lab. Containers belong to dockerd, not to the process
 * that made them, so a SIGKILLed host would leave them running. Two mechanisms:
 * - a detached reaper (reaper.ts) started per host, holding the read end of a pipe from it: when
 *   the pipe closes (the host ended, however), the reaper removes the run's containers by label;
 * - at start-up, containers of dead owners (owner-pid label naming a process that is gone) are
 *   removed: what a reaper killed together with its host would have left.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { processAlive } from '../../../lab/proc/alive.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { LABELS } from '../labels.js';

/** The compiled reaper entry beside this module. */
export const reaperScript = join(dirname(fileURLToPath(import.meta.url)), 'reaper.js');

/** Removes every container labelled with `runId`; returns how many. */
export async function removeRunContainers(docker: Docker, runId: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.run}=${runId}`] }) });
  await Promise.allSettled(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return list.length;
}

/** Removes lab containers whose owner process is gone; returns how many. */
export async function reapOrphans(docker: Docker): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [LABELS.owned] }) });
  const orphans = list.filter((c) => {
    const pid = Number(c.Labels?.[LABELS.ownerPid]);
    return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
  });
  await Promise.allSettled(orphans.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return orphans.length;
}

/** A started reaper; `pid` for tests, `disarm` is never needed: closing the pipe is the signal. */
export interface Reaper {
  pid: number;
}

/** Starts the detached reaper for `runId` (and `dirs` to remove after its containers), writing its log to `logPath`. The pipe closes when this process ends. */
export function startReaper(runId: string, logPath: string, dirs: string[] = []): Reaper {
  mkdirSync(dirname(logPath), { recursive: true });
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [reaperScript, runId, ...dirs], { detached: true, stdio: ['pipe', log, log], env: process.env });
  closeSync(log);
  // Neither the child nor the pipe keeps this process alive; the pipe just has to stay open.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  if (child.pid === undefined) throw new Error('container runner: the reaper did not start');
  return { pid: child.pid };
}
