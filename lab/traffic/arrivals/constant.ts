/**
 * Constant arrivals: evenly spaced at exactly the mean rate, starting at 0. The no-variance
 * baseline against which burstier processes show what queueing and cold starts cost.
 */
import type { ArrivalDefinition } from './definition.js';
import { noArrivals } from './definition.js';

/** `constant`: arrival k at k·(1000/rate) ms; draws no random numbers. */
export const constantArrivals: ArrivalDefinition<'constant'> = {
  type: 'constant',
  create: () => (ratePerSecond, spanMs) => {
    if (ratePerSecond === 0) return noArrivals;
    const gapMs = 1000 / ratePerSecond;
    let k = 0;
    return {
      next(): number {
        // k·gap rather than a running sum, so no rounding error accumulates over long spans.
        const t = k * gapMs;
        if (t >= spanMs) return Infinity;
        k++;
        return t;
      },
    };
  },
};
