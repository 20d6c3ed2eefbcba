/**
 * The origin for artifacts that are plain files (Wasm components): stored as blobs in the same
 * local origin registry the container images come from, fetched with one HTTP GET of
 * /v2/<name>/blobs/<digest>. Both substrates then pay a miss against the same server, the same
 * storage and the same loopback path. For the Wasm runner: publish at prepare, fetch on a miss.
 */
import { sha256 } from '../../../lab/digest.js';

/** Repository name blobs of `artifact` live under (registry names are lower-case paths). */
function repoOf(artifact: string): string {
  return `edge-pop-lab/artifacts/${artifact.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;
}

/** Uploads bytes as a blob (monolithic upload: POST then PUT ?digest=); idempotent; returns the digest. */
export async function publishArtifact(originUrl: string, artifact: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const repo = repoOf(artifact);
  const head = await fetch(`${originUrl}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  if (head.status === 200) return digest;
  const start = await fetch(`${originUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`origin ${originUrl}: upload of ${artifact} not accepted (HTTP ${start.status})`);
  const put = new URL(location, originUrl);
  put.searchParams.set('digest', digest);
  const res = await fetch(put, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`origin ${originUrl}: upload of ${artifact} failed (HTTP ${res.status})`);
  return digest;
}

/** Fetches an artifact's bytes by digest (one GET) and checks them against the digest. */
export async function fetchArtifact(originUrl: string, artifact: string, digest: string): Promise<Uint8Array> {
  const res = await fetch(`${originUrl}/v2/${repoOf(artifact)}/blobs/${digest}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`origin ${originUrl}: ${artifact} ${digest} not found (HTTP ${res.status})`);
  if (sha256(bytes) !== digest) throw new Error(`origin ${originUrl}: ${artifact} arrived with a different digest than ${digest}`);
  return bytes;
}
