/**
 * For tests of the slow drip (EdgeResponse.drip, docs/isolation.md): one request whose body is
 * read line by line as it arrives, each line stamped with when it reached the client, so a test
 * can tell a body that came in slices spread over time from one that came in one piece at the end.
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A response whose body lines carry their arrival time. */
export interface TimedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Milliseconds from the request's start to the response head. */
  headAtMs: number;
  /** Each complete body line (without its newline) and when its last byte arrived, ms from the start. */
  lines: { text: string; atMs: number }[];
  /** The whole body. */
  body: string;
  /** Set when the body ended early (connection cut): what the client saw. */
  error?: string;
}

/** The drip request of the hostile workloads. */
export function dripPath(chunks: number, pauseMs: number): string {
  return `/?chunks=${chunks}&ms=${pauseMs}`;
}

/** The header that asks a hostile tenant to drip. */
export const DRIP_HEADERS = { 'x-lab-hostile': 'drip' } as const;

/** The body a hostile tenant drips: `drip <i>/<n>` lines, `i` zero-padded to the width of `n`. */
export function dripLines(chunks: number): string[] {
  const w = String(chunks).length;
  return Array.from({ length: chunks }, (_, i) => `drip ${String(i + 1).padStart(w, '0')}/${chunks}`);
}

/** GETs `url` (http, or `socketPath` for a unix socket) and stamps every body line on arrival. */
export function timedGet(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000, socketPath?: string): Promise<TimedResponse> {
  const started = performance.now();
  const at = (): number => performance.now() - started;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(socketPath ? { socketPath } : {}), timeout: timeoutMs }, (res) => {
      const out: TimedResponse = { status: res.statusCode ?? 0, headers: res.headers, headAtMs: at(), lines: [], body: '' };
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = at();
        out.body += chunk;
        pending += chunk;
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          out.lines.push({ text: pending.slice(0, nl), atMs: now });
          pending = pending.slice(nl + 1);
        }
      });
      res.on('end', () => resolve(out));
      res.on('error', (e) => resolve({ ...out, error: e.message }));
      res.on('aborted', () => resolve({ ...out, error: 'aborted' }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** CPU time (user + system) a process has used so far, ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * What a drip test asserts: `chunks` lines, in order, the first to last spread over at least
 * 80 % of the pauses between them. Returns the spread, ms.
 */
export function dripSpreadMs(r: TimedResponse, chunks: number): number {
  const texts = r.lines.map((l) => l.text);
  if (JSON.stringify(texts) !== JSON.stringify(dripLines(chunks))) throw new Error(`expected ${chunks} drip lines, got ${JSON.stringify(r.body.slice(0, 300))}${r.error ? ` (${r.error})` : ''}`);
  return r.lines[r.lines.length - 1]!.atMs - r.lines[0]!.atMs;
}

/**
 * The lab's PoP hosts buffer a guest's whole response before forwarding it (a crash or deadline
 * mid-body stays a clean 5xx): a drip through them reaches the client in one piece once its last
 * slice is out. Throws unless `r` is that: every line, nothing before the pauses were spent,
 * every line together.
 */
export function assertArrivedWhole(r: TimedResponse, chunks: number, pauseMs: number): void {
  dripSpreadMs(r, chunks);
  const held = (chunks - 1) * pauseMs * 0.8;
  if (!(r.headAtMs >= held)) throw new Error(`the head came after ${r.headAtMs.toFixed(0)} ms: a buffering PoP holds it back until the drip's end (>= ${held} ms)`);
  const spread = r.lines[r.lines.length - 1]!.atMs - r.lines[0]!.atMs;
  if (!(spread < pauseMs / 2)) throw new Error(`the lines came ${spread.toFixed(0)} ms apart: that host streams (update what the docs say of it)`);
}

/**
 * A drip through a buffering PoP host (`hostUrl`, tenant path `/t/<tenant>`) whose process is
 * `hostPid`: it arrives whole at its end, and the host used less than half the wall time in CPU
 * meanwhile (the guest waited in a host poll, not a loop). Throws otherwise.
 */
export async function assertIdleDripThroughHost(hostUrl: string, tenant: string, hostPid: number, chunks: number, pauseMs: number): Promise<void> {
  const before = processCpuMs(hostPid)!;
  const t = performance.now();
  const r = await timedGet(`${hostUrl}/t/${tenant}${dripPath(chunks, pauseMs)}`, DRIP_HEADERS);
  const wall = performance.now() - t;
  if (r.status !== 200) throw new Error(`${tenant}: status ${r.status}: ${r.body}`);
  assertArrivedWhole(r, chunks, pauseMs);
  const cpu = processCpuMs(hostPid)! - before;
  if (!(cpu < wall / 2)) throw new Error(`${tenant}: the host used ${cpu} ms of CPU in ${wall.toFixed(0)} ms`);
}

/** Throws unless `r` came in `chunks` lines whose first and last are at least 80 % of the pauses apart (a host that streams). */
export function assertArrivedSpread(r: TimedResponse, chunks: number, pauseMs: number): void {
  const spread = dripSpreadMs(r, chunks);
  const least = (chunks - 1) * pauseMs * 0.8;
  if (!(spread >= least)) throw new Error(`first to last slice ${spread.toFixed(0)} ms, expected >= ${least}`);
  if (!(r.lines[0]!.atMs < r.headAtMs + pauseMs)) throw new Error(`the first slice came ${(r.lines[0]!.atMs - r.headAtMs).toFixed(0)} ms after the head: it must come before any pause`);
}
