/**
 * ab-flag: A/B experiment assignment and personalisation header injection at the edge. The user
 * id is hashed with FNV-1a (32-bit) per experiment, so a user lands in the same variant on every
 * PoP without any shared state; the assignments go out as `x-ab-<experiment>` headers (for the
 * origin and its caches) and as a JSON body (for the client).
 *
 * Portable handler rules (see workloads/README.md): one file, type-only imports, synchronous,
 * deterministic, no platform API beyond TextEncoder/TextDecoder.
 */
import type { EdgeRequest, EdgeResponse } from '../lib/handler.js';

/** Largest request body accepted (bytes): a GET carries none. Mirrors workload.json. */
export const BODY_LIMIT_BYTES = 0;

/** One experiment: variants with integer percentages that sum to 100, in assignment order. */
export interface Experiment {
  name: string;
  variants: ReadonlyArray<{ name: string; percent: number }>;
}

/**
 * The running experiments. Exported so the fixture test can re-derive expected assignments
 * with its own hash implementation.
 */
export const EXPERIMENTS: ReadonlyArray<Experiment> = [
  { name: 'checkout-button', variants: [{ name: 'control', percent: 50 }, { name: 'green', percent: 50 }] },
  {
    name: 'pricing-page',
    variants: [
      { name: 'control', percent: 34 },
      { name: 'annual-first', percent: 33 },
      { name: 'monthly-first', percent: 33 },
    ],
  },
  { name: 'search-ranking', variants: [{ name: 'control', percent: 90 }, { name: 'ml-v2', percent: 10 }] },
];

/** Personalisation cohorts: users split into this many stable groups by their id's hash. */
export const COHORTS = 16;

const encoder = new TextEncoder();

/** FNV-1a 32-bit hash of `bytes`, unsigned. Exported for its known-vector unit test. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5; // offset basis
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193); // FNV prime; Math.imul keeps the product exact mod 2^32
  }
  return h >>> 0;
}

/** Bucket 0..99 of a user in an experiment: the hash is salted with the experiment name so experiments are independent. */
export function bucketOf(experiment: string, uid: string): number {
  return fnv1a32(encoder.encode(`${experiment}:${uid}`)) % 100;
}

/** The variant owning `bucket`: the first whose cumulative percentage exceeds it. */
export function variantFor(experiment: Experiment, bucket: number): string {
  let upTo = 0;
  for (const v of experiment.variants) {
    upTo += v.percent;
    if (bucket < upTo) return v.name;
  }
  // Unreachable while percentages sum to 100 (a unit test checks it); fall back to the last.
  return experiment.variants[experiment.variants.length - 1]!.name;
}

// Goes into headers and JSON unescaped, so the alphabet is kept to what needs no escaping.
const UID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Finds the user id: `x-user-id` (set by an upstream login layer, so it wins) else the `uid`
 * cookie (first occurrence; RFC 6265 quoted values are unquoted). Undefined if neither exists.
 */
export function findUserId(headers: Record<string, string>): string | undefined {
  const fromHeader = headers['x-user-id'];
  if (fromHeader !== undefined) return fromHeader.trim();
  const cookie = headers['cookie'];
  if (cookie === undefined) return undefined;
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== 'uid') continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

function json(status: number, value: unknown, extra: Record<string, string> = {}): EdgeResponse {
  return {
    status,
    // Per-user answers: never cached by a shared cache, and keyed on what selects the user.
    headers: { 'content-type': 'application/json', 'cache-control': 'private, no-store', vary: 'cookie, x-user-id', ...extra },
    body: encoder.encode(JSON.stringify(value)),
  };
}

/** Assigns the user to every experiment; 200 with the assignments, 400 without a usable user id. */
export function handle(req: EdgeRequest): EdgeResponse {
  if (req.method !== 'GET') return json(405, { error: 'method not allowed' }, { allow: 'GET' });
  if (req.body.length > BODY_LIMIT_BYTES) return json(413, { error: 'body too large', limitBytes: BODY_LIMIT_BYTES });
  const uid = findUserId(req.headers);
  if (uid === undefined) return json(400, { error: 'missing user id' });
  if (!UID.test(uid)) return json(400, { error: 'invalid user id' });

  const cohort = fnv1a32(encoder.encode(uid)) % COHORTS;
  const headers: Record<string, string> = {};
  const assignments: { experiment: string; bucket: number; variant: string }[] = [];
  const summary: string[] = [];
  for (const experiment of EXPERIMENTS) {
    const bucket = bucketOf(experiment.name, uid);
    const variant = variantFor(experiment, bucket);
    assignments.push({ experiment: experiment.name, bucket, variant });
    headers[`x-ab-${experiment.name}`] = variant;
    summary.push(`${experiment.name}:${variant}`);
  }
  headers['x-personalization'] = `cohort=${cohort}; variants=${summary.join(',')}`;
  return json(200, { user: uid, cohort, assignments }, headers);
}
