/** A fixture's request and expected body bytes, as the files describe them (text, base64, or a repeated text). */
import type { Fixture } from './types.js';

/** The request body bytes a fixture describes (empty when it has none). */
export function fixtureRequestBody(f: Fixture): Uint8Array {
  const r = f.request;
  if (r.body !== undefined) return new TextEncoder().encode(r.body);
  if (r.bodyBase64 !== undefined) return bytes(Buffer.from(r.bodyBase64, 'base64'));
  if (r.bodyRepeat !== undefined) return new TextEncoder().encode(r.bodyRepeat.text.repeat(r.bodyRepeat.times));
  return new Uint8Array(0);
}

/** The response body bytes a fixture expects, or undefined when the fixture does not pin the body. */
export function fixtureExpectedBody(f: Fixture): Uint8Array | undefined {
  if (f.expect.body !== undefined) return new TextEncoder().encode(f.expect.body);
  if (f.expect.bodyBase64 !== undefined) return bytes(Buffer.from(f.expect.bodyBase64, 'base64'));
  return undefined;
}

// A plain Uint8Array view, so callers comparing bytes never see Buffer-only behaviour.
function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
