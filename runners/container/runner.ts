/**
 * The `container` runner: each tenant instance is an OCI container on a real Docker engine
 * (dockerode), from images the lab builds itself without any registry (images.ts) or brought by
 * the scenario (`byoImages`). `prepare` builds or finds the images; `launch` starts the PoP host
 * (host/main.ts), which owns every container of the launch.
 */
import { everyProbe } from '../../lab/isolation/probes.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { loadWorkload } from '../../workloads/registry.js';
import type { ArtifactInfo, LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { launchHost } from '../kit/launch.js';
import { connectEngine } from './engine.js';
import type { TenantImage } from './host/factory.js';
import type { ContainerHostPlan } from './plan.js';
import { artifactInfo, ensureWorkloadImage, type WorkloadImage } from './images/images.js';
import { effectiveLimits, parseContainerOptions, type ByoImage, type ContainerOptions } from './options.js';
import { InputError } from '../../lab/errors.js';
import { enforcedBy } from './host/sandbox.js';
import { handlerDeadlineLine } from '../kit/pool.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { checkOciRuntime } from './oci-runtime.js';

/** The compiled host entry beside this module. */
export const hostScript = join(dirname(fileURLToPath(import.meta.url)), 'host', 'main.js');

/** Generous: start-up reaps orphans and fills reserves (and pushes images to the origin on artifact misses); not a measurement. */
const START_TIMEOUT_MS = 120_000;

/** Images built in this process, by `<packaging>:<workload>`: launch reuses what prepare found. */
const built = new Map<string, WorkloadImage>();

async function workloadImage(docker: Docker, workload: string, o: ContainerOptions): Promise<WorkloadImage> {
  const key = `${o.packaging}:${workload}`;
  let img = built.get(key);
  if (!img) {
    img = await ensureWorkloadImage(docker, loadWorkload(workload), o.packaging);
    built.set(key, img);
  }
  return img;
}

async function byoArtifact(docker: Docker, workload: string, byo: ByoImage): Promise<ArtifactInfo> {
  let info: Docker.ImageInspectInfo;
  try {
    info = await docker.getImage(byo.image).inspect();
  } catch (e) {
    throw new InputError(`container runner: byoImages.${workload}: image ${byo.image} is not in the engine (${(e as Error).message}); load it first (docker load / docker build): the lab never pulls from outside`);
  }
  // The lab did not build it: there is no handler source to pin.
  return { workload, packaging: 'oci-image-byo', digest: info.Id, sourceDigest: 'unknown (image brought by the scenario)', sizeBytes: info.Size, path: byo.image };
}

/** Images per workload for a launch. */
async function resolveImages(docker: Docker, workloads: string[], o: ContainerOptions): Promise<Record<string, TenantImage>> {
  const out: Record<string, TenantImage> = {};
  for (const w of workloads) {
    const byo = o.byoImages[w];
    if (byo) {
      await byoArtifact(docker, w, byo);
      out[w] = { ref: byo.image, listen: byo.socketEnv !== undefined ? { socketEnv: byo.socketEnv } : byo.port !== undefined ? { fixed: byo.port } : { env: byo.portEnv! } };
    } else out[w] = { ref: (await workloadImage(docker, w, o)).ref, listen: o.sandbox === 'hardened' ? { socketEnv: 'LAB_SOCKET' } : { env: 'PORT' } };
  }
  return out;
}

/** The container runner. Options: see options.ts. */
export const containerRunner: Runner<ContainerOptions> = {
  name: 'container',

  parseOptions: parseContainerOptions,

  conformance: {
    // The hardened default: its own mount, pid and (empty) network namespaces, a non-root user.
    probes: everyProbe('denied'),
    misbehaving: async () => (await import('./conformance.js')).misbehavingContainer(),
    leftovers: async (runId) => (await import('./conformance.js')).runLeftovers(runId),
  },

  async prepare(workloads: string[], o: ContainerOptions): Promise<PreparedRuntime> {
    const engine = await connectEngine();
    // Before the images: a runtime that cannot run here says so without a build first.
    const oci = await checkOciRuntime(engine.docker, o.ociRuntime);
    const artifacts: ArtifactInfo[] = [];
    for (const w of workloads) {
      const byo = o.byoImages[w];
      artifacts.push(byo ? await byoArtifact(engine.docker, w, byo) : artifactInfo(await workloadImage(engine.docker, w, o)));
    }
    const v = await engine.docker.version();
    const versions: Record<string, string> = { docker: engine.version, dockerApi: engine.apiVersion, node: process.version, ociRuntime: `${o.ociRuntime} (${oci})` };
    for (const c of (v as { Components?: Array<{ Name: string; Version: string }> }).Components ?? []) versions[`engine.${c.Name.toLowerCase()}`] = c.Version;
    return { artifacts, versions };
  },

  async launch(plan: LaunchPlan<ContainerOptions>): Promise<PopHandle> {
    // The scenario's artifact-miss rate and seed, unless the runner's own options set them.
    const o: ContainerOptions = { ...plan.options, artifactMissRate: plan.options.artifactMissRate ?? plan.artifactMissRate ?? 0 };
    if (o.seed === undefined && plan.seed !== undefined) o.seed = plan.seed;
    const { docker } = await connectEngine();
    const workloads = [...new Set(plan.tenants.map((t) => t.workload))];
    const hostPlan: ContainerHostPlan = { plan: { ...plan, options: o }, images: await resolveImages(docker, workloads, o) };
    const handle = await launchHost({
      runner: 'container',
      program: { kind: 'node', script: hostScript },
      plan: hostPlan,
      workDir: plan.workDir,
      startTimeoutMs: START_TIMEOUT_MS,
      // Removing containers takes tens of ms each; a host that hangs beyond this is killed and its reaper removes what is left.
      stopGraceMs: 30_000 + plan.tenants.length * 1000,
    });
    return { ...handle, isolation: [...enforcedBy(o.sandbox, effectiveLimits(plan.limits, o), o.netns, o.ociRuntime), handlerDeadlineLine((plan.limits ?? DEFAULT_TENANT_LIMITS).cpuMsPerRequest)] };
  },
};
