/**
 * hello: the baseline workload. It does almost nothing, so its latency and memory are the cost
 * of the packaging itself (process, Wasm instance, container) with no guest work on top.
 *
 * Portable handler rules (see workloads/README.md): one file, type-only imports, synchronous,
 * deterministic, no platform API beyond TextEncoder/TextDecoder.
 */
import type { EdgeRequest, EdgeResponse } from '../lib/handler.js';

/** Largest request body accepted (bytes): hello takes none. Mirrors workload.json. */
export const BODY_LIMIT_BYTES = 0;

const encoder = new TextEncoder();
// Encoded once at load: the steady-state request then allocates nothing but the response object.
const GREETING = encoder.encode('hello from edge-pop-lab\n');
const NOT_ALLOWED = encoder.encode('method not allowed\n');
const TOO_LARGE = encoder.encode('body too large\n');

function text(status: number, body: Uint8Array, extra: Record<string, string> = {}): EdgeResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...extra }, body };
}

/** Answers GET on any path with a fixed greeting. */
export function handle(req: EdgeRequest): EdgeResponse {
  if (req.method !== 'GET') return text(405, NOT_ALLOWED, { allow: 'GET' });
  if (req.body.length > BODY_LIMIT_BYTES) return text(413, TOO_LARGE);
  return text(200, GREETING);
}
