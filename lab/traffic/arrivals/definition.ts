/**
 * The shape of one registered arrival process. Each process is one file exporting an
 * `ArrivalDefinition`; lab/traffic/arrivals.ts collects them by type name, so adding a process
 * touches that file's registry table and nothing else.
 */
import type { ArrivalSpec } from '../../scenario/types.js';
import type { ArrivalCursor, Rng } from '../types.js';

/** The type names of arrival processes a scenario may use. */
export type ArrivalType = ArrivalSpec['type'];

/** The scenario spec of one arrival type. */
export type ArrivalSpecOf<T extends ArrivalType> = Extract<ArrivalSpec, { type: T }>;

/** Opens a cursor of arrival times for a mean rate (per second, >= 0) over [0, spanMs). */
export type ArrivalCursorFactory = (ratePerSecond: number, spanMs: number, rng: Rng) => ArrivalCursor;

/** One arrival process: checks its own parameters once, then opens cursors. */
export interface ArrivalDefinition<T extends ArrivalType> {
  type: T;
  /** Validates the process parameters of `spec` (throws LabError) and returns its cursor factory. */
  create(spec: ArrivalSpecOf<T>): ArrivalCursorFactory;
}

/** A cursor that is already exhausted (a zero rate sends nothing). */
export const noArrivals: ArrivalCursor = { next: () => Infinity };
