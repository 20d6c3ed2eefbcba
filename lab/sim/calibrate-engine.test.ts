import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate } from './calibrate.js';
import { activationEngineCpuMs, fitEngine } from './calibrate-engine.js';
import { hostModel } from './host-model.js';
import { fakeLiveResult, repeatActivation, tinyScenario } from './test-support.js';

/** A container-like live result: two cold starts with create and start phases, and the engine's report. */
function containerResult(engine: { cpuMs: number | null; operations: Record<string, { count: number; alone: number; aloneCpuMs: number }> } | undefined) {
  const live = fakeLiveResult(['container'], ['hello'], { warmMs: [2, 2, 2, 4], coldMs: 300 });
  const run = live.runs[0]!;
  repeatActivation(run, 2, { totalMs: 300, phases: [{ name: 'create', ms: 20 }, { name: 'start', ms: 150 }, { name: 'readiness', ms: 130, cpuMs: 100 }] });
  if (engine) run.engine = { method: 'test cgroup', ...engine };
  return live;
}

test('engine CPU per call: the mean of lone calls, scaled so the calls add up to the measured total', () => {
  const live = containerResult({
    cpuMs: 880,
    operations: {
      'request/create': { count: 2, alone: 1, aloneCpuMs: 10 },
      'request/start': { count: 2, alone: 2, aloneCpuMs: 200 },
      // Never alone: borrows the request path's create (a create costs the engine the same on any path).
      'fill/create': { count: 2, alone: 0, aloneCpuMs: 0 },
      'disposal/remove': { count: 2, alone: 1, aloneCpuMs: 80 },
    },
  });
  const e = fitEngine(live.runs)!;
  // Explained: 2x10 + 2x100 + 2x10 + 2x80 = 400 ms of the 880 measured: scale 2.2.
  assert.equal(e.scale, 2.2);
  assert.deepEqual(e.callCpuMs, { 'disposal/remove': 176, 'fill/create': 22, 'request/create': 22, 'request/start': 220 });
  assert.equal(e.disposalCpuMs, 176);
  assert.equal(e.fillCpuMsPerActivation, 22, 'two fill creates over two activations');
  // Each activation carries its path's calls: create + start, not the readiness wait.
  const c = calibrate(live, '/r/result.json').runtimes.container!;
  assert.deepEqual(c.workloads.hello!.activations.map((a) => a.engineCpuMs), [242, 242]);
  assert.equal(c.engine?.method, 'test cgroup');
  // The simulator serves the instance's 100 ms and the engine's 242 ms on its cores; 300 ms wall caps it.
  const m = hostModel(c, { cores: 1, keepAlive: tinyScenario({ gapMs: 10, spanMs: 10 }).keepAlive, timeoutMs: 5000, artifactMissRate: 0, workloads: ['hello'] });
  assert.deepEqual([...m.workloads[0]!.activationCpuMs], [300, 300]);
  assert.deepEqual([...m.workloads[0]!.activationOffMs], [0, 0]);
  assert.equal(m.engineDisposalCpuMs, 176);
  assert.equal(m.engineFillCpuMs, 22);
  // Artifact phases and the miss experiment's set-up are not the cold start's engine work.
  assert.equal(activationEngineCpuMs([{ name: 'missSetup', ms: 5 }, { name: 'pull', ms: 90 }, { name: 'create', ms: 20 }], e), 22);
});

test('no engine, or an engine whose CPU could not be measured: nothing is charged, and the calibration says so', () => {
  assert.equal(fitEngine(containerResult(undefined).runs), null);
  const blind = containerResult({ cpuMs: null, operations: { 'request/create': { count: 2, alone: 0, aloneCpuMs: 0 } } });
  assert.equal(fitEngine(blind.runs), null);
  const c = calibrate(blind, '/r/result.json').runtimes.container!;
  assert.equal(c.engine, null);
  assert.deepEqual(c.workloads.hello!.activations.map((a) => a.engineCpuMs), [0, 0]);
  // No call ran alone: the measured CPU is shared equally by every call.
  const none = fitEngine(containerResult({ cpuMs: 90, operations: { 'request/create': { count: 2, alone: 0, aloneCpuMs: 0 }, 'disposal/remove': { count: 1, alone: 0, aloneCpuMs: 0 } } }).runs)!;
  assert.deepEqual(none.callCpuMs, { 'disposal/remove': 30, 'request/create': 30 });
});
