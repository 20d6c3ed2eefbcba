/**
 * The fleet's PoPs, one at a time: PoP i of the fleet (classes in file order, then the explicit
 * PoPs) is computed from the fleet file alone, its spread values and its seed drawn from streams
 * keyed by the fleet seed and the PoP's id. So a shard expands only its own PoPs, and a PoP is
 * the same whichever shard, worker or machine expands it.
 */
import { InputError } from '../errors.js';
import { seededRng } from '../traffic/rng.js';
import { EXPLICIT_POPS_CLASS, type FleetClass, type LoadedFleet, type PopSpec } from './types.js';
import type { WorkloadMixEntry } from '../scenario/types.js';

/** Random streams of the expansion, forked from the fleet seed. */
export const FLEET_STREAMS = { root: 'fleet-pop', spread: 'spread', zone: 'zone', seed: 'seed' } as const;

/**
 * The price of a host without one of its own: the fleet's `cost.hostPerHour`, else the base
 * scenario's `cost.hostPerHour` (the price of its host, taken for every size: the result says so).
 */
export function defaultHostPrice(loaded: LoadedFleet): { value: number; from: 'fleet' | 'base scenario' } | undefined {
  const own = loaded.fleet.cost?.hostPerHour;
  if (own !== undefined) return { value: own, from: 'fleet' };
  const base = loaded.base.scenario.cost?.hostPerHour;
  return base !== undefined ? { value: base, from: 'base scenario' } : undefined;
}

/** PoPs the fleet describes. */
export function popCount(loaded: LoadedFleet): number {
  return loaded.fleet.classes.reduce((a, c) => a + c.count, 0) + loaded.fleet.pops.length;
}

/** The id of PoP k (0-based) of a class: `<name>-<k+1>`, zero-padded to the class count's width, so ids sort in class order. */
export function classPopId(c: Pick<FleetClass, 'name' | 'count'>, k: number): string {
  return `${c.name}-${String(k + 1).padStart(String(c.count).length, '0')}`;
}

/** A factor uniform in [1 - s, 1 + s]. */
const factor = (u: number, s: number): number => 1 + s * (2 * u - 1);

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Mix weights each spread, then scaled to sum to 1 (rounded to 1e-6, enough for any planner). */
function spreadMix(mix: WorkloadMixEntry[], s: number, draw: () => number): WorkloadMixEntry[] {
  if (s === 0) return mix.map((m) => ({ ...m }));
  const raw = mix.map((m) => m.weight * factor(draw(), s));
  const sum = raw.reduce((a, b) => a + b, 0);
  return mix.map((m, i) => ({ workload: m.workload, weight: round(raw[i]! / sum, 6) }));
}

/** PoP `index` of the fleet, expanded. */
export function popAt(loaded: LoadedFleet, index: number): PopSpec {
  const f = loaded.fleet;
  const baseMix = loaded.base.scenario.tenants.mix;
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`PoP index must be a whole number >= 0, got ${index}`);
  const root = seededRng(f.seed).fork(FLEET_STREAMS.root);
  const price = defaultHostPrice(loaded)?.value;
  let at = index;
  for (const c of f.classes) {
    if (at >= c.count) {
      at -= c.count;
      continue;
    }
    const id = classPopId(c, at);
    const rng = root.fork(id);
    const spread = rng.fork(FLEET_STREAMS.spread);
    const draw = () => spread.next();
    // Fixed draw order: tenants, rate, then one per mix entry; the zone and seed have streams of their own.
    const tenants = Math.max(1, Math.round(c.tenants * factor(draw(), c.spread.tenants)));
    const rate = round(c.rate * factor(draw(), c.spread.rate), 3);
    const mix = spreadMix(c.mix ?? baseMix, c.spread.mix, draw);
    const zones = c.utcOffsetHours;
    const utcOffsetHours = zones[rng.fork(FLEET_STREAMS.zone).uniformInt(zones.length)]!;
    return {
      index,
      id,
      class: c.name,
      tenants,
      rate: Math.max(rate, 0.001),
      host: { ...c.host },
      ...((c.hostPerHour ?? price) !== undefined ? { hostPerHour: (c.hostPerHour ?? price)! } : {}),
      mix,
      utcOffsetHours,
      seed: rng.fork(FLEET_STREAMS.seed).nextUint32(),
    };
  }
  const p = f.pops[at];
  if (!p) throw new InputError(`the fleet ${loaded.file} has ${popCount(loaded)} PoPs; there is no PoP ${index}`);
  return {
    index,
    id: p.id,
    class: EXPLICIT_POPS_CLASS,
    tenants: p.tenants,
    rate: p.rate,
    host: { ...p.host },
    ...((p.hostPerHour ?? price) !== undefined ? { hostPerHour: (p.hostPerHour ?? price)! } : {}),
    mix: (p.mix ?? baseMix).map((m) => ({ ...m })),
    utcOffsetHours: p.utcOffsetHours,
    seed: root.fork(p.id).fork(FLEET_STREAMS.seed).nextUint32(),
  };
}

/** A shard of K: which one, 0-based. */
export interface ShardRef {
  index: number;
  count: number;
}

/**
 * The PoP indices of one shard, ascending: every K-th PoP from the shard's index. Interleaving
 * (not contiguous ranges) gives every shard a share of each class, so shards of a fleet whose
 * classes differ in cost take about the same time. `sample`, when given, restricts the fleet
 * to that many PoPs evenly spaced over it (a benchmark's fleet), before sharding.
 */
export function* shardPopIndices(total: number, shard: ShardRef, sample?: number): Generator<number> {
  const n = sample === undefined ? total : Math.min(total, sample);
  for (let j = shard.index; j < n; j += shard.count) yield sample === undefined ? j : Math.floor((j * total) / n);
}

/** Parses `i/K` (`--shard 3/8`): shard i of K, 0-based. */
export function parseShard(text: string): ShardRef {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`--shard takes <index>/<count>, 0-based (e.g. 0/8), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1) || index >= count) throw new InputError(`--shard ${text}: the index must be below the count (0 to ${Math.max(0, count - 1)} of ${count})`);
  return { index, count };
}
