/**
 * jwt-verify: authentication at the edge. Verifies an HS256 JSON Web Token (RFC 7519) from
 * `authorization: Bearer <jwt>` and answers with the subject and scope, the way an edge gateway
 * rejects bad credentials before they reach an origin. The crypto is SHA-256 (FIPS 180-4) and
 * HMAC (RFC 2104) in plain JavaScript because the guest has no crypto API: that is also what
 * makes this the CPU-bound workload of the lab.
 *
 * Portable handler rules (see workloads/README.md): one file, type-only imports, synchronous,
 * deterministic (the clock is the `x-lab-now` request header or FIXED_NOW), no platform API
 * beyond TextEncoder/TextDecoder.
 */
import type { EdgeRequest, EdgeResponse } from '../lib/handler.js';

/**
 * The HMAC key, as UTF-8 text. A LAB KEY: public, committed, for measurements only; it protects
 * nothing. Exported so tests can sign tokens with node:crypto independently of this file.
 */
export const LAB_KEY_TEXT = 'edge-pop-lab HS256 lab key - public, for measurements only';

/** Clock used when the request has no `x-lab-now` header (epoch seconds, 2026-01-01T00:00:00Z). Mirrors workload.json `fixedNow`. */
export const FIXED_NOW = 1767225600;

/** Largest request body accepted (bytes); the body is otherwise ignored. Mirrors workload.json. */
export const BODY_LIMIT_BYTES = 8192;

/** Longest Authorization header considered; longer ones are rejected before any decoding work. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

const encoder = new TextEncoder();
const LAB_KEY = encoder.encode(LAB_KEY_TEXT);

// ---------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4)

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// Reused message schedule: handlers are single-threaded and sha256 never re-enters itself.
const W = new Uint32Array(64);

/** SHA-256 digest of `data` (32 bytes). Exported so a unit test can compare it with node:crypto. */
export function sha256(data: Uint8Array): Uint8Array {
  const len = data.length;
  // Message + 0x80 + zero padding + 64-bit big-endian bit length, rounded up to 64-byte blocks.
  const padded = Math.ceil((len + 9) / 64) * 64;
  const block = new Uint8Array(padded);
  block.set(data);
  block[len] = 0x80;
  const view = new DataView(block.buffer);
  view.setUint32(padded - 8, Math.floor(len / 0x20000000)); // high word of len * 8
  view.setUint32(padded - 4, (len * 8) >>> 0); // low word of len * 8

  let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
  let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;

  for (let off = 0; off < padded; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15]!;
      const w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }

  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  const hs = [h0, h1, h2, h3, h4, h5, h6, h7];
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, hs[i]! >>> 0);
  return out;
}

/** HMAC-SHA256 (RFC 2104) of `message` under `key`. Exported for the node:crypto unit test. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const k = key.length > 64 ? sha256(key) : key;
  const inner = new Uint8Array(64 + message.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    const kb = i < k.length ? k[i]! : 0;
    inner[i] = kb ^ 0x36;
    outer[i] = kb ^ 0x5c;
  }
  inner.set(message, 64);
  outer.set(sha256(inner), 64);
  return sha256(outer);
}

/**
 * Compares two byte strings in time that depends only on their lengths (lengths are public: a
 * signature is always 32 bytes), so response time does not leak how many leading bytes of a
 * forged signature were right.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

// ---------------------------------------------------------------------------------------------
// base64url (RFC 4648 section 5, unpadded as JWS requires)

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL_VALUE[B64URL_ALPHABET.charCodeAt(i)] = i;

/**
 * Strict unpadded base64url decoding: returns null for padding, characters outside the
 * alphabet, an impossible length, or non-zero leftover bits (a non-canonical encoding), so one
 * token has exactly one spelling. Exported for its unit test.
 */
export function base64UrlDecode(s: string): Uint8Array | null {
  const n = s.length;
  if (n % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64URL_VALUE[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xfff; // at most 12 live bits: 6 new + up to 6 left over
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Why a request was refused; each value is the `error` field of the response. */
type Refusal =
  | 'missing token'
  | 'malformed token'
  | 'wrong alg'
  | 'bad signature'
  | 'missing claim'
  | 'expired'
  | 'not yet valid';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes base64url JSON into a plain object, or null if any step fails. */
function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return value as Record<string, unknown>;
}

// Subject goes into a response header: only visible ASCII and spaces, bounded, never CR/LF.
const HEADER_SAFE = /^[\x20-\x7e]{1,256}$/;
const BEARER = /^bearer +([^ ]+) *$/i;
const NOW_HEADER = /^[0-9]{1,12}$/;

function json(status: number, value: unknown, extra: Record<string, string> = {}): EdgeResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
    body: encoder.encode(JSON.stringify(value)),
  };
}

function refuse(reason: Refusal): EdgeResponse {
  // RFC 6750 section 3: a 401 names the scheme; the error detail stays in the body.
  return json(401, { error: reason }, { 'www-authenticate': 'Bearer realm="edge-pop-lab"' });
}

type Verified = { sub: string; scope: string } | Refusal;

/** Verifies one compact JWS against the lab key at time `now` (epoch seconds). */
function verify(authorization: string | undefined, now: number): Verified {
  if (authorization === undefined || authorization === '') return 'missing token';
  if (authorization.length > MAX_AUTHORIZATION_LENGTH) return 'malformed token';
  const m = BEARER.exec(authorization);
  if (!m) return 'malformed token';
  const token = m[1]!;
  const parts = token.split('.');
  if (parts.length !== 3) return 'malformed token';
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const headerBytes = base64UrlDecode(headerPart);
  const payloadBytes = base64UrlDecode(payloadPart);
  const signature = base64UrlDecode(signaturePart);
  if (!headerBytes || !payloadBytes || !signature) return 'malformed token';

  const header = decodeJsonObject(headerBytes);
  if (!header) return 'malformed token';
  // The algorithm is pinned, never taken from the token: this is what defeats alg=none and
  // algorithm-confusion forgeries.
  if (header.alg !== 'HS256') return 'wrong alg';

  // Every character of the signing input passed the base64url alphabet, so it is ASCII and
  // its UTF-8 bytes are exactly the bytes the issuer signed.
  const expected = hmacSha256(LAB_KEY, encoder.encode(`${headerPart}.${payloadPart}`));
  if (!constantTimeEqual(signature, expected)) return 'bad signature';

  const claims = decodeJsonObject(payloadBytes);
  if (!claims) return 'malformed token';
  const { exp, nbf, sub, scope } = claims;
  if (exp === undefined || sub === undefined) return 'missing claim';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'malformed token';
  if (typeof sub !== 'string' || !HEADER_SAFE.test(sub)) return 'malformed token';
  if (scope !== undefined && typeof scope !== 'string') return 'malformed token';
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) return 'malformed token';
  // RFC 7519 4.1.4: the token is valid only strictly before `exp`. No leeway: the lab's clock
  // is exact by construction.
  if (now >= exp) return 'expired';
  if (nbf !== undefined && now < nbf) return 'not yet valid';
  return { sub, scope: scope ?? '' };
}

/** Verifies the bearer token and answers 200 `{"sub","scope"}` or 401 `{"error"}`. */
export function handle(req: EdgeRequest): EdgeResponse {
  if (req.body.length > BODY_LIMIT_BYTES) return json(413, { error: 'body too large', limitBytes: BODY_LIMIT_BYTES });
  let now = FIXED_NOW;
  const nowHeader = req.headers['x-lab-now'];
  if (nowHeader !== undefined) {
    if (!NOW_HEADER.test(nowHeader)) return json(400, { error: 'bad x-lab-now' });
    now = Number(nowHeader);
  }
  const result = verify(req.headers['authorization'], now);
  if (typeof result === 'string') return refuse(result);
  return json(200, { sub: result.sub, scope: result.scope }, { 'x-auth-subject': result.sub });
}
