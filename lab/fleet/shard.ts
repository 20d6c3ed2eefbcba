/**
 * One shard of a fleet: every K-th PoP from index i, simulated one at a time. This is the
 * whole work of `lab simulate --fleet f.yaml --shard i/K`, which a worker thread of the local
 * run and a pod of the Kubernetes Indexed Job both run. It keeps no PoP's state past the PoP:
 * each summary is appended to the shard file as soon as it exists, and only the running
 * latency histograms of each runtime (a fixed size, whatever the PoP count) are held.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { summarise } from '../measure/histogram.js';
import { RESULT_SCHEMA_VERSION, type FleetCalibrationRecord, type FleetLatency, type FleetShardExecution, type FleetShardResult } from '../results/model.js';
import type { Calibration } from '../sim/calibration.js';
import { checkCovers } from '../sim/calibrate.js';
import { FastHistogram } from '../sim/fast-histogram.js';
import { popAt, popCount, shardPopIndices, type ShardRef } from './expand.js';
import { fleetCoverScenario, fleetRuntimeLabels } from './pop-scenario.js';
import { simulatePop } from './pop-sim.js';
import { fleetRecord } from './record.js';
import type { LoadedFleet } from './types.js';

/** The file a shard writes in its output folder: `shard-<i>-of-<K>.json`. */
export function shardFileName(shard: ShardRef): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

/** What a shard needs. */
export interface ShardInput {
  loaded: LoadedFleet;
  calibration: Calibration;
  calibrationRecord: FleetCalibrationRecord;
  shard: ShardRef;
  /** Folder the shard file goes to (made if missing). */
  outDir: string;
  ranIn: FleetShardExecution['ranIn'];
  /** Simulate only this many PoPs, evenly spaced over the fleet (a benchmark's fleet). */
  sample?: number;
  /** Called after each PoP: how many this shard has done, and of how many. */
  onPop?: (done: number, of: number) => void;
}

/** What a shard did. */
export interface ShardOutcome {
  path: string;
  pops: number;
  execution: FleetShardExecution;
}

/** PoPs a shard simulates. */
export function shardSize(total: number, shard: ShardRef, sample?: number): number {
  const n = sample === undefined ? total : Math.min(total, sample);
  return n > shard.index ? Math.ceil((n - shard.index) / shard.count) : 0;
}

/**
 * CPU seconds of the calling thread so far (user + system, from /proc/thread-self/stat: a worker
 * thread reads its own), or undefined where there is no such file. A shared machine's wall time
 * says little about a shard's work; its thread's CPU time does.
 */
export function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const heapNow = (): number => {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
};

/** Simulates the shard's PoPs and writes its file; throws before simulating when the calibration does not cover the fleet. */
export function runShard(i: ShardInput): ShardOutcome {
  const { loaded, shard } = i;
  checkCovers(i.calibration, fleetCoverScenario(loaded));
  const started = performance.now();
  const cpuStart = threadCpuSeconds();
  const startedAt = new Date().toISOString();
  const labels = fleetRuntimeLabels(loaded);
  const total = popCount(loaded);
  const of = shardSize(total, shard, i.sample);
  const sums = Object.fromEntries(labels.map((l) => [l, { all: new FastHistogram(), warm: new FastHistogram(), cold: new FastHistogram() }]));
  mkdirSync(i.outDir, { recursive: true });
  const path = join(i.outDir, shardFileName(shard));
  const tmp = `${path}.tmp-${process.pid}-${shard.index}`;
  const fd = openSync(tmp, 'w');
  let peakHeapBytes = heapNow();
  let simulatedRequests = 0;
  let done = 0;
  try {
    const head: Omit<FleetShardResult, 'pops' | 'latency' | 'execution'> = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      kind: 'fleet-shard',
      fleet: fleetRecord(loaded, i.sample),
      calibration: i.calibrationRecord,
      shard: { index: shard.index, count: shard.count },
    };
    const headText = JSON.stringify(head);
    writeSync(fd, `${headText.slice(0, -1)},"pops":[`);
    for (const index of shardPopIndices(total, shard, i.sample)) {
      const { summary, latency } = simulatePop(loaded, popAt(loaded, index), i.calibration);
      for (const [label, l] of Object.entries(latency)) {
        const s = sums[label]!;
        s.all.addFrom(l.latency.all, l.hosts);
        s.warm.addFrom(l.latency.warm, l.hosts);
        s.cold.addFrom(l.latency.cold, l.hosts);
      }
      for (const r of Object.values(summary.runtimes)) simulatedRequests += r.simulatedRequests;
      writeSync(fd, `${done === 0 ? '\n' : ',\n'}${JSON.stringify(summary)}`);
      done++;
      peakHeapBytes = Math.max(peakHeapBytes, heapNow());
      i.onPop?.(done, of);
    }
    const latency: Record<string, FleetLatency> = Object.fromEntries(labels.map((l) => [l, { all: summarise(sums[l]!.all.toHdr()), warm: summarise(sums[l]!.warm.toHdr()), cold: summarise(sums[l]!.cold.toHdr()) }]));
    const execution: FleetShardExecution = {
      startedAt,
      finishedAt: new Date().toISOString(),
      wallSeconds: Math.round(performance.now() - started) / 1000,
      simulatedRequests,
      ranIn: i.ranIn,
      peakHeapBytes,
      // ru_maxrss is in KiB.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    const cpuEnd = threadCpuSeconds();
    if (cpuStart !== undefined && cpuEnd !== undefined) execution.cpuSeconds = Math.round((cpuEnd - cpuStart) * 100) / 100;
    writeSync(fd, `\n],"latency":${JSON.stringify(latency)},"execution":${JSON.stringify(execution)}}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    return { path, pops: done, execution };
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    // No half-written shard is left behind: a merge must never mistake it for a finished one.
    rmSync(tmp, { force: true });
    throw e;
  }
}
