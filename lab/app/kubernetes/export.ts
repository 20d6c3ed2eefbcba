/**
 * `lab export kubernetes <scenario>`: the scenario's live slice as Kubernetes manifests. For every
 * tenant a SpinApp (its component, the Wasm side) and a Deployment + Service (its container image),
 * with the scenario's limits and the local container runner's hardening; for each side the
 * load-generator Job (the lab's engine in N pods, each sending a whole-tenant share of the same
 * plan a local run sends); the namespace and the RBAC the lab needs. Every object is validated
 * before any file is written. Artifacts are referenced where `lab publish --registry` puts them.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sha256File } from '../../digest.js';
import { InputError } from '../../errors.js';
import { loadEngine } from '../../loadgen/client.js';
import { planTraffic } from '../../traffic/plan.js';
import type { LoadedScenario } from '../../scenario/types.js';
import { loadWorkload, type Workload } from '../../../workloads/registry.js';
import { buildManifests, manifestYaml, type ManifestFile } from '../../../runners/kubernetes/manifests/build.js';
import { clusterJob, shardFiles, tenantServiceUrls } from '../../../runners/kubernetes/manifests/cluster-job.js';
import { SIDES, labelValue, runTag, type Side } from '../../../runners/kubernetes/manifests/names.js';
import { componentRef, containerImageRef, engineImageRef, parseRegistry } from '../../../runners/kubernetes/manifests/refs.js';
import { limitsOnCluster } from '../../../runners/kubernetes/manifests/tenant.js';
import { loadJob, wireFixtures } from '../run.js';

/** The packagings a cluster runs: the component as its language builds it, the FROM scratch image. */
export const CLUSTER_PACKAGING: Record<Side, string> = { wasm: 'wasm-component', container: 'oci-image-scratch' };

export interface ExportOptions {
  loaded: LoadedScenario;
  /** Output folder (created; an existing one is replaced only when the export succeeds). */
  out: string;
  /** Where `lab publish` puts the artifacts: host:port[/path]. */
  registry: string;
  namespace: string;
  sides: Side[];
  /** Generator pods per side (whole tenants each; at most one per tenant). */
  generators: number;
  /** The run id the objects are labelled with (default: the scenario name, a timestamp and a random suffix). */
  runId?: string;
}

/** What was written. */
export interface ExportOutcome {
  out: string;
  runId: string;
  files: { path: string; objects: { kind: string; name: string; tenant?: string }[] }[];
  artifacts: Record<string, string>;
  notes: string[];
}

/** The artifact references of the slice's workloads on each side. */
export function sliceArtifactRefs(registry: string, workloads: Workload[], sides: Side[]): Partial<Record<Side, Record<string, string>>> {
  const out: Partial<Record<Side, Record<string, string>>> = {};
  for (const side of sides) {
    out[side] = Object.fromEntries(workloads.map((w) => [w.name, side === 'wasm' ? componentRef(registry, w.name, CLUSTER_PACKAGING.wasm, w.sourceDigest) : containerImageRef(registry, w.name, CLUSTER_PACKAGING.container, w.sourceDigest)]));
  }
  return out;
}

/** A namespace name, checked: a DNS-1123 label. */
export function checkNamespace(ns: string): string {
  if (ns.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) throw new InputError(`--namespace: ${JSON.stringify(ns)} is not a DNS-1123 label (lower case, digits, '-', at most 63)`);
  return ns;
}

/** Builds, validates and writes the manifests. */
export async function exportKubernetes(o: ExportOptions): Promise<ExportOutcome> {
  const { scenario } = o.loaded;
  const registry = parseRegistry(o.registry, '--registry');
  const namespace = checkNamespace(o.namespace);
  if (!Number.isInteger(o.generators) || o.generators < 1) throw new InputError(`--generators: a positive integer, got ${o.generators}`);
  const runId = o.runId ?? `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;

  const workloads = new Map<string, Workload>();
  for (const m of scenario.tenants.mix) workloads.set(m.workload, loadWorkload(m.workload));
  const plan = planTraffic(scenario, Object.fromEntries([...workloads].map(([n, w]) => [n, w.trafficFixtures.length])));
  const fixtures = wireFixtures(workloads);
  // The very plan a local run sends, in the engine's columns; then per side, to the Services.
  const job = loadJob(plan, { url: 'http://127.0.0.1:1' }, fixtures, scenario);
  const engineImage = engineImageRef(registry, sha256File(await loadEngine()));
  const shards: Partial<Record<Side, Buffer[]>> = {};
  for (const side of o.sides) shards[side] = shardFiles(clusterJob(job, tenantServiceUrls(runId, namespace, side, plan.tenants)), o.generators);

  const images = sliceArtifactRefs(registry, [...workloads.values()], o.sides);
  const files: ManifestFile[] = buildManifests({
    run: { runId, scenario: scenario.name },
    namespace,
    limits: scenario.limits,
    sides: o.sides,
    tenants: plan.tenants.map((t) => ({ id: t.id, workload: t.workload })),
    images,
    replicas: 1,
    load: { engineImage, shards, spanMs: plan.spanMs, slackSeconds: 300 },
  });

  const artifacts: Record<string, string> = { 'load-engine': engineImage };
  for (const side of o.sides) for (const [w, ref] of Object.entries(images[side] ?? {})) artifacts[`${side}/${w}`] = ref;
  const { notEnforced } = limitsOnCluster(scenario.limits);
  const notes = [
    `run ${runId} (label ${labelValue(runId)}, object names carry ${runTag(runId)})`,
    ...notEnforced.map((n) => `limit not carried by a pod spec: ${n}`),
    'forced misses of the plan (x-lab-force-cold) reach a Service as ordinary requests: on a cluster, cold starts are measured by the kubernetes runner scaling a tenant to zero and back',
  ];

  // Written beside the target and moved in whole: a failed export leaves the old folder as it was.
  const out = resolve(o.out);
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const f of files) {
      mkdirSync(dirname(join(tmp, f.path)), { recursive: true });
      writeFileSync(join(tmp, f.path), manifestYaml(f));
    }
    writeFileSync(join(tmp, 'artifacts.json'), `${JSON.stringify({ registry, runId, exportedBy: hostname(), artifacts }, null, 2)}\n`);
    writeFileSync(join(tmp, 'README.txt'), readme(o.sides, registry, namespace, notes));
    rmSync(out, { recursive: true, force: true });
    mkdirSync(dirname(out), { recursive: true });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return {
    out,
    runId,
    files: files.map((f) => ({ path: f.path, objects: f.objects.map((x) => ({ kind: x.object.kind ?? '?', name: x.object.metadata?.name ?? '?', ...(x.tenant !== undefined ? { tenant: x.tenant } : {}) })) })),
    artifacts,
    notes,
  };
}

function readme(sides: Side[], registry: string, namespace: string, notes: string[]): string {
  return [
    'Manifests written by `lab export kubernetes` (docs/kubernetes.md is the runbook).',
    '',
    `1. lab publish <scenario> --registry ${registry}        # images, components and the load engine`,
    '2. kubectl apply -f namespace.yaml -f rbac.yaml      # once per cluster, by an administrator',
    ...sides.flatMap((s, k) => [
      `${3 + 2 * k}. kubectl apply -f ${s}/ && kubectl -n ${namespace} wait --for=condition=Ready pod -l edge-pop-lab/side=${s},edge-pop-lab/role=tenant --timeout=10m`,
      `${4 + 2 * k}. kubectl apply -f load-${s}.yaml; then: lab collect kubernetes --namespace ${namespace} --job <the Job's name>`,
    ]),
    '',
    ...notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

/** The sides named by `--sides` (default both). */
export function parseSides(raw: string | undefined): Side[] {
  if (raw === undefined) return [...SIDES];
  const sides = raw.split(',').map((s) => s.trim());
  const bad = sides.filter((s) => !(SIDES as readonly string[]).includes(s));
  if (bad.length > 0 || sides.length === 0) throw new InputError(`--sides: ${bad.join(', ') || '(empty)'}: each of ${SIDES.join(', ')}`);
  return [...new Set(sides)] as Side[];
}
