/**
 * Talks to a C workload's test harness (workloads/c/native/harness.c): the direct-call packaging
 * of C handlers, no HTTP. One long-lived process per workload answers requests in order over its
 * stdin/stdout framing, so thousands of fuzz cases cost one process start. The Python harness
 * (workloads/py/harness.py) speaks the same framing, so this client drives both.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A request in the handler's terms; header values as bytes (node:http shows them as latin1). */
export interface HarnessRequest {
  method: string;
  path: string;
  headers: Array<[string, Uint8Array]>;
  body: Uint8Array;
}

/** What the C handler answered; `failed` is its out-of-memory flag (a packaging would send 500). */
export interface HarnessResponse {
  status: number;
  failed: boolean;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function field(bytes: Uint8Array | string): Buffer[] {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return [u32(b.length), b];
}

/** The frame of one request. */
export function encodeRequest(r: HarnessRequest): Buffer {
  const parts: Buffer[] = [...field(r.method), ...field(r.path), u32(r.headers.length)];
  for (const [name, value] of r.headers) parts.push(...field(name), ...field(value));
  parts.push(...field(r.body));
  return Buffer.concat(parts);
}

/** Decodes one response frame at the start of `buf`; undefined while incomplete. */
export function decodeResponse(buf: Buffer): { response: HarnessResponse; used: number } | undefined {
  let p = 0;
  const need = (n: number): boolean => buf.length - p >= n;
  const num = (): number | undefined => {
    if (!need(4)) return undefined;
    const v = buf.readUInt32LE(p);
    p += 4;
    return v;
  };
  const bytes = (): Buffer | undefined => {
    const n = num();
    if (n === undefined || !need(n)) return undefined;
    const b = buf.subarray(p, p + n);
    p += n;
    return b;
  };
  const status = num();
  const failed = num();
  const count = num();
  if (status === undefined || failed === undefined || count === undefined) return undefined;
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const name = bytes();
    const value = bytes();
    if (!name || !value) return undefined;
    headers.push([name.toString('latin1'), value.toString('latin1')]);
  }
  const body = bytes();
  if (!body) return undefined;
  return { response: { status, failed: failed !== 0, headers, body: Uint8Array.from(body) }, used: p };
}

/** A running harness process. */
export class Harness {
  private readonly child: ChildProcessWithoutNullStreams;
  private pending: Array<{ resolve: (r: HarnessResponse) => void; reject: (e: Error) => void }> = [];
  private buffer = Buffer.alloc(0);
  private stderr = '';
  private exited: string | undefined;

  /** Starts `program` (a built harness, see build.ts; or an argv, such as an interpreter and its harness script). */
  constructor(program: string | string[]) {
    const argv = typeof program === 'string' ? [program] : program;
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => this.onData(c));
    this.child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.child.on('exit', (code, signal) => {
      // A crash is exactly what the fuzz test looks for: fail every waiting call with it.
      this.exited = `harness exited (${code ?? signal}); stderr: ${this.stderr.trim()}`;
      for (const p of this.pending.splice(0)) p.reject(new Error(this.exited));
    });
    this.child.stdin.on('error', () => {});
  }

  /** Sends one request; responses come back in order. */
  call(r: HarnessRequest): Promise<HarnessResponse> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(encodeRequest(r));
    });
  }

  /** Ends the process (EOF on its stdin) and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    await done;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const decoded = decodeResponse(this.buffer);
      if (!decoded) return;
      this.buffer = this.buffer.subarray(decoded.used);
      this.pending.shift()?.resolve(decoded.response);
    }
  }
}
