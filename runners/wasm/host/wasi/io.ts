/**
 * wasi:io (error, poll, streams) for a synchronous host: every stream is an in-memory buffer and
 * every pollable is ready except a clock deadline, which blocks the calling thread until it is
 * due. A guest here runs to completion inside one call (no JSPI on Node 20), so nothing can
 * ever become ready "later" except time.
 */

/** Resource disposal symbol as jco's glue looks it up (Node 20 has Symbol.dispose). */
export const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/**
 * An error the jco glue lowers as the `err` case of a WIT `result`: the glue reads the own
 * property `payload` (an Error without it would be re-thrown as a trap).
 */
export class WasiError extends Error {
  constructor(readonly payload: unknown) {
    super(`wasi error: ${JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
}

/** wasi:io/error.error: only ever carries a debug string here. */
export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

/** A pollable: ready now, or at a monotonic deadline (nanoseconds, process.hrtime.bigint). */
export class Pollable {
  constructor(readonly deadlineNs?: bigint) {}
  ready(): boolean {
    return this.deadlineNs === undefined || process.hrtime.bigint() >= this.deadlineNs;
  }
  block(): void {
    if (this.deadlineNs !== undefined) sleepUntil(this.deadlineNs);
  }
}

// A tiny shared buffer to park the thread on: Atomics.wait is the one synchronous sleep JS has.
const parking = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread until the monotonic clock reaches `deadlineNs`. */
export function sleepUntil(deadlineNs: bigint): void {
  for (;;) {
    const left = deadlineNs - process.hrtime.bigint();
    if (left <= 0n) return;
    Atomics.wait(parking, 0, 0, Number(left / 1_000_000n) + 1);
  }
}

/** wasi:io/poll.poll: indexes of the ready pollables; blocks until at least one is ready. */
export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new WasiError(undefined);
  for (;;) {
    const ready: number[] = [];
    let earliest: bigint | undefined;
    list.forEach((p, i) => {
      if (p.ready()) ready.push(i);
      else if (earliest === undefined || p.deadlineNs! < earliest) earliest = p.deadlineNs;
    });
    if (ready.length > 0) return Uint32Array.from(ready);
    sleepUntil(earliest!);
  }
}

const CLOSED = { tag: 'closed' } as const;

/** An input stream over bytes that are all there from the start (a buffered request body, an empty stdin). */
export class InputStream {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  read(len: bigint): Uint8Array {
    if (this.offset >= this.bytes.length) throw new WasiError(CLOSED);
    const n = Math.min(Number(len), this.bytes.length - this.offset);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** Where an output stream's bytes go. */
export type ByteSink = (bytes: Uint8Array) => void;

/** Largest write a guest may make in one call: what `check-write` grants. */
const WRITE_BUDGET = 1n << 20n;

/** An output stream that hands every write to a sink at once: a buffered response body, or a log. */
export class OutputStream {
  private closed = false;
  constructor(private readonly sink: ByteSink) {}

  checkWrite(): bigint {
    if (this.closed) throw new WasiError(CLOSED);
    return WRITE_BUDGET;
  }
  write(contents: Uint8Array): void {
    if (this.closed) throw new WasiError(CLOSED);
    // The glue hands a view into guest memory that the next guest call may overwrite: copy.
    this.sink(contents.slice());
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {
    if (this.closed) throw new WasiError(CLOSED);
  }
  blockingFlush(): void {
    this.flush();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    // A closed source ends the splice as `closed`, which is what the guest must see.
    const data = src.read(len);
    this.write(data);
    return BigInt(data.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
  /** The host closes a stream it owns (a finished body); later writes fail as `closed`. */
  close(): void {
    this.closed = true;
  }
}
