import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeResult } from '../results/model.js';
import { quantileTableOfSamples } from './empirical.js';
import { liveReplica, modelledHost } from './modelled.js';
import { simulateScenario } from './simulate.js';
import { baselineValidationRoot, comparedFigures, latestValidation, OUT_OF_SAMPLE_GOALS, saveValidation, VALIDATION_VERSION, type ValidationRecord } from './validation.js';
import { calibrationOf, constantCalibration, fakeLiveResult, hist, MIB, tinyScenario } from './test-support.js';

test('the live replica serves the very live schedule once per repetition, each with its own simulator draws', () => {
  const scenario = { ...tinyScenario({ gapMs: 10, spanMs: 2000, missRate: 0.1 }), runtimes: [{ runtime: 'process', label: 'p', options: {} }] };
  const rc = constantCalibration('p', ['hello'], { serviceMs: 5, activationMs: 20 });
  // Service time either 2 or 8 ms: draws show up in the latencies.
  rc.workloads.hello!.warmServiceMs = quantileTableOfSamples([2, 8]);
  const loaded = { scenario, file: '/s.yaml', source: '', hash: 'sha256:s' };
  const { result } = simulateScenario({ loaded, calibration: calibrationOf(rc), calibrationPath: '/c.json', target: liveReplica(scenario, 1, 3) });
  assert.deepEqual(result.runs.map((r) => [r.label, r.repetition]), [['p', 1], ['p', 2], ['p', 3]]);
  // The same schedule: the same requests, and the same forced misses.
  assert.equal(new Set(result.runs.map((r) => `${r.requests.planned}/${r.requests.forcedCold}`)).size, 1);
  // Independent draws: the latency histograms differ.
  assert.equal(new Set(result.runs.map((r) => r.latency.warm.hdr)).size, 3);
  // Repetition 1 is the single simulation of the same target (the modelled host simulates once).
  const once = simulateScenario({ loaded, calibration: calibrationOf(rc), calibrationPath: '/c.json', target: liveReplica(scenario, 1) }).result;
  assert.equal(once.runs.length, 1);
  assert.equal(once.runs[0]!.latency.warm.hdr, result.runs[0]!.latency.warm.hdr);
  assert.equal(modelledHost(scenario).repetitions, 1);
  assert.throws(() => liveReplica(scenario, 1, 0), /repetitions/);
});

test('compared figures merge runs alike on both sides: merged percentiles, summed cold counts, median peak', () => {
  const base = fakeLiveResult(['p'], ['hello'], { warmMs: [1], coldMs: 10 }).runs[0]!;
  const run = (latencies: number[], cold: number, peak: number): RuntimeResult => ({
    ...base,
    latency: { ...base.latency, all: { ...base.latency.all, count: latencies.length, hdr: hist(latencies) } },
    requests: { ...base.requests, completed: 100, cold, errors: {} },
    timeseries: [{ second: 0, sent: 1, completed: 1, errors: 0, cold: 0, p50Ms: 1, p99Ms: 1, liveInstances: peak }],
  });
  const f = comparedFigures([run(Array(50).fill(1), 2, 3), run(Array(50).fill(3), 4, 9), run([], 6, 4)], MIB, 10 * MIB);
  assert.ok(Math.abs(f.p50Ms - 1) < 0.01 && Math.abs(f.p99Ms - 3) < 0.01, JSON.stringify(f));
  assert.equal(f.coldStartRatePct, 4, '12 cold of 300');
  // Peaks 3, 9, 4: the median run's, not the largest.
  assert.equal(f.peakMemoryBytes, 4 * MIB + 10 * MIB);
});

test('the latest validation is this machine\'s own; without any, the committed baseline record, marked as such', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-validation-'));
  try {
    const record = (at: string, outOfSample: boolean): ValidationRecord => ({
      validationVersion: VALIDATION_VERSION, scenario: 'validate-sim-shifted', at, errors: {}, goals: { ...OUT_OF_SAMPLE_GOALS }, met: {},
      ...(outOfSample ? { outOfSample: { calibratedFrom: { scenario: 'validate-sim-steady', runId: 'r', path: '/p' } } } : {}),
      livePath: '/l', simulatedPath: '/s', calibrationPath: '/c', liveLoadAverage: { atStart: [], atEnd: [] }, replicaRepetitions: 10,
    });
    assert.equal(latestValidation(root, 'out-of-sample'), undefined);
    mkdirSync(baselineValidationRoot(root), { recursive: true });
    writeFileSync(join(baselineValidationRoot(root), 'out-of-sample.json'), JSON.stringify(record('2026-12-05T22:54:09.839Z', true)));
    writeFileSync(join(baselineValidationRoot(root), 'broken.json'), '{');
    const committed = latestValidation(root, 'out-of-sample');
    assert.equal(committed?.committedBaseline, true);
    assert.equal(committed?.at, '2026-12-05T22:54:09.839Z');
    assert.equal(latestValidation(root, 'in-sample'), undefined, 'an out-of-sample record is never quoted as in sample');
    // An older record of this machine's own still wins over a newer committed one.
    saveValidation(record('2026-01-01T00:00:00.000Z', true), root);
    const own = latestValidation(root, 'out-of-sample');
    assert.equal(own?.committedBaseline, undefined);
    assert.equal(own?.at, '2026-01-01T00:00:00.000Z');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
