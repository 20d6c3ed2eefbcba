/**
 * The seeded random source of the traffic engine. A plan must be a pure function of the
 * scenario seed (so a live run, its `--dry-run` and the simulator see the same schedule), and
 * the concerns of a plan must not disturb each other: changing the forced-miss rate must not
 * move a single send time. Both needs are met by sfc32 streams whose state comes from
 * splitmix32 over a 64-bit stream key, and by `fork(label)`, which derives a child key from the
 * parent key and a label without touching the parent's state.
 */
import { InputError } from '../errors.js';
import type { ForkableRng, Rng } from './types.js';

const TWO_POW_32 = 4294967296;

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of `label`, started from `basis`, then finalised. */
function hashLabel(label: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * One sfc32 stream. sfc32 is small, fast in JavaScript (pure 32-bit integer arithmetic) and
 * passes PractRand; its 128-bit state is filled by splitmix32 so nearby keys give unrelated
 * streams.
 */
export class SeededRng implements ForkableRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Use `seededRng(seed)`; the constructor takes the two words of an already mixed stream key. */
  constructor(
    private readonly key0: number,
    private readonly key1: number,
  ) {
    let s = (key0 ^ Math.imul(key1, 0x9e3779b9)) | 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      return fmix32(s);
    };
    this.a = splitmix() | 0;
    this.b = splitmix() | 0;
    this.c = (splitmix() ^ key1) | 0;
    this.d = 1;
    // sfc32's authors advise discarding the first outputs so the counter word mixes in.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next raw 32-bit output. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution (enough for every use in the plan). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A child stream fixed by this stream's key and `label`; drawing from either never shifts the other. */
  fork(label: string): SeededRng {
    return new SeededRng(fmix32(this.key0 ^ hashLabel(label, 0x811c9dc5)), fmix32(this.key1 ^ hashLabel(label, 0x050c5d1f)));
  }

  /** An exponential variate with the given rate (mean 1/rate), for Poisson inter-arrival gaps. */
  exponential(rate: number): number {
    return exponential(this, rate);
  }

  /** A uniform integer in [0, n), e.g. a fixture index. */
  uniformInt(n: number): number {
    return uniformInt(this, n);
  }
}

/**
 * The root stream of a scenario. Any safe integer is a valid seed (negative included); both
 * halves of it feed the stream key, so seeds beyond 2^32 stay distinct.
 */
export function seededRng(seed: number): SeededRng {
  if (!Number.isSafeInteger(seed)) throw new InputError(`traffic seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / TWO_POW_32);
  const lo = seed - hi * TWO_POW_32;
  return new SeededRng(fmix32(lo ^ 0x6a09e667), fmix32((hi >>> 0) ^ 0xbb67ae85));
}

/**
 * An exponential variate with the given rate, by inversion: one draw per variate, so a stream's
 * position depends only on how many gaps were drawn. `1 - u` lies in (0, 1], so the log is finite.
 */
export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng.next()) / rate;
}

/** A uniform integer in [0, n) from exactly one draw (n up to 2^32; bias below 2^-32·n). */
export function uniformInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}
