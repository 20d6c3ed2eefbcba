/**
 * The kubernetes runner without a cluster (`npm test`): its options, its conformance declaration
 * (each declared behaviour fails, and for the reason declared), and the pure parts of its
 * measurements. The control path against a real API server is the opt-in cluster.kubetest.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { EnvironmentError } from '../../lab/errors.js';
import { BEHAVIOURS, suiteContext } from '../conformance/behaviours.js';
import { getRunner } from '../registry.js';
import { optionProblems, resolveOptions } from '../kit/options.js';
import { conditionPhases } from './cold-start.js';
import { parseEngineLog } from './collect.js';
import { quantityBytes } from './memory.js';
import { kubernetesRunner } from './runner.js';

test('options: side and registry are required, every problem named', () => {
  assert.deepEqual(optionProblems(kubernetesRunner, {}), [
    'options.side: which side this runtime measures: wasm (SpinApp) or container (Deployment + Service)',
    'options.registry: the registry `lab publish --registry` pushed to, as the cluster reaches it (host:port)',
  ]);
  const p = optionProblems(kubernetesRunner, { side: 'vm', registry: 'http://x', namespace: 'Bad_NS', generators: 0, colds: 1 });
  assert.equal(p.length, 5, p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('options.colds: unknown option')));
  assert.ok(p.some((x) => x.startsWith('options.generators: must be an integer >= 1')));
  const o = resolveOptions(kubernetesRunner, { side: 'wasm', registry: 'registry.example.com:5000/team' });
  assert.deepEqual({ ...o }, { side: 'wasm', registry: 'registry.example.com:5000/team', namespace: 'edge-pop-lab', generators: 2, coldStarts: 3, readyTimeoutSeconds: 300, firstResponseTimeoutSeconds: 30, checkRegistry: true, insecureRegistry: false });
});

test('conformance: every behaviour declared impossible fails here, and for the declared reason (no cluster)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-k8s-noconfig-'));
  const saved = process.env.KUBECONFIG;
  // A kubeconfig that is not there, whatever the machine running the test has in ~/.kube.
  process.env.KUBECONFIG = join(dir, 'absent');
  try {
    const runner = getRunner('kubernetes');
    const cannot = runner.conformance.cannot ?? {};
    const expected: Record<string, RegExp> = {
      identity: /kubernetes runner: invalid options:\n {2}options\.side/,
      'crash-answered': /declares no misbehaving tenant/,
      'hang-answered': /declares no misbehaving tenant/,
      'escape-probes': /declares no probe matrix/,
    };
    for (const id of Object.keys(cannot)) {
      await assert.rejects(BEHAVIOURS[id as keyof typeof BEHAVIOURS](suiteContext(runner)), (e: unknown) => {
        const re = expected[id] ?? new RegExp(`cannot read the kubeconfig ${join(dir, 'absent').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
        assert.match((e as Error).message, re, `${id} failed, but not for the declared reason`);
        if (!expected[id]) assert.ok(e instanceof EnvironmentError, `${id}: ${String(e)}`);
        return true;
      });
    }
    assert.equal(Object.keys(cannot).length, 11);
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memory quantities in bytes', () => {
  assert.equal(quantityBytes('123456Ki'), 123456 * 1024);
  assert.equal(quantityBytes('64Mi'), 64 * 1024 * 1024);
  assert.equal(quantityBytes('1.5G'), 1.5e9);
  assert.equal(quantityBytes('1000'), 1000);
  assert.throws(() => quantityBytes('12Qi'), /not a memory quantity/);
});

test('cold-start phases from a pod\'s condition timestamps (second resolution), in order, absent ones skipped', () => {
  const pod = {
    metadata: { name: 'p', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: new Date('2026-01-01T00:00:04Z') },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: new Date('2026-01-01T00:00:01Z') },
        { type: 'Initialized', status: 'True', lastTransitionTime: new Date('2026-01-01T00:00:01Z') },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: new Date('2026-01-01T00:00:04Z') },
      ],
    },
  } as unknown as V1Pod;
  assert.deepEqual(conditionPhases(pod), [
    { name: 'scheduled', ms: 1000 },
    { name: 'initialized', ms: 0 },
    { name: 'containersReady', ms: 3000 },
    { name: 'ready', ms: 0 },
  ]);
  const pending = { metadata: { name: 'p', creationTimestamp: new Date('2026-01-01T00:00:00Z') }, status: { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: new Date('2026-01-01T00:00:02Z') }, { type: 'Ready', status: 'False' }] } } as unknown as V1Pod;
  assert.deepEqual(conditionPhases(pending), [{ name: 'scheduled', ms: 2000 }]);
});

test("a generator pod's log: its last progress line and its report; a failure named", () => {
  const log = ['{"type":"progress","elapsedMs":1000,"spanMs":5000,"sent":10,"completed":9,"errors":0,"cold":0}', 'some other line', '{"type":"progress","elapsedMs":2000,"spanMs":5000,"sent":20,"completed":19,"errors":1,"cold":0}', '{"type":"report","startEpochMs":1}'].join('\n');
  const p = parseEngineLog(log);
  assert.equal(p.progress?.sent, 20);
  assert.equal((p.report as { startEpochMs: number } | undefined)?.startEpochMs, 1);
  assert.equal(parseEngineLog('{"type":"failed","message":"cannot resolve lab-x-t0001-ctr.ns.svc.cluster.local"}').failed, 'cannot resolve lab-x-t0001-ctr.ns.svc.cluster.local');
});
