/**
 * Diurnal arrivals: a day's rise and fall compressed into `periodSeconds`, as a
 * non-homogeneous Poisson process with rate(t) = rate·(1 + amplitude·sin(2π(t + phase)/period)). Shows
 * whether a policy tuned for the mean copes with the peak and wastes memory in the trough. The
 * phase shifts the curve: a fleet's PoPs in other time zones are at other hours of their day
 * at the same instant (lab/fleet).
 */
import { InputError } from '../../errors.js';
import { exponential } from '../rng.js';
import type { ArrivalDefinition } from './definition.js';
import { noArrivals } from './definition.js';

/**
 * `diurnal`: Lewis–Shedler thinning. Candidates come at the peak rate rate·(1+amplitude) and
 * each is kept with probability rate(t)/peak: two draws per candidate, 1+amplitude candidates
 * per arrival on average. Amplitude is limited to [0, 1] so the rate never goes negative and
 * the mean rate over whole periods is exactly `rate`.
 */
export const diurnalArrivals: ArrivalDefinition<'diurnal'> = {
  type: 'diurnal',
  create: (spec) => {
    if (!(spec.periodSeconds > 0) || !Number.isFinite(spec.periodSeconds)) throw new InputError(`traffic.arrival.periodSeconds must be > 0, got ${spec.periodSeconds}`);
    if (!(spec.amplitude >= 0 && spec.amplitude <= 1)) throw new InputError(`traffic.arrival.amplitude must be in [0, 1], got ${spec.amplitude}`);
    const phaseSeconds = spec.phaseSeconds ?? 0;
    if (!Number.isFinite(phaseSeconds)) throw new InputError(`traffic.arrival.phaseSeconds must be a finite number, got ${phaseSeconds}`);
    const amplitude = spec.amplitude;
    const omega = (2 * Math.PI) / (spec.periodSeconds * 1000);
    const phaseMs = phaseSeconds * 1000;
    return (ratePerSecond, spanMs, rng) => {
      if (ratePerSecond === 0) return noArrivals;
      const peakPerMs = (ratePerSecond * (1 + amplitude)) / 1000;
      let t = 0;
      return {
        next(): number {
          while (t < spanMs) {
            t += exponential(rng, peakPerMs);
            if (t >= spanMs) break;
            if (rng.next() * (1 + amplitude) < 1 + amplitude * Math.sin(omega * (t + phaseMs))) return t;
          }
          t = Infinity;
          return t;
        },
      };
    };
  },
};
