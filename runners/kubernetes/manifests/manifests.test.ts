import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { SpinApp } from '../crd/model/core.spinkube.dev/v1alpha1/SpinApp.js';
import { DEFAULT_TENANT_LIMITS } from '../../../lab/scenario/types.js';
import { buildManifests, type ManifestsInput } from './build.js';
import { LABEL, labelValue, runTag, tenantObjectName } from './names.js';
import { deployment, spinApp } from './tenant.js';
import { ManifestError, fieldPath, manifestProblems } from './validate.js';
import { componentRef, containerImageRef, engineImageRef, parseRegistry, splitImageRef } from './refs.js';
import { clusterJob, shardFiles, tenantServiceUrls } from './cluster-job.js';

const SRC = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

function input(extra: Partial<ManifestsInput> = {}): ManifestsInput {
  const tenants = [
    { id: 't0001', workload: 'hello' },
    { id: 't0002', workload: 'hello-c' },
  ];
  const job = {
    popUrl: 'http://127.0.0.1:1',
    tenants,
    fixtures: { hello: [{ method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 }], 'hello-c': [{ method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 }] },
    atMs: Float64Array.from([0, 5, 10]),
    tenant: Uint32Array.from([0, 1, 0]),
    fixture: new Uint32Array(3),
    forceCold: new Uint8Array(3),
    warmup: new Uint8Array(3),
    spanMs: 1000,
    warmupMs: 0,
    timeoutMs: 1000,
    lateThresholdMs: 5,
    maxInFlight: 10,
  };
  return {
    run: { runId: 'smoke-2026-01-01T00-00-00-000Z-abcd', scenario: 'smoke' },
    namespace: 'edge-pop-lab',
    limits: DEFAULT_TENANT_LIMITS,
    sides: ['wasm', 'container'],
    tenants,
    images: {
      wasm: { hello: componentRef('127.0.0.1:5000', 'hello', 'wasm-component', SRC), 'hello-c': componentRef('127.0.0.1:5000', 'hello-c', 'wasm-component', SRC) },
      container: { hello: containerImageRef('127.0.0.1:5000', 'hello', 'oci-image-scratch', SRC), 'hello-c': containerImageRef('127.0.0.1:5000', 'hello-c', 'oci-image-scratch', SRC) },
    },
    replicas: 1,
    load: {
      engineImage: engineImageRef('127.0.0.1:5000', SRC),
      shards: { wasm: shardFiles(clusterJob(job, tenantServiceUrls('r', 'edge-pop-lab', 'wasm', tenants)), 2), container: shardFiles(clusterJob(job, tenantServiceUrls('r', 'edge-pop-lab', 'container', tenants)), 2) },
      spanMs: 1000,
      slackSeconds: 60,
    },
    ...extra,
  };
}

test('the manifests of a slice: every object valid against the pinned schemas, tied to its run (and tenant) by labels', () => {
  const files = buildManifests(input());
  const objects = files.flatMap((f) => f.objects);
  assert.deepEqual(manifestProblems(objects), []);
  const kinds = objects.map((o) => o.object.kind).sort();
  assert.deepEqual(kinds, ['ClusterRole', 'ConfigMap', 'ConfigMap', 'ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'Job', 'Job', 'Namespace', 'Role', 'Service', 'Service', 'SpinApp', 'SpinApp']);
  const tag = runTag('smoke-2026-01-01T00-00-00-000Z-abcd');
  for (const { tenant, object } of objects) {
    if (['Namespace', 'Role', 'ClusterRole'].includes(object.kind!)) continue;
    assert.equal(object.metadata?.labels?.[LABEL.runTag], tag, `${object.kind} ${object.metadata?.name}`);
    assert.equal(object.metadata?.labels?.[LABEL.run], 'smoke-2026-01-01T00-00-00-000Z-abcd');
    if (tenant) assert.equal(object.metadata?.labels?.[LABEL.tenant], tenant);
  }
  // The container side carries the local runner's hardening and the limits; the SpinApp the limits and the executor.
  const d = objects.find((o) => o.object.kind === 'Deployment')!.object.toJSON() as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown>; resources: unknown }[] } } } };
  const pod = d.spec.template.spec;
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
  assert.equal(pod.containers[0]!.securityContext.readOnlyRootFilesystem, true);
  assert.equal(pod.containers[0]!.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(pod.containers[0]!.securityContext.capabilities, { drop: ['ALL'] });
  assert.deepEqual(pod.containers[0]!.resources, { limits: { memory: '256Mi', cpu: '1000m' }, requests: { memory: '256Mi', cpu: '1000m' } });
  const s = objects.find((o) => o.object.kind === 'SpinApp')!.object.toJSON() as { spec: { executor: string; resources: unknown; podLabels: Record<string, string> } };
  assert.equal(s.spec.executor, 'containerd-shim-spin');
  assert.deepEqual(s.spec.resources, { limits: { memory: '256Mi', cpu: '1000m' }, requests: { memory: '256Mi', cpu: '1000m' } });
  assert.equal(s.spec.podLabels[LABEL.tenant], 't0001');
  // The Indexed Job: one pod per shard, each its own shard file, the engine in-cluster.
  const job = objects.find((o) => o.object.kind === 'Job')!.object.toJSON() as { spec: { completions: number; completionMode: string; template: { spec: { containers: { args: string[] }[] } } } };
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 2);
  assert.deepEqual(job.spec.template.spec.containers[0]!.args, ['/job/shard-$(JOB_COMPLETION_INDEX).bin', '--in-cluster']);
});

test('an invalid object is an error naming the tenant, the object and the field path', () => {
  assert.throws(
    () => buildManifests(input({ replicas: 1.5 })),
    (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      const text = e.message;
      assert.match(text, /tenant t0001: SpinApp lab-[0-9a-f]{8}-t0001-spin: spec\.replicas: must be integer/);
      assert.match(text, /tenant t0002: Deployment lab-[0-9a-f]{8}-t0002-ctr: spec\.replicas: must be integer/);
      return true;
    },
  );
  // A field deep inside the pod template, located as a path.
  const ctx = { run: { runId: 'r', scenario: 's' }, namespace: 'ns', limits: DEFAULT_TENANT_LIMITS, replicas: 1 };
  const d = deployment(ctx, { id: 't0003', workload: 'hello', image: 'x' });
  (d.spec!.template.spec!.containers[0]!.securityContext as { runAsUser: unknown }).runAsUser = 'nobody';
  const p = manifestProblems([{ tenant: 't0003', object: d }]);
  assert.deepEqual(p.map((x) => `${x.tenant} ${x.field}`), ['t0003 spec.template.spec.containers[0].securityContext.runAsUser']);
  // A SpinApp without its executor breaks the pinned CRD schema's required fields.
  const s = spinApp(ctx, { id: 't0004', workload: 'hello', image: 'x' });
  delete (s.spec as { executor?: string }).executor;
  assert.match(manifestProblems([{ tenant: 't0004', object: s }])[0]!.message, /required property.*executor/);
  // Names and labels the schemas do not check: a tenant id no label value can hold.
  const bad = deployment(ctx, { id: 'T 5!', workload: 'hello', image: 'x' });
  assert.deepEqual(manifestProblems([{ tenant: 'T 5!', object: bad }]).map((x) => x.field), ['metadata.labels.edge-pop-lab/tenant']);
});

test('models round-trip: what a manifest file says is what the schema accepts', () => {
  const files = buildManifests(input());
  for (const f of files) {
    for (const { object } of f.objects) {
      const json = JSON.parse(JSON.stringify(object.toJSON())) as { kind: string };
      if (json.kind === 'Deployment') new Deployment(json as never).validate();
      if (json.kind === 'SpinApp') new SpinApp(json as never).validate();
    }
  }
});

test('names, labels and references', () => {
  assert.equal(fieldPath('/spec/template/spec/containers/0/ports/1/name'), 'spec.template.spec.containers[0].ports[1].name');
  assert.equal(fieldPath('/metadata/labels/edge-pop-lab~1tenant'), 'metadata.labels.edge-pop-lab/tenant');
  assert.equal(labelValue('a'.repeat(80)).length, 63);
  assert.notEqual(labelValue(`${'a'.repeat(80)}1`), labelValue(`${'a'.repeat(80)}2`));
  const long = tenantObjectName('0123abcd', 'T'.repeat(100), 'container');
  assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
  assert.equal(parseRegistry('registry.example.com:5000/team', '--registry'), 'registry.example.com:5000/team');
  assert.throws(() => parseRegistry('http://x:5000', '--registry'), /without a scheme/);
  assert.throws(() => parseRegistry('x:99999', '--registry'), /not host/);
  assert.deepEqual(splitImageRef(containerImageRef('r.io:5000/team', 'hello', 'oci-image-scratch', SRC)), { host: 'r.io:5000', repository: 'team/edge-pop-lab/hello', tag: 'oci-image-scratch-0123456789ab' });
});
