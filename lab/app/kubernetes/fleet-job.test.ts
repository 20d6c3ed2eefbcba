import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../../errors.js';
import { loadFleet } from '../../fleet/load.js';
import { fleetOutcome } from '../../fleet/merge.js';
import { distDir, projectRoot, resultsDir } from '../../paths.js';
import { loadFleetResult } from '../../results/store.js';
import { fakeScenarioContext } from '../../scenario/fake-context.js';
import { simulateFleet } from '../fleet/run.js';
import { COMPLETION_INDEX_ENV, FLEET_JOB_LABELS, FLEET_JOB_PATHS, fleetJob, fleetJobFromFiles, LAB_IMAGE_COMMAND } from './fleet-job.js';

const fleetFile = join(projectRoot, 'lab', 'fleet', 'testdata', 'tiny-fleet.yaml');
const calibrationPath = join(resultsDir, 'baselines', 'calibration.json');
const calibrationText = readFileSync(calibrationPath, 'utf8');
const build = (over: Partial<Parameters<typeof fleetJob>[0]> = {}) =>
  fleetJob({ fleet: loadFleet(fleetFile, fakeScenarioContext()), calibrationText, shards: 3, image: 'registry.example:5000/edge-pop-lab:test', runId: 'tiny-2026-01-01', namespace: 'lab', ...over });

test('the Indexed Job: K completions, the shard command from JOB_COMPLETION_INDEX, inputs from a ConfigMap, results on a volume, hardened like the lab containers, validated', () => {
  const { job, configMap, shardDir } = build();
  job.validate();
  configMap.validate();
  const spec = job.spec!;
  assert.equal(job.apiVersion, 'batch/v1');
  assert.deepEqual([spec.completionMode, spec.completions, spec.parallelism, spec.backoffLimitPerIndex], ['Indexed', 3, 3, 2]);
  const pod = spec.template.spec!;
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
  const c = pod.containers[0]!;
  assert.equal(c.image, 'registry.example:5000/edge-pop-lab:test');
  assert.deepEqual(c.command, [...LAB_IMAGE_COMMAND]);
  assert.deepEqual(c.args, ['simulate', '--fleet', FLEET_JOB_PATHS.fleet, '--base', FLEET_JOB_PATHS.base, '--calibration', FLEET_JOB_PATHS.calibration, '--shard', `$(${COMPLETION_INDEX_ENV})/3`, '--out', shardDir]);
  assert.deepEqual(c.env![0], { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
  assert.deepEqual(c.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(c.resources, { requests: { cpu: '1', memory: '1024Mi' }, limits: { cpu: '1', memory: '1024Mi' } });
  assert.deepEqual(c.volumeMounts!.map((m) => [m.mountPath, m.readOnly ?? false]), [[FLEET_JOB_PATHS.config, true], [FLEET_JOB_PATHS.results, false], [FLEET_JOB_PATHS.tmp, false]]);
  assert.equal(pod.volumes![0]!.configMap!.name, configMap.metadata!.name);
  assert.ok(pod.volumes![1]!.persistentVolumeClaim!.claimName);
  assert.ok(shardDir.startsWith(`${FLEET_JOB_PATHS.results}/`));
  for (const o of [job.metadata!, spec.template.metadata!, configMap.metadata!]) {
    assert.equal(o.labels![FLEET_JOB_LABELS.run], 'tiny-2026-01-01');
    assert.equal(o.labels![FLEET_JOB_LABELS.fleet], 'tiny-fleet');
  }
  assert.equal(job.metadata!.namespace, 'lab');
  assert.deepEqual(Object.keys(configMap.data!), ['fleet.yaml', 'base.yaml', 'calibration.json']);
  assert.equal(configMap.data!['fleet.yaml'], readFileSync(fleetFile, 'utf8'));
  assert.equal(configMap.data!['calibration.json'], calibrationText);
});

test('an invalid Job is refused before it is written, naming the object and field', () => {
  assert.throws(() => build({ backoffLimitPerIndex: 1.5 }), (e: Error) => e instanceof LabError && /the Job lab-fleet-tiny-fleet-tiny-2026-01-01 is invalid: .*backoffLimitPerIndex must be integer/.test(e.message));
  assert.throws(() => build({ shards: 7 }), (e: Error) => e instanceof LabError && /7 shards for 6 PoPs/.test(e.message));
  assert.throws(() => build({ resources: { cpu: 1, memoryMiB: 64 } }), LabError);
  assert.throws(() => build({ calibrationText: 'x'.repeat(1024 * 1024) }), (e: Error) => e instanceof LabError && /more than a ConfigMap holds/.test(e.message));
});

test("the Job's own pod command, run here for every index from its ConfigMap's files, merges to what the local worker threads give", async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-fleet-job-'));
  try {
    const local = await simulateFleet({ fleetFile, calibration: calibrationPath, outDir: join(root, 'local'), workers: 2, shards: 2, progress: false });
    const { job, configMap, mergeArgs } = build();
    // The pod's filesystem: the ConfigMap at its mount, the results volume, the lab image's /lab.
    const mounts: [string, string][] = [[FLEET_JOB_PATHS.config, join(root, 'etc-lab-fleet')], [FLEET_JOB_PATHS.results, join(root, 'results')], ['/lab/', `${projectRoot}/`]];
    mkdirSync(mounts[0]![1], { recursive: true });
    for (const [k, v] of Object.entries(configMap.data!)) writeFileSync(join(mounts[0]![1], k), v);
    const here = (s: string): string => mounts.reduce((x, [from, to]) => (x.startsWith(from) ? to + x.slice(from.length) : x), s);
    const c = job.spec!.template.spec!.containers[0]!;
    const env = Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    for (let i = 0; i < job.spec!.completions!; i++) {
      const argv = [...c.command!.slice(1), ...c.args!].map((a) => here(a.replace(`$(${COMPLETION_INDEX_ENV})`, String(i))));
      const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, ...env, [COMPLETION_INDEX_ENV]: String(i) } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`shard ${i} of 3: 2 PoPs`));
    }
    const m = spawnSync(process.execPath, [join(distDir, 'lab/app/cli.js'), ...mergeArgs.map(here)], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    assert.equal(m.status, 0, m.stderr);
    const merged = loadFleetResult(join(here(mergeArgs[3]!), 'fleet.json'));
    assert.deepEqual(merged.execution.perShard.map((s) => s.ranIn), ['process', 'process', 'process']);
    assert.deepEqual(local.result.execution.perShard.map((s) => s.ranIn), ['worker', 'worker']);
    // Read from other paths (the mount), the same outcome: every PoP, total, class and histogram.
    const a = fleetOutcome(merged);
    const b = fleetOutcome(local.result);
    assert.equal(JSON.stringify([a.pops, a.totals, a.byClass, a.latency]), JSON.stringify([b.pops, b.totals, b.byClass, b.latency]));
    assert.equal(a.fleet.hash, b.fleet.hash);
    assert.equal(a.calibration.digest, b.calibration.digest);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('fleetJobFromFiles: the fleet loaded and its calibration resolved as lab simulate --fleet does (here the committed baseline)', () => {
  const work = mkdtempSync(join(tmpdir(), 'lab-fleet-job-files-'));
  try {
    const o = fleetJobFromFiles({ fleetFile, workDir: work, shards: 2, image: 'lab:test', runId: 'r1' });
    assert.equal(o.calibrationPath, calibrationPath);
    assert.equal(o.configMap.data!['calibration.json'], calibrationText);
    assert.equal(o.job.spec!.completions, 2);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
