/**
 * Where a workload's artifacts live in a registry, named the same way by `lab publish` (which
 * pushes them), `lab export kubernetes` (whose manifests point at them) and the kubernetes runner
 * (which checks they are there before applying anything). A tag names the workload's handler
 * source and the packaging; the digest the registry answers for it is the artifact's identity,
 * and that is what results record.
 */
import { InputError } from '../../../lab/errors.js';

/** Repository prefix of every lab artifact in a registry. */
export const REPO_PREFIX = 'edge-pop-lab';

/**
 * A registry as `host[:port][/path]` (no scheme): checked once, every ref is built from it.
 * `what` names the option or flag in the error.
 */
export function parseRegistry(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || raw === '') throw new InputError(`${what}: give the registry as host:port (e.g. 127.0.0.1:5000 or registry.example.com/team)`);
  if (/^[a-z]+:\/\//i.test(raw)) throw new InputError(`${what}: ${raw}: give host:port without a scheme`);
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:\d{1,5})?(\/[a-z0-9._/-]+)?$/.exec(raw);
  if (!m || (m[2] && Number(m[2].slice(1)) > 65535)) throw new InputError(`${what}: ${raw} is not host[:port][/path]`);
  return raw.replace(/\/+$/, '');
}

/** The twelve hex digits of a `sha256:<hex>` digest a tag carries. */
function short(digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  if (!/^[0-9a-f]{12,}$/.test(hex)) throw new Error(`not a sha256 digest: ${digest}`);
  return hex.slice(0, 12);
}

/** A workload's container image: `<registry>/edge-pop-lab/<workload>:<packaging>-<source12>`. */
export function containerImageRef(registry: string, workload: string, packaging: string, sourceDigest: string): string {
  return `${registry}/${REPO_PREFIX}/${workload}:${packaging}-${short(sourceDigest)}`;
}

/** A workload's component as a Spin application: `<registry>/edge-pop-lab/spin/<workload>:<packaging>-<source12>`. */
export function componentRef(registry: string, workload: string, packaging: string, sourceDigest: string): string {
  return `${registry}/${REPO_PREFIX}/spin/${workload}:${packaging}-${short(sourceDigest)}`;
}

/** The load engine's image: `<registry>/edge-pop-lab/load-engine:<binary12>`. */
export function engineImageRef(registry: string, engineDigest: string): string {
  return `${registry}/${REPO_PREFIX}/load-engine:${short(engineDigest)}`;
}

/** A reference split into registry host, repository and tag. */
export function splitImageRef(ref: string): { host: string; repository: string; tag: string } {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  if (slash < 0 || colon < slash) throw new Error(`not a registry reference with a tag: ${ref}`);
  return { host: ref.slice(0, slash), repository: ref.slice(slash + 1, colon), tag: ref.slice(colon + 1) };
}
