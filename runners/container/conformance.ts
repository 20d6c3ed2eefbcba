/**
 * The container runner's part of the conformance suite (loaded only by it): its misbehaving
 * tenant, the misbehaving handler module (runners/testdata) in a FROM scratch Node image brought
 * to the runner as `byoImages`, and the containers a run left behind.
 */
import { sha256File } from '../../lab/digest.js';
import type { MisbehavingTenant } from '../../lab/pop/conformance.js';
import { misbehaveHandlerPath, misbehavingHandler } from '../testdata/misbehaving.js';
import { connectEngine } from './engine.js';
import { buildContextImage, contextRef } from './images/build-context.js';
import { scratchContext } from './images/images.js';
import { LABELS, labelFilter } from './labels.js';

/** The misbehaving handler as a brought image (built once, cached by its context digest like every image). */
export async function misbehavingContainer(): Promise<MisbehavingTenant> {
  const { docker } = await connectEngine();
  const base = misbehavingHandler();
  const ctx = scratchContext(misbehaveHandlerPath);
  const ref = await contextRef(ctx, base.workload, 'scratch');
  await buildContextImage(docker, { workload: base.workload, packaging: 'oci-image-scratch', sourceDigest: sha256File(misbehaveHandlerPath), ref }, ctx);
  return { ...base, options: { byoImages: { [base.workload]: { image: ref, socketEnv: 'LAB_SOCKET' } } } };
}

/**
 * What run `runId` left in the engine: its containers, and any image tag of an origin registry
 * (`127.0.0.1:<port>/edge-pop-lab/...`: an artifact miss pushes and pulls them, and must remove them).
 */
export async function runLeftovers(runId: string): Promise<string[]> {
  const { docker } = await connectEngine();
  const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).filter((t) => /^127\.0\.0\.1:\d+\/edge-pop-lab\//.test(t));
  return [...(await runContainers(runId)), ...tags.map((t) => `image tag ${t}`)];
}

/** Containers (running or not) of run `runId` still in the engine, by name. */
export async function runContainers(runId: string): Promise<string[]> {
  const { docker } = await connectEngine();
  const all = await docker.listContainers({ all: true, filters: labelFilter(LABELS.owned) });
  // The host labels its containers `<runId>.<host pid>`.
  return all.filter((c) => c.Labels?.[LABELS.run]?.startsWith(`${runId}.`)).map((c) => `container ${c.Names[0] ?? c.Id} (${c.State})`);
}
