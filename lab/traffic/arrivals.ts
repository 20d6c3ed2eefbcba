/**
 * The registry of arrival processes, by the `type` a scenario names in `traffic.arrival`.
 * Each process is one file under arrivals/; this table is the only place that lists them.
 */
import { InputError } from '../errors.js';
import type { ArrivalSpec } from '../scenario/types.js';
import { burstArrivals } from './arrivals/bursts.js';
import { constantArrivals } from './arrivals/constant.js';
import type { ArrivalDefinition, ArrivalType } from './arrivals/definition.js';
import { diurnalArrivals } from './arrivals/diurnal.js';
import { poissonArrivals } from './arrivals/poisson.js';
import type { ArrivalCursor, ArrivalProcess, Rng } from './types.js';

// Typed as a complete map of ArrivalSpec['type'], so a type added to the scenario union without
// a process here fails to compile.
const registry: { [T in ArrivalType]: ArrivalDefinition<T> } = {
  constant: constantArrivals,
  poisson: poissonArrivals,
  bursts: burstArrivals,
  diurnal: diurnalArrivals,
};

/** Type names of the registered arrival processes (for validators and error messages). */
export const arrivalTypes: readonly ArrivalType[] = Object.keys(registry) as ArrivalType[];

/** Pulls a cursor dry into an array: the array form of any arrival cursor. */
export function drainArrivals(cursor: ArrivalCursor): number[] {
  const times: number[] = [];
  for (let t = cursor.next(); t !== Infinity; t = cursor.next()) times.push(t);
  return times;
}

/**
 * The arrival process a spec names, with its parameters checked once. Rate and span are
 * checked on each use: a negative or non-finite value would otherwise loop or yield nonsense.
 */
export function arrivalProcess(spec: ArrivalSpec): ArrivalProcess {
  const definition = Object.hasOwn(registry, spec.type) ? (registry[spec.type] as ArrivalDefinition<ArrivalType>) : undefined;
  if (!definition) throw new InputError(`unknown arrival process ${JSON.stringify(spec.type)}; known: ${arrivalTypes.join(', ')}`);
  const open = definition.create(spec);
  const cursor = (ratePerSecond: number, spanMs: number, rng: Rng): ArrivalCursor => {
    if (!(ratePerSecond >= 0) || !Number.isFinite(ratePerSecond)) throw new InputError(`traffic.rate must be finite and >= 0, got ${ratePerSecond}`);
    if (!(spanMs >= 0) || !Number.isFinite(spanMs)) throw new InputError(`traffic span must be finite and >= 0 ms, got ${spanMs}`);
    return open(ratePerSecond, spanMs, rng);
  };
  return { cursor, times: (ratePerSecond, spanMs, rng) => drainArrivals(cursor(ratePerSecond, spanMs, rng)) };
}
