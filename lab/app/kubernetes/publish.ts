/**
 * `lab publish --registry <host:port>`: the artifacts a cluster pulls, pushed to any OCI registry
 * where `lab export kubernetes` and the kubernetes runner expect them (runners/kubernetes/
 * manifests/refs.ts): each workload's container image (docker tag + push through the engine),
 * each workload's component as a Spin application (its layout: runners/kit/oci/spin-app.ts,
 * pushed over the distribution API by the lab's own client), and the load engine's image. Each
 * is read back from the registry and its digests compared before it counts as published.
 */
import { readFileSync } from 'node:fs';
import { sha256File } from '../../digest.js';
import { loadEngine } from '../../loadgen/client.js';
import { loadWorkload } from '../../../workloads/registry.js';
import { resolveComponent } from '../../../runners/components/components.js';
import { ensureEngineImage, ensureImage, pushImage } from '../../../runners/container/publish.js';
import { RegistryClient, RegistryError } from '../../../runners/kit/oci/distribution.js';
import { spinArtifact } from '../../../runners/kit/oci/spin-app.js';
import { componentRef, containerImageRef, engineImageRef, parseRegistry, splitImageRef } from '../../../runners/kubernetes/manifests/refs.js';
import type { Side } from '../../../runners/kubernetes/manifests/names.js';
import { CLUSTER_PACKAGING } from './export.js';

export interface PublishOptions {
  /** host:port[/path] */
  registry: string;
  workloads: string[];
  sides: Side[];
  /** Also the load engine's image (default true). */
  engine?: boolean;
  /** http even for a registry that is not on loopback. */
  insecure?: boolean;
  onProgress?: (line: string) => void;
}

/** One artifact in the registry, read back and checked. */
export interface PublishedArtifact {
  kind: 'container-image' | 'spin-app' | 'engine-image';
  workload?: string;
  ref: string;
  /** Manifest digest as the push reported it ... */
  pushedDigest: string;
  /** ... and as the registry served it back. */
  pulledDigest: string;
  /** Blobs read back with their bytes checked against their digests. */
  blobsChecked: number;
}

/** Reads `ref` back: its manifest (digest compared with the push's) and every blob it names (bytes checked). */
async function verify(client: RegistryClient, ref: string, pushedDigest: string): Promise<{ pulledDigest: string; blobsChecked: number; blobs: Map<string, Buffer> }> {
  const { repository, tag } = splitImageRef(ref);
  const m = await client.getManifest(repository, tag);
  if (m.digest !== pushedDigest) throw new RegistryError(client.host, `${ref} reads back as ${m.digest}, pushed as ${pushedDigest}`);
  const manifest = JSON.parse(m.bytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  const blobs = new Map<string, Buffer>();
  for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, await client.getBlob(repository, d.digest));
  return { pulledDigest: m.digest, blobsChecked: blobs.size, blobs };
}

/** Pushes a workload's component as a Spin app and reads it back; the component's bytes must come back whole. */
async function publishComponent(client: RegistryClient, registry: string, workload: string): Promise<PublishedArtifact> {
  const w = loadWorkload(workload);
  const c = await resolveComponent(workload, undefined);
  const bytes = readFileSync(c.file);
  const ref = componentRef(registry, workload, CLUSTER_PACKAGING.wasm, w.sourceDigest);
  const { repository, tag } = splitImageRef(ref);
  const art = spinArtifact(workload, tag, bytes);
  for (const b of [...art.layers, art.config]) await client.pushBlob(repository, b.bytes);
  const pushed = await client.putManifest(repository, tag, art.manifest, 'application/vnd.oci.image.manifest.v1+json');
  if (pushed !== art.digest) throw new RegistryError(client.host, `${ref}: manifest digest ${pushed}, built as ${art.digest}`);
  const back = await verify(client, ref, pushed);
  if (!back.blobs.get(art.layers[0]!.descriptor.digest)?.equals(bytes)) throw new RegistryError(client.host, `${ref}: the component layer read back differs from ${c.file}`);
  return { kind: 'spin-app', workload, ref, pushedDigest: pushed, pulledDigest: back.pulledDigest, blobsChecked: back.blobsChecked };
}

/** Publishes everything asked for; the first refusal stops it with an error naming the registry. */
export async function publish(o: PublishOptions): Promise<PublishedArtifact[]> {
  const registry = parseRegistry(o.registry, '--registry');
  const client = new RegistryClient(registry.split('/')[0]!, o.insecure ? { insecure: true } : {});
  const say = o.onProgress ?? (() => {});
  // Before anything is built: a registry that is not there says so at once.
  await client.ping();
  const out: PublishedArtifact[] = [];
  for (const workload of o.workloads) {
    if (o.sides.includes('container')) {
      say(`${workload}: container image`);
      const w = loadWorkload(workload);
      const local = await ensureImage(workload, 'oci-image-scratch');
      const ref = containerImageRef(registry, workload, CLUSTER_PACKAGING.container, w.sourceDigest);
      const pushed = await pushImage(local.ref, ref);
      const back = await verify(client, ref, pushed);
      out.push({ kind: 'container-image', workload, ref, pushedDigest: pushed, pulledDigest: back.pulledDigest, blobsChecked: back.blobsChecked });
    }
    if (o.sides.includes('wasm')) {
      say(`${workload}: component as a Spin app`);
      out.push(await publishComponent(client, registry, workload));
    }
  }
  if (o.engine !== false) {
    say('load engine image');
    const engine = await loadEngine();
    const local = await ensureEngineImage(engine);
    const ref = engineImageRef(registry, sha256File(engine));
    const pushed = await pushImage(local.ref, ref);
    const back = await verify(client, ref, pushed);
    out.push({ kind: 'engine-image', ref, pushedDigest: pushed, pulledDigest: back.pulledDigest, blobsChecked: back.blobsChecked });
  }
  return out;
}
