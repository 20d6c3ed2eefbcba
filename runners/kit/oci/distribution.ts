/**
 * A small client of the OCI distribution API (the registry HTTP API, v2) over fetch: blobs are
 * uploaded monolithically (POST an upload, PUT it with its digest), manifests put and got by tag
 * or digest, and everything read back is checked against its digest. Registries on a loopback
 * address are spoken to over http, every other over https (`insecure` forces http). Anonymous
 * bearer tokens (the `WWW-Authenticate: Bearer` challenge) are fetched when a registry asks;
 * `LAB_REGISTRY_USER` / `LAB_REGISTRY_PASSWORD` give basic credentials for the token or the
 * registry itself. A refusal is a `RegistryError` naming the registry, the request and what it
 * said.
 */
import { sha256 } from '../../../lab/digest.js';
import { LabError, ExitCode } from '../../../lab/errors.js';

/** A registry that refused or could not be reached: names it, the operation and the answer. */
export class RegistryError extends LabError {
  constructor(
    readonly registry: string,
    message: string,
    readonly status?: number,
  ) {
    super(`registry ${registry}: ${message}`, ExitCode.environment);
    this.name = 'RegistryError';
  }
}

/** A manifest as read back. */
export interface PulledManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** An OCI descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The registry's errors (`{ errors: [{ code, message }] }`) in one line, or the body's start. */
function answerText(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (Array.isArray(j.errors) && j.errors.length > 0) return `HTTP ${status}: ${j.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')}`;
  } catch {
    // not JSON
  }
  return `HTTP ${status}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}`;
}

export class RegistryClient {
  readonly base: string;
  private token: string | undefined;

  /** `host` is `host[:port]` (no path: repositories carry it). */
  constructor(
    readonly host: string,
    opts: { insecure?: boolean } = {},
  ) {
    this.base = `${opts.insecure || isLoopbackHost(host) ? 'http' : 'https'}://${host}`;
  }

  private basicAuth(): string | undefined {
    const u = process.env.LAB_REGISTRY_USER;
    const p = process.env.LAB_REGISTRY_PASSWORD;
    return u && p ? `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` : undefined;
  }

  /** Answers a bearer challenge with a token for its scope (anonymous, or with the basic credentials). */
  private async authenticate(challenge: string, what: string): Promise<boolean> {
    const m = /^Bearer\s+(.*)$/i.exec(challenge);
    if (!m) return false;
    const params = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (!params.realm) return false;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const auth = this.basicAuth();
    const res = await fetch(url, { headers: auth ? { authorization: auth } : {}, signal: AbortSignal.timeout(30_000) }).catch((e: Error) => {
      throw new RegistryError(this.host, `${what}: its token service ${url.origin} cannot be reached: ${String((e as Error & { cause?: unknown }).cause ?? e.message)}`);
    });
    const body = await res.text();
    if (res.status !== 200) throw new RegistryError(this.host, `${what}: its token service refused: ${answerText(res.status, body)}`, res.status);
    const j = JSON.parse(body) as { token?: string; access_token?: string };
    this.token = j.token ?? j.access_token;
    return this.token !== undefined;
  }

  /** One request; a 401 with a bearer challenge is answered once and the request repeated. */
  private async request(what: string, path: string, init: RequestInit & { body?: Buffer | string } = {}): Promise<Response> {
    const send = async (): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (this.token) headers.set('authorization', `Bearer ${this.token}`);
      else {
        const basic = this.basicAuth();
        if (basic) headers.set('authorization', basic);
      }
      try {
        return await fetch(path.startsWith('http') ? path : `${this.base}${path}`, { ...init, headers, redirect: 'follow', signal: AbortSignal.timeout(120_000) });
      } catch (e) {
        throw new RegistryError(this.host, `${what}: cannot be reached at ${this.base}: ${String((e as Error & { cause?: unknown }).cause ?? (e as Error).message)}`);
      }
    };
    let res = await send();
    if (res.status === 401 && !this.token) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      await res.arrayBuffer();
      if (await this.authenticate(challenge, what)) res = await send();
    }
    return res;
  }

  private async fail(what: string, res: Response): Promise<never> {
    throw new RegistryError(this.host, `${what} refused: ${answerText(res.status, await res.text())}`, res.status);
  }

  /** GET /v2/: the registry speaks the distribution API (200, or 401 before auth). */
  async ping(): Promise<void> {
    const res = await this.request('the API check (GET /v2/)', '/v2/');
    if (res.status !== 200) await this.fail('the API check (GET /v2/)', res);
    await res.arrayBuffer();
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.request(`HEAD blob ${repo}@${digest}`, `/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    await res.arrayBuffer();
    return res.status === 200;
  }

  /** Uploads `bytes` as a blob of `repo` (skipped when it is there) and returns its digest. */
  async pushBlob(repo: string, bytes: Buffer): Promise<Descriptor & { uploaded: boolean }> {
    const digest = sha256(bytes);
    const d = { mediaType: 'application/octet-stream', digest, size: bytes.length };
    if (await this.hasBlob(repo, digest)) return { ...d, uploaded: false };
    const what = `blob upload to ${repo}`;
    const start = await this.request(what, `/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) await this.fail(what, start);
    await start.arrayBuffer();
    const location = start.headers.get('location');
    if (!location) throw new RegistryError(this.host, `${what}: no upload location in its answer`);
    const put = new URL(location, this.base);
    put.searchParams.set('digest', digest);
    const res = await this.request(what, put.href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    if (res.status !== 201) await this.fail(what, res);
    await res.arrayBuffer();
    return { ...d, uploaded: true };
  }

  /** Puts a manifest under `reference` (a tag) and returns its digest, checked against the registry's. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const what = `manifest put ${repo}:${reference}`;
    const res = await this.request(what, `/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
    if (res.status !== 201) await this.fail(what, res);
    await res.arrayBuffer();
    const digest = sha256(bytes);
    const said = res.headers.get('docker-content-digest');
    if (said && said !== digest) throw new RegistryError(this.host, `${what}: it says the manifest's digest is ${said}, its bytes hash to ${digest}`);
    return digest;
  }

  /** Gets a manifest by tag or digest; its digest is that of the bytes received (checked against a digest reference). */
  async getManifest(repo: string, reference: string): Promise<PulledManifest> {
    const what = `manifest get ${repo}:${reference}`;
    const res = await this.request(what, `/v2/${repo}/manifests/${reference}`, { headers: { accept: MANIFEST_TYPES.join(', ') } });
    if (res.status !== 200) await this.fail(what, res);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.startsWith('sha256:') && reference !== digest) throw new RegistryError(this.host, `${what}: the bytes received hash to ${digest}`);
    return { bytes, mediaType: res.headers.get('content-type') ?? '', digest };
  }

  /** Gets a blob and checks its bytes against `digest`. */
  async getBlob(repo: string, digest: string): Promise<Buffer> {
    const what = `blob get ${repo}@${digest}`;
    const res = await this.request(what, `/v2/${repo}/blobs/${digest}`);
    if (res.status !== 200) await this.fail(what, res);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (sha256(bytes) !== digest) throw new RegistryError(this.host, `${what}: the bytes received hash to ${sha256(bytes)}`);
    return bytes;
  }
}
