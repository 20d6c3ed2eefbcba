/**
 * A workload's component as a Spin application in an OCI registry, laid out the way `spin
 * registry push` lays one out (Spin 3.x/4.x, crates/oci), so SpinKube's containerd-shim-spin
 * pulls and runs it like any pushed Spin app:
 *
 * - one layer per component, media type `application/vnd.wasm.content.layer.v1+wasm`;
 * - the locked application (Spin's `spin.lock` JSON, `spin_lock_version` 1) as the last layer,
 *   media type `application/vnd.fermyon.spin.application.v1+config`, each component's source
 *   replaced by the digest of its layer;
 * - an OCI image config (`application/vnd.oci.image.config.v1+json`) with architecture `wasm`,
 *   os `wasip1` and the label `com.fermyon.spin.lockedAppDigest` (the locked layer's digest), so
 *   two apps never share a config digest;
 * - an OCI image manifest naming them.
 *
 * The app has one HTTP trigger, route `/...` (every path) to the one component: a WASI 0.2
 * `wasi:http/incoming-handler` component, which Spin serves as it is. Nothing time-dependent goes
 * in, so the same component always gives the same manifest digest.
 */
import { sha256 } from '../../../lab/digest.js';
import type { Descriptor } from './distribution.js';

export const SPIN_MEDIA_TYPES = {
  lockedApp: 'application/vnd.fermyon.spin.application.v1+config',
  wasmLayer: 'application/vnd.wasm.content.layer.v1+wasm',
  config: 'application/vnd.oci.image.config.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
} as const;

/** A blob with its descriptor. */
export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** Everything to push: the layers (component first, locked app last), the config, the manifest. */
export interface SpinArtifact {
  layers: Blob[];
  config: Blob;
  manifest: Buffer;
  /** The manifest's digest: the artifact's identity. */
  digest: string;
}

function blob(mediaType: string, bytes: Buffer): Blob {
  return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.length }, bytes };
}

/** The locked application of one component serving every path. */
export function lockedApp(name: string, version: string, componentDigest: string): Record<string, unknown> {
  return {
    spin_lock_version: 1,
    metadata: { name, version, trigger: { type: 'http' }, triggers: {} },
    triggers: [{ id: `trigger-${name}`, trigger_type: 'http', trigger_config: { route: '/...', component: name } }],
    components: [{ id: name, source: { content_type: 'application/wasm', digest: componentDigest } }],
  };
}

/** The artifact of `component` (a WASI 0.2 http component) as the Spin app `name` at `version`. */
export function spinArtifact(name: string, version: string, component: Buffer): SpinArtifact {
  const wasm = blob(SPIN_MEDIA_TYPES.wasmLayer, component);
  const locked = blob(SPIN_MEDIA_TYPES.lockedApp, Buffer.from(JSON.stringify(lockedApp(name, version, wasm.descriptor.digest))));
  const config = blob(
    SPIN_MEDIA_TYPES.config,
    Buffer.from(JSON.stringify({ architecture: 'wasm', os: 'wasip1', config: { Labels: { 'com.fermyon.spin.lockedAppDigest': locked.descriptor.digest } }, rootfs: { type: 'layers', diff_ids: [] } })),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: SPIN_MEDIA_TYPES.manifest,
      config: config.descriptor,
      layers: [wasm.descriptor, locked.descriptor],
      annotations: { 'org.opencontainers.image.title': name, 'org.opencontainers.image.version': version },
    }),
  );
  return { layers: [wasm, locked], config, manifest, digest: sha256(manifest) };
}
