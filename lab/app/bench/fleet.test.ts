import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderFleetBench, type FleetBenchResult } from './fleet.js';

test('the fleet bench says where the rest of 2x went: idle cores or the same work costing more CPU', () => {
  const run = (workers: number, wallSeconds: number, cpuSeconds: number) => ({ workers, repeat: 1, wallSeconds, cpuSeconds, loadAverage: 0.1, shards: [{ wallSeconds: 1, peakHeapBytes: 2 ** 20, maxRssBytes: 2 ** 21 }] });
  const b: FleetBenchResult = {
    fleet: 'f', pops: 10, sample: 10, shards: 2, window: { warmupSeconds: 1, durationSeconds: 2 }, cores: 2, loadAverage: { before: 0.1, after: 0.2 },
    runs: [run(1, 20, 21), run(2, 12.5, 22)], medianSeconds: { 1: 20, 2: 12.5 }, medianCpuSeconds: { 1: 21, 2: 22 }, speedUp: 1.6, pairedSpeedUp: 1.6, freeCoresEstimate: null, memory: null,
  };
  const text = renderFleetBench(b);
  assert.match(text, /speed-up with 2 workers: 1\.60x .*goal >= 1\.8x: not met\)/);
  // 22 s of CPU in 12.5 s on 2 cores: 88 % busy; 22 / 21 = 1.05x the CPU.
  assert.match(text, /with 2 workers the cores were 88 % busy, and the same work took 1\.05x the CPU of 1 worker/);
  assert.doesNotMatch(text, /estimated/);
});
