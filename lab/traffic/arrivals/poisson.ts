/**
 * Poisson arrivals: independent requests from many users, the textbook open-loop model of
 * edge traffic (exponential gaps, coefficient of variation 1).
 */
import { exponential } from '../rng.js';
import type { ArrivalDefinition } from './definition.js';
import { noArrivals } from './definition.js';

/** `poisson`: exponential gaps with mean 1000/rate ms, one draw per arrival. */
export const poissonArrivals: ArrivalDefinition<'poisson'> = {
  type: 'poisson',
  create: () => (ratePerSecond, spanMs, rng) => {
    if (ratePerSecond === 0) return noArrivals;
    const ratePerMs = ratePerSecond / 1000;
    let t = 0;
    return {
      next(): number {
        if (t === Infinity) return t;
        t += exponential(rng, ratePerMs);
        if (t >= spanMs) t = Infinity;
        return t;
      },
    };
  },
};
