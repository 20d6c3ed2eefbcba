/**
 * A time change that makes any arrival process follow a piecewise-constant rate profile.
 *
 * Trace replay must shape the arrival rate minute by minute while the scenario still chooses
 * the arrival process (constant, poisson, bursts, ...). Generating the process at its mean rate
 * in "operational time" s and mapping s to real time t = Λ⁻¹(s), with Λ(t) = ∫₀ᵗ m(u) du and m
 * the rate multiplier of t's segment, does both: a Poisson process becomes exactly the
 * non-homogeneous Poisson process with rate(t) = rate·m(t), a constant process becomes evenly
 * spaced within each segment, and so on. The multipliers average 1 over the span, so the mean
 * rate is unchanged.
 */
import { InputError } from '../errors.js';

/** Maps ascending operational times to real times over segments of equal length. */
export class TimeWarp {
  /** Rate multiplier of each segment (mean 1 over the span, weighted by covered length). */
  readonly multipliers: Float64Array;
  /** Operational time at the end of each segment; the last equals the span. */
  private readonly ends: Float64Array;
  private seg = 0;
  private last = 0;

  /**
   * `weights[i]` is proportional to the rate in segment i, which covers
   * [i·segmentMs, (i+1)·segmentMs) ∩ [0, spanMs). Segments of weight 0 receive no arrivals.
   */
  constructor(
    weights: ArrayLike<number>,
    readonly segmentMs: number,
    readonly spanMs: number,
  ) {
    if (!(segmentMs > 0) || !(spanMs > 0)) throw new InputError(`time warp: segment (${segmentMs} ms) and span (${spanMs} ms) must be > 0`);
    const n = Math.ceil(spanMs / segmentMs);
    if (weights.length < n) throw new InputError(`time warp: ${n} segments cover the span but only ${weights.length} weights were given`);
    let mass = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (!Number.isFinite(w) || w < 0) throw new InputError(`time warp: weight ${i} is ${w}; weights must be finite and >= 0`);
      mass += w * this.covered(i);
    }
    if (!(mass > 0)) throw new InputError('time warp: every segment of the span has weight 0, so no request could be sent');
    this.multipliers = new Float64Array(n);
    this.ends = new Float64Array(n);
    let end = 0;
    let lastBusy = 0;
    for (let i = 0; i < n; i++) {
      const m = ((weights[i] as number) * spanMs) / mass;
      this.multipliers[i] = m;
      end += m * this.covered(i);
      this.ends[i] = end;
      if (m > 0) lastBusy = i;
    }
    // Rounding could leave the total a hair off the span. Ending the last busy segment (and any
    // idle ones after it) at the span exactly keeps every s < span in a segment of positive rate.
    for (let i = lastBusy; i < n; i++) this.ends[i] = spanMs;
  }

  /** Real milliseconds of segment i inside the span (the last segment may be partial). */
  covered(i: number): number {
    return Math.min(this.segmentMs, this.spanMs - i * this.segmentMs);
  }

  /** Segment of the time last returned by `map`, for callers whose choices depend on it. */
  get segment(): number {
    return this.seg;
  }

  /**
   * Real time of operational time `s`. Calls must come in ascending `s` (arrival order): the
   * segment pointer only moves forward, so a whole schedule costs O(requests + segments).
   */
  map(s: number): number {
    const last = this.ends.length - 1;
    while (this.seg < last && (this.ends[this.seg] as number) <= s) this.seg++;
    const before = this.seg === 0 ? 0 : (this.ends[this.seg - 1] as number);
    const t = this.seg * this.segmentMs + (s - before) / (this.multipliers[this.seg] as number);
    // Rounding at a segment boundary must not reorder arrivals.
    this.last = t > this.last ? t : this.last;
    return this.last;
  }
}
