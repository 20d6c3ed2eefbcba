/**
 * The job file the native load engine reads (lab/loadgen/engine/src/job.rs): `LABJOB1\n`, a
 * little-endian u32 with the length of a JSON header, the header (endpoint, tenants, fixtures
 * with base64 bodies, timing limits), then the plan in columns: f64 intended send times, u32
 * tenant and fixture indices, u8 flags (bit 0 forced cold, bit 1 warm-up). Compact and written
 * in one go, so a plan of a million requests costs megabytes, not a JSON array of objects.
 */
import type { LoadJob } from './protocol.js';

const MAGIC = Buffer.from('LABJOB1\n', 'latin1');
const FORCE_COLD = 1;
const WARMUP = 2;

/** The job's bytes. */
export function encodeJob(job: Omit<LoadJob, 'type'>): Buffer {
  const n = job.atMs.length;
  for (const [name, col] of [['tenant', job.tenant], ['fixture', job.fixture], ['forceCold', job.forceCold], ['warmup', job.warmup]] as const) {
    if (col.length !== n) throw new Error(`load job: column ${name} has ${col.length} entries, atMs ${n}`);
  }
  const fixtures = Object.fromEntries(
    Object.entries(job.fixtures).map(([w, list]) => [w, list.map((f) => ({ method: f.method, path: f.path, headers: f.headers, bodyBase64: Buffer.from(f.body).toString('base64'), expectStatus: f.expectStatus }))]),
  );
  const header = Buffer.from(
    JSON.stringify({
      popUrl: job.popUrl,
      route: job.route ?? 'pop',
      tenants: job.tenants,
      fixtures,
      spanMs: job.spanMs,
      warmupMs: job.warmupMs,
      timeoutMs: job.timeoutMs,
      lateThresholdMs: job.lateThresholdMs,
      maxInFlight: job.maxInFlight,
      count: n,
    }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) flags[i] = (job.forceCold[i] ? FORCE_COLD : 0) | (job.warmup[i] ? WARMUP : 0);
  // Typed arrays are little-endian on every machine this runs on (x86-64, arm64).
  const column = (a: Float64Array | Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([MAGIC, len, header, column(Float64Array.from(job.atMs)), column(Uint32Array.from(job.tenant)), column(Uint32Array.from(job.fixture)), Buffer.from(flags)]);
}
