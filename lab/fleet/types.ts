/**
 * The resolved fleet file: what `lab simulate --fleet` reads once the file is validated and
 * defaulted (scenarios/fleet.schema.json). A fleet is a base scenario plus PoPs; classes
 * describe thousands of PoPs in a few lines, each PoP expanded on demand (expand.ts), so no
 * process ever needs the whole fleet's PoPs at once.
 */
import type { LoadedScenario, WorkloadMixEntry } from '../scenario/types.js';

/** One host of a PoP. */
export interface FleetHost {
  memoryGiB: number;
  cores: number;
}

/** Relative spread of a class's values: each PoP's value x a factor uniform in [1 - s, 1 + s]. */
export interface FleetSpread {
  tenants: number;
  rate: number;
  mix: number;
}

/** A PoP template with a count. */
export interface FleetClass {
  name: string;
  count: number;
  tenants: number;
  rate: number;
  host: FleetHost;
  hostPerHour?: number;
  /** Absent: the base scenario's mix. */
  mix?: WorkloadMixEntry[];
  utcOffsetHours: number[];
  spread: FleetSpread;
}

/** One PoP written out in the file. */
export interface FleetPopInput {
  id: string;
  tenants: number;
  rate: number;
  host: FleetHost;
  hostPerHour?: number;
  mix?: WorkloadMixEntry[];
  utcOffsetHours: number;
}

/** The compressed day every PoP follows, shifted by its time zone. */
export interface FleetDiurnal {
  periodSeconds: number;
  amplitude: number;
  peakLocalHour: number;
  startUtcHour: number;
}

/** A fleet file, validated and defaulted. */
export interface FleetSpec {
  name: string;
  description: string;
  /** The base scenario's path as written (relative to the fleet file). */
  base: string;
  seed: number;
  runtimes?: string[];
  simulate: { warmupSeconds?: number; durationSeconds?: number };
  diurnal?: FleetDiurnal;
  cost?: { hostPerHour?: number; currency: string };
  classes: FleetClass[];
  pops: FleetPopInput[];
}

/** A fleet file with where it came from and its base scenario, loaded. */
export interface LoadedFleet {
  fleet: FleetSpec;
  /** Absolute path of the fleet file. */
  file: string;
  source: string;
  /** sha256 of `source`. */
  hash: string;
  base: LoadedScenario;
}

/** One PoP of the fleet, expanded: everything its simulation needs. */
export interface PopSpec {
  /** Position in the fleet's expansion: classes in file order, then the explicit PoPs. */
  index: number;
  id: string;
  /** Its class's name; `pops` for the explicit PoPs. */
  class: string;
  tenants: number;
  rate: number;
  host: FleetHost;
  hostPerHour?: number;
  mix: WorkloadMixEntry[];
  utcOffsetHours: number;
  /** Seed of its schedule and simulator streams, from the fleet seed and its id. */
  seed: number;
}

/** The class name the explicit PoPs are counted under. */
export const EXPLICIT_POPS_CLASS = 'pops';
