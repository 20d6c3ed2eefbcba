import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate, CalibrationMismatchError, checkCovers, missingFromCalibration } from './calibrate.js';
import { fakeLiveResult, hist, MIB, repeatActivation, tinyScenario } from './test-support.js';

test('calibration fits per label and workload: warm service quantiles, activations minus their queue wait, memory, source', () => {
  const live = fakeLiveResult(['process', 'wasm'], ['hello', 'telemetry'], { warmMs: [2, 2, 2, 4], coldMs: 50 });
  const c = calibrate(live, '/r/result.json');
  assert.deepEqual(Object.keys(c.runtimes).sort(), ['process', 'wasm']);
  assert.equal(c.source.runId, 'fake-run');
  assert.equal(c.source.path, '/r/result.json');
  assert.equal(c.liveCores, 2);
  const w = c.runtimes.process!.workloads.hello!;
  assert.equal(w.warmServiceMs.samples, 4);
  assert.equal(w.warmServiceMs.quantilesMs[0], 2);
  assert.ok(Math.abs(w.warmServiceMs.quantilesMs.at(-1)! - 4) < 0.01);
  // The 5 ms queue phase is the pool's wait, which the simulator models itself.
  assert.deepEqual(w.activations.map((a) => a.wallMs), [50]);
  // No runner-measured CPU time: the simulator will charge the whole wall time.
  assert.deepEqual(w.activations.map((a) => a.cpuMs), [null]);
  assert.equal(w.warmServiceSource, 'warm-latency');
  assert.deepEqual(w.activations[0]!.phases.map((p) => p.name), ['init']);
  assert.equal(w.memoryPerInstanceBytes, 8 * MIB);
  assert.equal(c.runtimes.process!.fixedOverheadBytes, 20 * MIB);
});

test('activation CPU time comes from the phases; first responses bound the warm service time from above', () => {
  // Warm latencies up to 40 ms (tenant-queue waits), first responses of fresh instances all 3 ms.
  const live = fakeLiveResult(['process'], ['hello'], { warmMs: [2, 2, 2, 40], coldMs: 50 });
  const run = live.runs[0]!;
  repeatActivation(run, 5, { totalMs: 60, phases: [{ name: 'queue', ms: 7 }, { name: 'init', ms: 50, cpuMs: 30 }, { name: 'firstResponse', ms: 3 }] });
  const w = calibrate(live, '/r/result.json').runtimes.process!.workloads.hello!;
  assert.deepEqual(w.activations.map((a) => [a.wallMs, a.cpuMs]), Array(5).fill([53, 30]));
  assert.equal(w.warmServiceSource, 'mixed');
  assert.equal(w.warmCpuShare, 30 / 53);
  assert.equal(w.warmServiceMs.quantilesMs[0], 2);
  assert.equal(w.warmServiceMs.quantilesMs.at(-1), 3);
  // Too few first responses to trust: the warm latency alone.
  run.coldStart.activations = run.coldStart.activations.slice(0, 4);
  const thin = calibrate(live, '/r/result.json').runtimes.process!.workloads.hello!;
  assert.equal(thin.warmServiceSource, 'warm-latency');
  assert.ok(Math.abs(thin.warmServiceMs.quantilesMs.at(-1)! - 40) < 0.1);
});

test('measured tenant-queue waits and client latencies replace the bounds: warm service, activation wall at the client', () => {
  // Warm latencies up to 40 ms, of which the load generator measured up to 38 ms as tenant-queue waits.
  const live = fakeLiveResult(['process'], ['hello'], { warmMs: [2, 2, 2, 40], coldMs: 50 });
  const run = live.runs[0]!;
  const byW = run.latency.byWorkload.hello!;
  byW.warmService = { ...byW.warm, hdr: hist([2, 2, 2, 2]) };
  repeatActivation(run, 5, { totalMs: 60, clientMs: 64, phases: [{ name: 'queue', ms: 7 }, { name: 'init', ms: 50 }, { name: 'firstResponse', ms: 3 }] });
  const w = calibrate(live, '/r/result.json').runtimes.process!.workloads.hello!;
  assert.equal(w.warmServiceSource, 'warm-service');
  assert.ok(Math.abs(w.warmServiceMs.quantilesMs.at(-1)! - 2) < 0.01, 'the queue waits are gone from the tail');
  // 64 ms at the client less the 7 ms tenant-queue wait.
  assert.deepEqual(w.activations.map((a) => a.wallMs), Array(5).fill(57));
});

test('a calibration lacking a runtime or a workload of the scenario is rejected, naming each', () => {
  const c = calibrate(fakeLiveResult(['process'], ['hello'], { warmMs: [1], coldMs: 10 }), '/r/result.json');
  const s = tinyScenario({ gapMs: 10, spanMs: 100 });
  s.tenants.mix = [
    { workload: 'hello', weight: 0.5 },
    { workload: 'telemetry', weight: 0.5 },
  ];
  s.runtimes = [
    { runtime: 'process', label: 'process', options: {} },
    { runtime: 'wasm', label: 'wasm', options: {} },
  ];
  const missing = missingFromCalibration(c, s);
  assert.equal(missing.length, 2);
  assert.match(missing[0]!, /runtime 'process': workload 'telemetry'/);
  assert.match(missing[1]!, /runtime 'wasm'.*the result has 'process'/);
  assert.throws(
    () => checkCovers(c, s),
    (e: unknown) => e instanceof CalibrationMismatchError && /telemetry/.test(e.message) && /'wasm'/.test(e.message) && /\/r\/result\.json/.test(e.message),
  );
  s.tenants.mix = [{ workload: 'hello', weight: 1 }];
  s.runtimes = [{ runtime: 'process', label: 'process', options: {} }];
  assert.doesNotThrow(() => checkCovers(c, s));
});

test('a workload that ran warm but never cold is named as lacking activation times', () => {
  const live = fakeLiveResult(['process'], ['hello'], { warmMs: [1], coldMs: 10 });
  live.runs[0]!.coldStart.activations = [];
  const missing = missingFromCalibration(calibrate(live, '/r/result.json'), tinyScenario({ gapMs: 10, spanMs: 100 }));
  assert.deepEqual(missing, ["runtime 'process': workload 'hello' has no successful request-path cold starts (activation time unknown)"]);
});

test('a simulated result is not a calibration source', () => {
  const sim = { ...fakeLiveResult(['process'], ['hello'], { warmMs: [1], coldMs: 10 }), kind: 'simulated' as const };
  assert.throws(() => calibrate(sim, '/r/simulated.json'), /simulated/);
});
