/**
 * The lab's own survival of a run: after every runtime stopped, is each planned run recorded and
 * is nothing it started still there? Processes are read below the lab's own pid; each runner
 * that can leave something outside that tree (a container engine) names it through its
 * conformance declaration's `leftovers`, for the run's launches and for its probe launches.
 */
import { readFileSync } from 'node:fs';
import { processTree } from '../proc/process-tree.js';
import type { OpaqueOptions, Runner } from '../pop/contract.js';
import type { LabSurvival } from '../results/model.js';

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 160);
  } catch {
    return '?';
  }
}

export async function checkSurvival(runId: string, runners: Runner<OpaqueOptions>[], counts: { planned: number; recorded: number }): Promise<LabSurvival> {
  const leftBehind = processTree(process.pid)
    .filter((p) => p !== process.pid)
    .map((p) => `process ${p} (${commandOf(p)})`);
  const unchecked: string[] = [];
  for (const r of new Set(runners)) {
    const leftovers = r.conformance?.leftovers;
    if (!leftovers) continue;
    try {
      // The probes launch as `<runId>-probes` (lab/app/probe-runtime.ts).
      for (const id of [runId, `${runId}-probes`]) leftBehind.push(...(await leftovers(id)));
    } catch (e) {
      unchecked.push(`${r.name}: ${(e as Error).message}`);
    }
  }
  return { ...counts, leftBehind: [...new Set(leftBehind)], unchecked };
}
