/**
 * On/off bursts: Poisson traffic at `rate·(on+off)/on` for `onSeconds`, then silence for
 * `offSeconds`, repeating from an on period at 0. The mean rate stays `rate`, but idle gaps
 * longer than a keep-alive timeout and sudden concurrency are what make cold starts hurt.
 */
import { InputError } from '../../errors.js';
import { exponential } from '../rng.js';
import type { ArrivalDefinition } from './definition.js';
import { noArrivals } from './definition.js';

/**
 * `bursts`: a Poisson process at the peak rate in "on time" (the on periods laid end to end),
 * mapped to real time by inserting the off periods; one draw per arrival, no rejections.
 */
export const burstArrivals: ArrivalDefinition<'bursts'> = {
  type: 'bursts',
  create: (spec) => {
    if (!(spec.onSeconds > 0) || !Number.isFinite(spec.onSeconds)) throw new InputError(`traffic.arrival.onSeconds must be > 0, got ${spec.onSeconds}`);
    if (!(spec.offSeconds >= 0) || !Number.isFinite(spec.offSeconds)) throw new InputError(`traffic.arrival.offSeconds must be >= 0, got ${spec.offSeconds}`);
    const onMs = spec.onSeconds * 1000;
    const cycleMs = (spec.onSeconds + spec.offSeconds) * 1000;
    return (ratePerSecond, spanMs, rng) => {
      if (ratePerSecond === 0) return noArrivals;
      const peakPerMs = (ratePerSecond * cycleMs) / onMs / 1000;
      let onTime = 0;
      let done = false;
      return {
        next(): number {
          if (done) return Infinity;
          onTime += exponential(rng, peakPerMs);
          const cycle = Math.floor(onTime / onMs);
          const t = cycle * cycleMs + (onTime - cycle * onMs);
          if (t < spanMs) return t;
          done = true;
          return Infinity;
        },
      };
    };
  },
};
