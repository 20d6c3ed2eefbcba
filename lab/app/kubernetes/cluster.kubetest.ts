/**
 * The opt-in test (`npm run test:kubernetes`, not part of `npm test`): the kubernetes runner's
 * control path and the exported manifests against a REAL Kubernetes API server (v1.33.13, built
 * from the Go module proxy) with its controller manager and scheduler, and kwok as the kubelet of
 * one fake node (runners/kubernetes/testdata/control-plane.ts). It lives with the application
 * because it drives `lab export` and `lab run` too.
 *
 * What this proves: every exported object is accepted by a real 1.33 API server under strict
 * field validation (SpinApps by the pinned CRD installed there); the runner connects through a
 * kubeconfig with only the RBAC of rbac.yaml, refuses an unreadable kubeconfig, an unreachable
 * server, a missing CRD or executor with one error naming it and nothing applied; applies tenants,
 * waits for Ready, evicts, scales a probe from zero and reads its pod's condition timestamps,
 * creates the Indexed generator Job and follows it to completion, and deletes everything on stop,
 * on a failed launch, on Ctrl-C of `lab run` and after a lab killed outright.
 * What it does not: no container or Wasm component runs (kwok fakes pod status), so no request is
 * answered, no cold start has a first response, no generator writes a report and no memory is
 * measured; those are exercised by the unit tests (shards and merge with the real engine, the
 * collector's parsing) and, for real, only on a real cluster (docs/kubernetes.md).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../../paths.js';
import { EnvironmentError } from '../../errors.js';
import { loadLabScenario } from '../scenario-context.js';
import { exportKubernetes } from './export.js';
import { exportFleet } from './export-fleet.js';
import type { LaunchPlan } from '../../pop/contract.js';
import { resolveOptions } from '../../../runners/kit/options.js';
import { Cluster } from '../../../runners/kubernetes/cluster.js';
import { coldStartProbe } from '../../../runners/kubernetes/cold-start.js';
import { CRD_FILE } from '../../../runners/kubernetes/crd/generate.js';
import { labClusterRole, labRole, namespaceObject, tenantObjects } from '../../../runners/kubernetes/manifests/build.js';
import { LABEL, runSelector, runTag, tenantObjectName } from '../../../runners/kubernetes/manifests/names.js';
import { kubernetesRunner } from '../../../runners/kubernetes/runner.js';
import type { KubernetesOptions } from '../../../runners/kubernetes/options.js';
import { startTestCluster, type TestCluster } from '../../../runners/kubernetes/testdata/control-plane.js';
import { DEFAULT_TENANT_LIMITS } from '../../scenario/types.js';

const NS = 'edge-pop-lab';
let c: TestCluster;

/** Every object of the run selector (or of the lab at all) in the namespace, named. */
async function objectsOf(selector: string): Promise<string[]> {
  const out: string[] = [];
  for (const [base, plural] of [['/apis/apps/v1', 'deployments'], ['/api/v1', 'services'], ['/api/v1', 'configmaps'], ['/apis/batch/v1', 'jobs'], ['/api/v1', 'pods'], ['/apis/core.spinkube.dev/v1alpha1', 'spinapps']] as const) {
    const r = await c.admin('GET', `${base}/namespaces/${NS}/${plural}`, undefined, `?labelSelector=${encodeURIComponent(selector)}`);
    if (r.status === 404) continue;
    assert.equal(r.status, 200, `${plural}: ${JSON.stringify(r.json).slice(0, 200)}`);
    for (const i of r.json.items) out.push(`${plural}/${i.metadata.name}`);
  }
  return out;
}
const anyLab = `${LABEL.managedBy}=edge-pop-lab`;

function options(extra: Record<string, unknown> = {}): KubernetesOptions {
  return resolveOptions(kubernetesRunner, { side: 'container', registry: '127.0.0.1:5000', checkRegistry: false, kubeconfig: c.labKubeconfig, coldStarts: 0, readyTimeoutSeconds: 60, firstResponseTimeoutSeconds: 2, ...extra });
}

function plan(runId: string, o: KubernetesOptions): LaunchPlan<KubernetesOptions> {
  return { runId, tenants: [{ id: 't0001', workload: 'hello' }, { id: 't0002', workload: 'hello-c' }], keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 }, limits: DEFAULT_TENANT_LIMITS, options: o, requestTimeoutMs: 5000, workDir: c.dir };
}

before(async () => {
  c = await startTestCluster();
  process.stderr.write(`test control plane up in ${c.startSeconds.toFixed(1)} s at ${c.server}\n`);
  // What an administrator does once (docs/kubernetes.md): the namespace, the lab's roles, bound to the lab's user.
  for (const [path, obj] of [['/api/v1/namespaces', namespaceObject(NS)], [`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, labRole(NS)], ['/apis/rbac.authorization.k8s.io/v1/clusterroles', labClusterRole()]] as const) {
    const r = await c.admin('POST', path, obj.toJSON());
    assert.equal(r.status, 201, JSON.stringify(r.json).slice(0, 300));
  }
  const subjects = [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'lab' }];
  assert.equal((await c.admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'edge-pop-lab' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'edge-pop-lab' }, subjects })).status, 201);
  assert.equal((await c.admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'edge-pop-lab' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edge-pop-lab' }, subjects })).status, 201);
  // The namespace's default ServiceAccount (the controller manager makes it) is needed before any pod.
  for (let i = 0; (await c.admin('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status !== 200; i++) {
    assert.ok(i < 240, 'no default ServiceAccount after 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
});

after(async () => {
  await c?.stop();
});

test('a kubeconfig that cannot be read, or whose server cannot be reached: one error naming it, nothing applied', async () => {
  const missing = join(c.dir, 'no-such.kubeconfig');
  await assert.rejects(kubernetesRunner.launch(plan('bad-1', options({ kubeconfig: missing }))), (e: unknown) => e instanceof EnvironmentError && e.message.includes(`cannot read the kubeconfig ${missing}`));
  const dead = join(c.dir, 'dead.kubeconfig');
  writeFileSync(dead, readFileSync(c.labKubeconfig, 'utf8').replace(c.server, 'https://127.0.0.1:9'));
  await assert.rejects(kubernetesRunner.launch(plan('bad-2', options({ kubeconfig: dead }))), (e: unknown) => e instanceof EnvironmentError && /the API server https:\/\/127\.0\.0\.1:9 \(kubeconfig .*dead\.kubeconfig, context test\) cannot be reached/.test(e.message));
  const garbled = join(c.dir, 'garbled.kubeconfig');
  writeFileSync(garbled, 'clusters: [oops');
  await assert.rejects(kubernetesRunner.launch(plan('bad-3', options({ kubeconfig: garbled }))), /kubeconfig .*garbled\.kubeconfig is not valid/);
  assert.deepEqual(await objectsOf(anyLab), []);
});

test('the Wasm side without SpinKube: the missing CRD, then the missing executor, named; nothing applied', async () => {
  await assert.rejects(kubernetesRunner.launch(plan('spin-1', options({ side: 'wasm' }))), /the CRD spinapps\.core\.spinkube\.dev is not installed on https:\/\/127\.0\.0\.1:\d+; install SpinKube first/);
  // The pinned CRD, installed as the runbook installs it; the operator and its executor are not.
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8'))[0]!.toJSON();
  assert.equal((await c.admin('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
  for (let i = 0; ; i++) {
    const r = await c.admin('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/spinapps.core.spinkube.dev');
    if (r.json?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Established' && x.status === 'True')) break;
    assert.ok(i < 120, 'CRD not Established');
    await new Promise((r2) => setTimeout(r2, 250));
  }
  await assert.rejects(kubernetesRunner.launch(plan('spin-2', options({ side: 'wasm' }))), /no spinappexecutors\.core\.spinkube\.dev containerd-shim-spin in namespace edge-pop-lab/);
  assert.deepEqual(await objectsOf(anyLab), []);
});

test('every exported manifest is accepted by the real API server (dry run, strict field validation; SpinApps by the pinned CRD)', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-k8s-export-'));
  try {
    await exportKubernetes({ loaded: loadLabScenario(join(projectRoot, 'scenarios', 'pop-16gb.yaml')), out: join(out, 'm'), registry: '127.0.0.1:5000', namespace: NS, sides: ['wasm', 'container'], generators: 3 });
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d, { withFileTypes: true })) f.isDirectory() ? walk(join(d, f.name)) : f.name.endsWith('.yaml') && files.push(join(d, f.name));
    };
    walk(join(out, 'm'));
    let checked = 0;
    const paths: Record<string, string> = { Namespace: '/api/v1/namespaces', Role: `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles', SpinApp: `/apis/core.spinkube.dev/v1alpha1/namespaces/${NS}/spinapps`, Deployment: `/apis/apps/v1/namespaces/${NS}/deployments`, Service: `/api/v1/namespaces/${NS}/services`, ConfigMap: `/api/v1/namespaces/${NS}/configmaps`, Job: `/apis/batch/v1/namespaces/${NS}/jobs` };
    for (const f of files) {
      for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
        const obj = doc.toJSON() as { kind: string; metadata: { name: string } };
        const r = await c.admin('POST', paths[obj.kind]!, obj, '?dryRun=All&fieldValidation=Strict');
        // An object that already exists (the namespace, the roles made above) is still fully validated before that answer.
        assert.ok(r.status === 201 || (r.status === 409 && ['Namespace', 'Role', 'ClusterRole'].includes(obj.kind)), `${f}: ${obj.kind} ${obj.metadata.name}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 400)}`);
        checked++;
      }
    }
    assert.ok(checked >= 16 * 3 + 3, `${checked} objects checked`);
    // The fleet's Indexed Job too.
    {
      const f = exportFleet({ fleetFile: join(projectRoot, 'scenarios', 'fleet-4000.yaml'), calibrationFile: join(projectRoot, 'results', 'baselines', 'calibration.json'), shards: 8, image: '127.0.0.1:5000/edge-pop-lab/lab:1', namespace: NS, runId: 'fleet-dry-run', out: join(out, 'fleet') });
      for (const doc of parseAllDocuments(readFileSync(f.file, 'utf8'))) {
        const obj = doc.toJSON() as { kind: string; metadata: { name: string } };
        const r = await c.admin('POST', paths[obj.kind]!, obj, '?dryRun=All&fieldValidation=Strict');
        assert.equal(r.status, 201, `fleet ${obj.kind} ${obj.metadata.name}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 400)}`);
      }
    }
    // And a field no schema has is refused by the server, so the check above could fail.
    const bogus = tenantObjects({ run: { runId: 'x', scenario: 's' }, namespace: NS, limits: DEFAULT_TENANT_LIMITS, replicas: 1 }, { id: 't1', workload: 'hello', image: 'x' }, 'container')[0]!.object.toJSON() as { spec: Record<string, unknown> };
    bogus.spec.replicaz = 2;
    const r = await c.admin('POST', paths.Deployment!, bogus, '?dryRun=All&fieldValidation=Strict');
    assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
    assert.match(JSON.stringify(r.json), /unknown field \\"spec\.replicaz\\"/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the container side as the lab user: applied, Ready on the fake node, evicted, the generator Job followed; everything deleted on stop', { timeout: 300_000 }, async () => {
  const runId = `ctr-${process.pid}`;
  const h = await kubernetesRunner.launch(plan(runId, options({ generators: 2 })));
  try {
    const objects = await objectsOf(runSelector(runId));
    assert.ok(objects.includes(`deployments/${tenantObjectName(runTag(runId), 't0001', 'container')}`), objects.join(', '));
    assert.deepEqual(h.notMeasured?.map((n) => n.figure), ['memory', 'coldStart.rate'], 'no metrics API here: memory named as not measured');
    assert.ok(h.isolation?.some((i) => i.startsWith('Kubernetes v1.33.13')));
    const stats = (await (await fetch(`${h.url}/_lab/stats`)).json()) as { instances: Record<string, number> };
    assert.deepEqual(stats.instances, { t0001: 1, t0002: 1 });
    const routed = await fetch(`${h.url}/t/t0001/`);
    assert.equal(routed.status, 501, 'tenant traffic is not routed through the lab');
    assert.match(await routed.text(), /^tenant t0001: .*inside the cluster/);
    const before = (await c.admin('GET', `/api/v1/namespaces/${NS}/pods`, undefined, `?labelSelector=${encodeURIComponent(`${LABEL.tenant}=t0001,${LABEL.runTag}=${runTag(runId)}`)}`)).json.items.map((p: { metadata: { name: string } }) => p.metadata.name);
    assert.deepEqual(await (await fetch(`${h.url}/_lab/evict`, { method: 'POST', body: JSON.stringify({ tenant: 't0001' }) })).json(), { evicted: 1 });
    // The Deployment's controller makes a fresh pod.
    for (let i = 0; ; i++) {
      const now = (await c.admin('GET', `/api/v1/namespaces/${NS}/pods`, undefined, `?labelSelector=${encodeURIComponent(`${LABEL.tenant}=t0001,${LABEL.runTag}=${runTag(runId)}`)}`)).json.items.map((p: { metadata: { name: string } }) => p.metadata.name);
      if (now.length === 1 && now[0] !== before[0]) break;
      assert.ok(i < 120, `no fresh pod after eviction (${now.join(', ')})`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // The plan, handed over: an Indexed Job of two pods; kwok completes them without running the engine, so no report can be collected.
    const job = { popUrl: h.url, tenants: [{ id: 't0001', workload: 'hello' }, { id: 't0002', workload: 'hello-c' }], fixtures: { hello: [{ method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 }], 'hello-c': [{ method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 }] }, atMs: Float64Array.from([0, 10, 20]), tenant: Uint32Array.from([0, 1, 0]), fixture: new Uint32Array(3), forceCold: new Uint8Array(3), warmup: new Uint8Array(3), spanMs: 1000, warmupMs: 0, timeoutMs: 1000, lateThresholdMs: 5, maxInFlight: 10 };
    const load = h.remoteLoad!(job, () => {});
    await assert.rejects(load.done, /the log of generator pod lab-[0-9a-f]{8}-load-ctr-[01]-\S+ cannot be read: HTTP 500/);
    const jobObj = (await c.admin('GET', `/apis/batch/v1/namespaces/${NS}/jobs/lab-${runTag(runId)}-load-ctr`)).json;
    assert.equal(jobObj.spec.completionMode, 'Indexed');
    assert.equal(jobObj.status.succeeded, 2, 'both generator pods ran to completion (kwok)');
  } finally {
    await h.stop();
  }
  assert.deepEqual(await objectsOf(runSelector(runId)), [], 'stop leaves nothing');
  assert.deepEqual(await kubernetesRunner.conformance.leftovers!(runId), []);
});

test('a cold start: scaled from zero, the pod followed through its conditions (second resolution); no first response from a kwok pod, said so', { timeout: 120_000 }, async () => {
  const runId = `probe-${process.pid}`;
  const h = await kubernetesRunner.launch(plan(runId, options({ coldStarts: 1 })));
  try {
    const cluster = await Cluster.connect({ kubeconfig: c.labKubeconfig });
    const name = tenantObjectName(runTag(runId), 'probe-hello', 'container');
    const probe = await coldStartProbe(
      cluster,
      { tenant: 'probe-hello', workload: 'hello', object: { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: NS }, selector: `${LABEL.runTag}=${runTag(runId)},${LABEL.tenant}=probe-hello`, service: name, request: { method: 'GET', path: '/', headers: {}, body: new Uint8Array(), expectStatus: 200 } },
      { readyTimeoutMs: 60_000, firstResponseTimeoutMs: 1500 },
    );
    assert.equal(probe.ok, false);
    assert.equal(probe.strategy, 'scale-from-zero');
    assert.deepEqual(probe.phases.map((p) => p.name), ['scheduled', 'initialized', 'containersReady', 'ready']);
    for (const p of probe.phases) assert.equal(p.ms % 1000, 0, `${p.name}: condition timestamps have second resolution`);
    assert.match(probe.error ?? '', new RegExp(`^tenant probe-hello: pod ${name}-\\S+ Ready, but no 200 through the service proxy of ${name} within 1500 ms`));
    // Back at zero.
    assert.equal((await c.admin('GET', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`)).json.spec.replicas, 0);
  } finally {
    await h.stop();
  }
  assert.deepEqual(await objectsOf(runSelector(runId)), []);
});

/** Runs `lab` in a child process; resolves with its exit code and output. */
function lab(args: string[], onSpawn?: (pid: number) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist', 'lab', 'app', 'cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    onSpawn?.(child.pid!);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('Ctrl-C of `lab run` on the cluster: the run stops and deletes what it applied', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-k8s-run-'));
  try {
    const scenario = join(dir, 'k8s.yaml');
    writeFileSync(
      scenario,
      [
        'name: k8s-ctrl-c',
        'description: kubernetes runner, interrupted',
        'seed: 1',
        'live: { tenants: 2 }',
        'tenants: { count: 2, mix: [{ workload: hello, weight: 1 }] }',
        'host: { memoryGiB: 16, cores: 16 }',
        'traffic: { arrival: { type: poisson }, rate: 5, warmupSeconds: 1, durationSeconds: 2, timeoutMs: 5000 }',
        'slo: { p99Ms: 100 }',
        'runtimes:',
        `  - { runtime: kubernetes, options: { side: container, registry: "127.0.0.1:5000", checkRegistry: false, kubeconfig: "${c.labKubeconfig}", coldStarts: 0, readyTimeoutSeconds: 60 } }`,
        '',
      ].join('\n'),
    );
    let pid = 0;
    const run = lab(['run', scenario, '--out', join(dir, 'results')], (p) => (pid = p));
    // Interrupt once the run's objects are on the cluster.
    for (let i = 0; (await objectsOf(anyLab)).length === 0; i++) {
      assert.ok(i < 480, 'the run applied nothing within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    process.kill(pid, 'SIGINT');
    const { code, out } = await run;
    process.stderr.write(`lab run exited ${code}: ${out.trim().split("\n").slice(-3).join(" | ")}\n`);
    assert.equal(code, 130, `interrupted, not finished on its own: ${out.slice(-600)}`);
    assert.deepEqual(await objectsOf(anyLab), [], `left after Ctrl-C: ${out.slice(-400)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lab killed outright leaves its objects labelled with its pid; the next launch from this host deletes them', { timeout: 300_000 }, async () => {
  const script = join(c.dir, 'orphan.mjs');
  writeFileSync(
    script,
    [
      `import { kubernetesRunner } from ${JSON.stringify(join(projectRoot, 'dist', 'runners', 'kubernetes', 'runner.js'))};`,
      `import { resolveOptions } from ${JSON.stringify(join(projectRoot, 'dist', 'runners', 'kit', 'options.js'))};`,
      `const o = resolveOptions(kubernetesRunner, { side: 'container', registry: '127.0.0.1:5000', checkRegistry: false, kubeconfig: ${JSON.stringify(c.labKubeconfig)}, coldStarts: 0 });`,
      `await kubernetesRunner.launch({ runId: 'orphan-run', tenants: [{ id: 't0009', workload: 'hello' }], keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 }, options: o, requestTimeoutMs: 1000, workDir: '/tmp' });`,
      `process.stdout.write('launched\\n');`,
      'setInterval(() => {}, 1000);',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('launched') && resolve());
    child.on('exit', (code) => reject(new Error(`orphan launcher exited ${code}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok((await objectsOf(runSelector('orphan-run'))).length > 0, 'the killed lab left its objects');
  const runId = `next-${process.pid}`;
  const h = await kubernetesRunner.launch(plan(runId, options()));
  try {
    assert.deepEqual(await objectsOf(runSelector('orphan-run')), [], 'the dead owner\'s objects were deleted at the next launch');
  } finally {
    await h.stop();
  }
});
