/** What a fleet result records of its fleet file and base scenario (FleetRecord), built once per shard and checked equal at merge. */
import type { FleetRecord } from '../results/model.js';
import { sloObjectives, sloText } from '../sim/slo.js';
import { defaultHostPrice, popCount } from './expand.js';
import { fleetRuntimeLabels, fleetWindow } from './pop-scenario.js';
import { EXPLICIT_POPS_CLASS, type LoadedFleet } from './types.js';

/** The fleet's record; `sample`, when given, is the number of PoPs a benchmark simulates out of them. */
export function fleetRecord(loaded: LoadedFleet, sample?: number): FleetRecord {
  const f = loaded.fleet;
  const b = loaded.base;
  const window = fleetWindow(loaded);
  const defaultPrice = defaultHostPrice(loaded);
  const priced = defaultPrice !== undefined || f.classes.some((c) => c.hostPerHour !== undefined) || f.pops.some((p) => p.hostPerHour !== undefined);
  const currency = f.cost?.currency ?? b.scenario.cost?.currency ?? 'USD';
  return {
    name: f.name,
    description: f.description,
    file: loaded.file,
    hash: loaded.hash,
    source: loaded.source,
    seed: f.seed,
    pops: popCount(loaded),
    base: { name: b.scenario.name, file: b.file, hash: b.hash, source: b.source },
    runtimes: fleetRuntimeLabels(loaded),
    slo: sloText(sloObjectives(b.scenario.slo)),
    classes: [...f.classes.map((c) => ({ name: c.name, count: c.count })), ...(f.pops.length ? [{ name: EXPLICIT_POPS_CLASS, count: f.pops.length }] : [])],
    ...(priced ? { currency } : {}),
    ...(defaultPrice ? { defaultHostPerHour: defaultPrice.from === 'base scenario' ? { ...defaultPrice, host: { ...b.scenario.host } } : defaultPrice } : {}),
    warmupSeconds: window.warmupSeconds,
    durationSeconds: window.durationSeconds,
    ...(sample !== undefined ? { sample: Math.min(sample, popCount(loaded)) } : {}),
  };
}
