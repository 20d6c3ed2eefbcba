/**
 * Issues and checks HS256 tokens with node:crypto: the independent reference the jwt-verify
 * handler (pure JavaScript crypto) and its fixtures are tested against.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** base64url without padding, via Buffer (not the handler's decoder). */
export function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

/** A compact JWS: base64url(header).base64url(payload).base64url(HMAC-SHA256(key, signing input)). */
export function signHs256(header: object, payload: object, key: string | Uint8Array): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** What a correct verifier must answer for `authorization` at `now`: the reference outcome. */
export type ReferenceOutcome = { status: 200; sub: string; scope: string } | { status: 401; error: string };

function decodeObject(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  // Re-encoding must give the same text: rejects non-canonical spellings like the handler must.
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies with node:crypto and Buffer, written from RFC 7515/7519 and the rules documented in
 * workloads/README.md, without looking at the handler's code paths.
 */
export function referenceVerify(authorization: string | undefined, now: number, key: string): ReferenceOutcome {
  const no = (error: string): ReferenceOutcome => ({ status: 401, error });
  if (!authorization) return no('missing token');
  const m = /^bearer +([^ ]+) *$/i.exec(authorization);
  if (!m || authorization.length > 8192) return no('malformed token');
  const parts = m[1]!.split('.');
  if (parts.length !== 3) return no('malformed token');
  const [h, p, s] = parts as [string, string, string];
  const sigOk = /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
  const header = decodeObject(h);
  const payloadDecodes = /^[A-Za-z0-9_-]*$/.test(p) && Buffer.from(p, 'base64url').toString('base64url') === p;
  if (!header || !payloadDecodes || !sigOk) return no('malformed token');
  if (header.alg !== 'HS256') return no('wrong alg');
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return no('bad signature');
  const claims = decodeObject(p);
  if (!claims) return no('malformed token');
  if (claims.exp === undefined || claims.sub === undefined) return no('missing claim');
  if (typeof claims.exp !== 'number') return no('malformed token');
  if (typeof claims.sub !== 'string' || !/^[\x20-\x7e]{1,256}$/.test(claims.sub)) return no('malformed token');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') return no('malformed token');
  if (claims.nbf !== undefined && typeof claims.nbf !== 'number') return no('malformed token');
  if (now >= claims.exp) return no('expired');
  if (typeof claims.nbf === 'number' && now < claims.nbf) return no('not yet valid');
  return { status: 200, sub: claims.sub, scope: (claims.scope as string | undefined) ?? '' };
}
