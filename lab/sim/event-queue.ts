/**
 * The simulator's future-event list: a binary min-heap of (time, sequence) keys with an
 * integer payload, in typed arrays so millions of events allocate nothing. Equal times leave
 * in insertion order (the sequence number), which keeps a run deterministic and makes
 * hand-computed test cases unambiguous.
 */
import { grown } from './typed-arrays.js';

/** A min-heap of timed integer events. */
export class EventQueue {
  private time: Float64Array;
  private seq: Float64Array;
  private payload: Int32Array;
  private n = 0;
  private nextSeq = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.payload = new Int32Array(capacity);
  }

  /** Events waiting. */
  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.n === 0 ? Infinity : (this.time[0] as number);
  }

  /** Payload of the earliest event (undefined behaviour when empty): lets a caller skip stale entries without popping live ones. */
  peekPayload(): number {
    return this.payload[0] as number;
  }

  /** Adds an event; amortised O(log n), allocation only when the heap doubles. */
  push(at: number, payload: number): void {
    if (this.n === this.time.length) {
      this.time = grown(this.time, this.n);
      this.seq = grown(this.seq, this.n);
      this.payload = grown(this.payload, this.n);
    }
    let i = this.n++;
    const s = this.nextSeq++;
    // Sift up: move parents down until the new key's place is found.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.time[p] as number;
      if (pt < at || (pt === at && (this.seq[p] as number) < s)) break;
      this.time[i] = pt;
      this.seq[i] = this.seq[p] as number;
      this.payload[i] = this.payload[p] as number;
      i = p;
    }
    this.time[i] = at;
    this.seq[i] = s;
    this.payload[i] = payload;
  }

  /** Removes the earliest event and returns its payload (read its time with `peekTime` first). Undefined behaviour when empty. */
  pop(): number {
    const top = this.payload[0] as number;
    const last = --this.n;
    if (last === 0) return top;
    const t = this.time[last] as number;
    const s = this.seq[last] as number;
    const pl = this.payload[last] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last) {
        const lt = this.time[l] as number;
        const rt = this.time[r] as number;
        if (rt < lt || (rt === lt && (this.seq[r] as number) < (this.seq[l] as number))) c = r;
      }
      const ct = this.time[c] as number;
      if (t < ct || (t === ct && s < (this.seq[c] as number))) break;
      this.time[i] = ct;
      this.seq[i] = this.seq[c] as number;
      this.payload[i] = this.payload[c] as number;
      i = c;
    }
    this.time[i] = t;
    this.seq[i] = s;
    this.payload[i] = pl;
    return top;
  }
}
