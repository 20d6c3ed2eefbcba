import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TENANT_LIMITS } from '../scenario/types.js';
import { classifyContainment, describeNeighbour, neighbourRequest, neighbourSchedule } from './containment.js';

test('the neighbour misbehaves fromSeconds into the measured window, every everySeconds while it lasts', () => {
  assert.deepEqual(neighbourSchedule({ workload: 'hostile', behaviour: 'spin', fromSeconds: 0, everySeconds: 2 }, 3, 7), [3000, 5000, 7000, 9000]);
  assert.deepEqual(neighbourSchedule({ workload: 'hostile', behaviour: 'spin', fromSeconds: 0, everySeconds: 0.5 }, 0, 1), [0, 500]);
  assert.deepEqual(neighbourSchedule({ workload: 'hostile', behaviour: 'bomb', fromSeconds: 4, everySeconds: 2 }, 1, 7), [5000, 7000]);
  assert.equal(describeNeighbour({ workload: 'hostile-c', behaviour: 'bomb', fromSeconds: 4, everySeconds: 2 }), 'hostile-c bomb from 4 s every 2 s');
  assert.equal(describeNeighbour({ workload: 'hostile', behaviour: 'spin', fromSeconds: 0, everySeconds: 1 }), 'hostile spin every 1 s');
});

test('bombs and fork loops are bounded at four times the limit; the others take no bound', () => {
  const l = { ...DEFAULT_TENANT_LIMITS, memoryMiB: 64, pids: 32 };
  assert.deepEqual(neighbourRequest({ workload: 'hostile', behaviour: 'bomb', fromSeconds: 0, everySeconds: 1 }, l), { path: '/?max=256', headers: { 'x-lab-hostile': 'bomb' } });
  assert.equal(neighbourRequest({ workload: 'hostile-c', behaviour: 'fork', fromSeconds: 0, everySeconds: 1 }, l).path, '/?max=128');
  assert.equal(neighbourRequest({ workload: 'hostile', behaviour: 'spin', fromSeconds: 0, everySeconds: 1 }, l).path, '/');
});

test('what stopped an attempt is read from the answer', () => {
  assert.deepEqual(classifyContainment(504, 'timeout', 'tenant h: instance did not answer within the request timeout'), { outcome: 'contained', by: 'deadline' });
  assert.deepEqual(classifyContainment(502, 'crash', 'tenant h: instance killed by its cgroup memory limit (out of memory, signal SIGKILL)'), { outcome: 'contained', by: 'memory limit' });
  assert.deepEqual(classifyContainment(502, 'crash', 'tenant h: instance crashed (exit code 70)'), { outcome: 'contained', by: 'instance ended' });
  assert.deepEqual(classifyContainment(200, null, 'fork refused-after 27 EAGAIN\n'), { outcome: 'contained', by: 'pids limit (refused after 27: EAGAIN)' });
  assert.deepEqual(classifyContainment(200, null, 'bomb refused-after 251 ENOMEM\n'), { outcome: 'contained', by: 'memory limit (refused after 251 MiB: ENOMEM)' });
  assert.deepEqual(classifyContainment(200, null, 'fork denied no-capability\n'), { outcome: 'contained', by: 'no capability' });
  assert.equal(classifyContainment(200, null, 'bomb reached-cap 1024\n').outcome, 'not-contained');
  assert.equal(classifyContainment(200, null, 'hostile: idle\n').outcome, 'unknown');
  assert.equal(classifyContainment(0, null, 'fetch failed').outcome, 'unknown');
  assert.deepEqual(classifyContainment(0, null, 'The operation was aborted due to timeout'), { outcome: 'not-contained', by: 'no answer: still running past the request timeout' });
});

test('a drip asks for its pacing (the hostile defaults unless the scenario names one) and is judged by which wall clock stopped it, or by its lines', () => {
  const drip = { workload: 'hostile', behaviour: 'drip', fromSeconds: 1, everySeconds: 2 } as const;
  assert.deepEqual(neighbourRequest(drip, DEFAULT_TENANT_LIMITS), { path: '/?chunks=50&ms=200', headers: { 'x-lab-hostile': 'drip' } });
  assert.equal(neighbourRequest({ ...drip, chunks: 4, pauseMs: 30 }, DEFAULT_TENANT_LIMITS).path, '/?chunks=4&ms=30');
  assert.equal(describeNeighbour({ ...drip, chunks: 4, pauseMs: 30 }), 'hostile drip (4 x 30 ms) from 1 s every 2 s');
  const f = { behaviour: 'drip' } as const;
  const stopped = (text: string): string => classifyContainment(504, 'timeout', `tenant t: ${text}`, f).by;
  assert.equal(stopped('instance ran past the per-request deadline of 100 ms (limits.cpuMsPerRequest; instance killed)'), 'wall-clock deadline (instance killed)');
  assert.equal(stopped('guest call past its budget of 100 ms (limits.cpuMsPerRequest); engine worker 1 terminated to stop instance t.3'), 'wall-clock deadline (engine worker terminated)');
  assert.equal(stopped('guest interrupted at its deadline of 100 ms (epoch interruption); instance discarded'), 'wall-clock deadline (checked at an epoch, once the guest woke)');
  assert.equal(stopped('guest call past its budget of 100 ms (limits.cpuMsPerRequest); instance discarded'), 'wall-clock deadline (guest terminated on its thread)');
  assert.equal(stopped('instance did not answer within the request timeout of 10000 ms (instance killed)'), 'request timeout (wall clock)');
  const whole = 'drip 1/3\ndrip 2/3\ndrip 3/3\n';
  assert.deepEqual(classifyContainment(200, null, whole, f), { outcome: 'not-contained', by: 'ran to its end (3 of 3 slices)' });
  assert.deepEqual(classifyContainment(200, null, 'drip 1/3\n', { ...f, cut: { reason: 'terminated', byLab: false } }), { outcome: 'contained', by: 'cut mid-body (1 of 3 slices)' });
  assert.deepEqual(classifyContainment(200, null, 'drip 1/3\ndrip 2/3\n', { ...f, cut: { reason: 'aborted', byLab: true } }), { outcome: 'not-contained', by: 'still dripping past the request timeout (2 of 3 slices)' });
  // No answer at all still reads as before; another behaviour is not judged by lines.
  assert.equal(classifyContainment(0, null, 'The operation was aborted due to timeout', f).outcome, 'not-contained');
  assert.equal(classifyContainment(200, null, whole).outcome, 'unknown');
  assert.deepEqual(classifyContainment(504, 'timeout', 'tenant t: guest interrupted at its deadline', { behaviour: 'spin' }), { outcome: 'contained', by: 'deadline' });
});
