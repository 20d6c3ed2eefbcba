/**
 * Forced instance misses: `cache.instanceMissRate` of the requests must find no warm instance,
 * to measure cold starts at a controlled rate whatever the keep-alive policy does. The live
 * plan and the simulator must force the very same requests, so the selection lives here and
 * both call it with the plan's forced-miss stream.
 */
import { InputError } from '../errors.js';
import type { Rng } from './types.js';

/**
 * A per-request coin: each call draws exactly one number from `rng` and says whether that
 * request is forced cold (probability `rate`). Drawing even when the rate is 0 or 1 keeps the
 * stream's position equal to the request count, whatever the rate.
 */
export function forcedMissSelector(rate: number, rng: Rng): () => boolean {
  if (!(rate >= 0 && rate <= 1)) throw new InputError(`cache.instanceMissRate must be in [0, 1], got ${rate}`);
  return () => rng.next() < rate;
}
