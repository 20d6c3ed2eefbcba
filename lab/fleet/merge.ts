/**
 * `lab merge`: shard results joined into one fleet result. The shards must be one complete set
 * of one fleet run (same fleet file, base scenario, seed, sample and calibration; every index
 * 0..K-1 exactly once, every PoP exactly once); anything else is an error naming the files.
 * Everything the result says about the fleet is computed here from the PoPs in fleet order and
 * from integer histogram counts, so the merge of K shards equals the merge of one.
 */
import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import { decodeHistogram, mergeInto, newHistogram, summarise, type Histogram } from '../measure/histogram.js';
import { FLEET_BINDING_EXAMPLES, RESULT_SCHEMA_VERSION, type BindingResource, type FleetLatency, type FleetPopSummary, type FleetResult, type FleetRuntimeTotals, type FleetShardResult, type ValidationSummary } from '../results/model.js';
import { finishRepro, startRepro } from '../results/repro.js';
import { loadAnyResult } from '../results/store.js';
import { HOURS_PER_MONTH } from './cost.js';
import { shardFileName } from './shard.js';

/** A shard result and the file it came from. */
export interface ShardFile {
  file: string;
  result: FleetShardResult;
}

/** Reads a shard file, refusing anything else (a merged fleet, a run result). */
export function readShard(file: string): ShardFile {
  const r = loadAnyResult(file);
  if (r.kind !== 'fleet-shard') throw new InputError(`${file} is not a fleet shard result (kind ${String(r.kind)}); lab merge joins the shard-<i>-of-<K>.json files of one lab simulate --fleet run`);
  return { file, result: r };
}

/** What a merge adds besides the shards. */
export interface MergeOptions {
  /** The latest simulator validations, quoted as simulated results quote them. */
  validation?: ValidationSummary;
  outOfSample?: ValidationSummary;
  /** Worker threads and wall time of the local run that produced the shards. */
  workers?: number;
  wallSeconds?: number;
}

/** The fields two shards of one fleet run must share, with how to say each in a message. */
const SAME: [string, (s: FleetShardResult) => unknown][] = [
  ['fleet file (its sha256)', (s) => s.fleet.hash],
  ['base scenario (its sha256)', (s) => s.fleet.base.hash],
  ['fleet seed', (s) => s.fleet.seed],
  ['PoP sample', (s) => s.fleet.sample ?? 'all PoPs'],
  ['calibration (its sha256)', (s) => s.calibration.digest],
  ['shard count', (s) => s.shard.count],
];

/** Checks the shards are one complete set of one fleet run; throws naming the files otherwise. */
export function checkShardSet(shards: readonly ShardFile[]): void {
  if (shards.length === 0) throw new InputError('lab merge: no shard results given');
  const first = shards[0]!;
  for (const s of shards.slice(1)) {
    for (const [what, get] of SAME) {
      if (get(s.result) !== get(first.result)) throw new InputError(`${s.file} and ${first.file} are not shards of one fleet run: their ${what} differ (${String(get(s.result))} vs ${String(get(first.result))})`);
    }
  }
  const count = first.result.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const i = s.result.shard.index;
    const other = byIndex.get(i);
    if (other !== undefined) throw new InputError(`shard ${i} of ${count} is given twice: ${other} and ${s.file}; give each shard once`);
    byIndex.set(i, s.file);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10);
    throw new InputError(
      `missing shard${missing.length === 1 ? '' : 's'} ${shown.join(', ')}${missing.length > shown.length ? ` and ${missing.length - shown.length} more` : ''} of ${count} (expected ${shown.map((i) => shardFileName({ index: i, count })).join(', ')}${missing.length > shown.length ? ', ...' : ''}); simulate ${missing.length === 1 ? 'it' : 'them'} with lab simulate --fleet <file> --shard <i>/${count}, or rerun the Job's failed indexes`,
    );
  }
}

/** Sum in fleet order (the same order whatever the sharding, so the float sums are equal too). */
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** One runtime's totals over a list of PoPs (fleet order). */
export function runtimeTotals(pops: readonly FleetPopSummary[], label: string): FleetRuntimeTotals {
  const served = pops.filter((p) => p.runtimes[label]?.hosts != null);
  const binding: FleetRuntimeTotals['binding'] = {};
  const bindingExamples: FleetRuntimeTotals['bindingExamples'] = {};
  for (const p of pops) {
    const r = p.runtimes[label];
    if (!r) continue;
    const k: BindingResource = r.binding.resource;
    binding[k] = (binding[k] ?? 0) + 1;
    const ex = (bindingExamples[k] ??= []);
    if (ex.length < FLEET_BINDING_EXAMPLES) ex.push(p.id);
  }
  const hosts = sum(served.map((p) => p.runtimes[label]!.hosts!));
  const tenants = sum(served.map((p) => p.tenants));
  const rate = sum(served.map((p) => p.rate));
  const priced = served.length > 0 && served.every((p) => p.runtimes[label]!.costPerHour !== null);
  const totals: FleetRuntimeTotals = {
    pops: pops.length,
    unservable: pops.filter((p) => p.runtimes[label] && p.runtimes[label]!.hosts === null).map((p) => p.id),
    hosts,
    tenants,
    rate,
    binding,
    bindingExamples,
    tenantsPerHost: hosts > 0 ? tenants / hosts : 0,
  };
  if (priced) {
    const costPerHour = sum(served.map((p) => p.runtimes[label]!.costPerHour!));
    totals.costPerHour = costPerHour;
    totals.costPerMonth = costPerHour * HOURS_PER_MONTH;
    totals.perMillionRequests = (costPerHour / (rate * 3600)) * 1e6;
    totals.perTenantMonth = totals.costPerMonth / tenants;
  }
  return totals;
}

/** A histogram in a form that depends only on its counts, not on the order it was merged in. */
function canonical(h: Histogram): Histogram {
  const c = newHistogram();
  mergeInto(c, h);
  return c;
}

/** The cost figures' assumptions, in words. */
function assumptions(first: FleetShardResult): string[] {
  const f = first.fleet;
  return [
    `each PoP runs on whole hosts of its own size (its class's or its own memory and cores), billed every hour of a ${HOURS_PER_MONTH}-hour month at its class's price${f.currency ? ` in ${f.currency}` : ''}`,
    ...(f.defaultHostPerHour?.from === 'base scenario'
      ? [`hosts without a price of their own cost the base scenario's price of its host (${f.defaultHostPerHour.value} per hour for ${f.defaultHostPerHour.host?.memoryGiB} GiB and ${f.defaultHostPerHour.host?.cores} cores), whatever their size: give the fleet or its classes prices to size them`]
      : []),
    ...(f.currency === undefined ? ['no host has a price (the fleet, its classes and the base scenario give none): no cost figures'] : []),
    "a PoP's tenants are spread evenly over its hosts: each host is simulated as a PoP of ceil(tenants / hosts) tenants at the PoP's per-tenant rate, its workload mix and its time of day, with the base scenario's popularity law, keep-alive, cache and SLO",
    "a host's instances may use its memory less the runtime's fixed overhead (the base scenario's live memory budget does not apply)",
    `the SLO holds over the simulated window (${f.warmupSeconds} s warm-up, ${f.durationSeconds} s measured per probe); with a diurnal curve a PoP is sized for the hours of its day that window covers`,
    "the fleet latency counts each PoP's operating host once per host of the PoP (its hosts are alike)",
    `calibration: ${first.calibration.note}`,
  ];
}

/** Joins a complete set of shards into the fleet result. */
export function mergeShardResults(shards: readonly ShardFile[], opts: MergeOptions = {}): FleetResult {
  checkShardSet(shards);
  const ordered = [...shards].sort((a, b) => a.result.shard.index - b.result.shard.index);
  const first = ordered[0]!.result;
  const expected = first.fleet.sample ?? first.fleet.pops;
  const pops = ordered.flatMap((s) => s.result.pops).sort((a, b) => a.index - b.index);
  pops.forEach((p, k) => {
    if (k > 0 && pops[k - 1]!.index === p.index) throw new InputError(`PoP ${p.id} (index ${p.index}) appears in two shards; the shards are corrupt, simulate them again`);
  });
  if (pops.length !== expected) throw new InputError(`the shards hold ${pops.length} PoPs, the fleet ${first.fleet.name} has ${expected}${first.fleet.sample !== undefined ? ' (sampled)' : ''}: a shard file is truncated or from another run; simulate it again`);
  const labels = first.fleet.runtimes;
  const latency: Record<string, FleetLatency> = {};
  for (const label of labels) {
    const parts = { all: newHistogram(), warm: newHistogram(), cold: newHistogram() };
    for (const s of ordered) {
      const l = s.result.latency[label];
      if (!l) continue;
      for (const k of ['all', 'warm', 'cold'] as const) mergeInto(parts[k], decodeHistogram(l[k].hdr));
    }
    latency[label] = { all: summarise(canonical(parts.all)), warm: summarise(canonical(parts.warm)), cold: summarise(canonical(parts.cold)) };
  }
  const classes = first.fleet.classes.map((c) => c.name);
  const byClass: FleetResult['byClass'] = {};
  for (const c of classes) {
    const members = pops.filter((p) => p.class === c);
    if (members.length > 0) byClass[c] = Object.fromEntries(labels.map((l) => [l, runtimeTotals(members, l)]));
  }
  const perShard = ordered.map((s) => ({ index: s.result.shard.index, pops: s.result.pops.length, file: s.file, ...s.result.execution }));
  const startedAt = perShard.map((s) => s.startedAt).sort()[0]!;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'fleet',
    runId: `${first.fleet.name}-fleet-${startedAt.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
    status: 'complete',
    startedAt,
    finishedAt: new Date().toISOString(),
    fleet: first.fleet,
    calibration: first.calibration,
    pops,
    totals: Object.fromEntries(labels.map((l) => [l, runtimeTotals(pops, l)])),
    byClass,
    latency,
    assumptions: assumptions(first),
    execution: {
      shards: first.shard.count,
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.wallSeconds !== undefined ? { wallSeconds: opts.wallSeconds } : {}),
      simulatedRequests: sum(perShard.map((s) => s.simulatedRequests)),
      perShard,
    },
    repro: finishRepro(startRepro({ scenarioHash: first.fleet.hash, seed: first.fleet.seed, runtimeVersions: {}, artifactDigests: {} })),
    ...(opts.validation ? { validation: opts.validation } : {}),
    ...(opts.outOfSample ? { outOfSample: opts.outOfSample } : {}),
  };
}

/**
 * The part of a fleet result that is the outcome: everything but when and where it ran (run id,
 * times, execution, machine). Two runs of one fleet with the same seed and calibration give
 * byte-identical outcomes, however they were sharded.
 */
export function fleetOutcome(r: FleetResult): Omit<FleetResult, 'runId' | 'startedAt' | 'finishedAt' | 'execution' | 'repro'> {
  const { runId: _r, startedAt: _s, finishedAt: _f, execution: _e, repro: _p, ...outcome } = r;
  return outcome;
}
