/**
 * `lab bench wasm-host --packagings ...`: one run, per component packaging (plain,
 * pre-initialised, AOT) and per Wasm host (V8, Wasmtime), the figures that tell what the
 * packaging buys: the bare instantiate floor, host-side cold start p50/p99 and its first-request
 * phase, warm latency p50/p99 (client-side, one request at a time), the pre-warmed spare
 * hand-out (V8), and memory per instance; with the issue's goals checked against them. A
 * packaging that cannot be built is reported with why, and the others go on.
 */
import { loadavg } from 'node:os';
import { COMPONENT_PACKAGINGS, type ComponentPackaging } from '../../../workloads/languages/language.js';
import { benchWasmtimeHost, type Dist, type WasmtimeBenchResult } from './wasm-host.js';
import { benchWasmHost, type WasmBenchResult } from './wasm-v8.js';

/** One packaging on both hosts, or why it could not be measured. */
export interface PackagingRow {
  packaging: ComponentPackaging;
  wasmtime: WasmtimeBenchResult | { error: string };
  v8: WasmBenchResult | { error: string };
}

export interface PackagingsResult {
  workload: string;
  loadAverage: { start: number; end: number };
  rows: PackagingRow[];
}

/** Every packaging in `packagings` on both hosts, one after the other. */
export async function benchPackagings(o: { workload: string; packagings: ComponentPackaging[]; samples: number; seconds: number; connections: number }): Promise<PackagingsResult> {
  const start = loadavg()[0]!;
  const rows: PackagingRow[] = [];
  const attempt = async <T>(fn: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await fn();
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  for (const packaging of o.packagings) {
    const wasmtime = await attempt(() => benchWasmtimeHost({ workload: o.workload, samples: Math.max(o.samples, 100), seconds: o.seconds, connections: o.connections, workers: 1, compareV8: false, packaging }));
    const v8 = await attempt(() => benchWasmHost({ workload: o.workload, samples: o.samples, seconds: o.seconds, connections: o.connections, packaging }));
    rows.push({ packaging, wasmtime, v8 });
  }
  return { workload: o.workload, loadAverage: { start, end: loadavg()[0]! }, rows };
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');
const pp = (d: Dist): string => `${ms(d.p50)} / ${ms(d.p99)}`;
const MiB = 1024 * 1024;
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** Parses `--packagings`: a comma-separated list, or `all`. */
export function parsePackagings(v: string): ComponentPackaging[] {
  if (v === 'all') return [...COMPONENT_PACKAGINGS];
  const out = v.split(',').map((x) => x.trim());
  for (const p of out) if (!(COMPONENT_PACKAGINGS as readonly string[]).includes(p)) throw new Error(`--packagings: ${p} is not one of ${COMPONENT_PACKAGINGS.join(', ')} (or all)`);
  return out as ComponentPackaging[];
}

/** The result as a table, with the goals. */
export function formatPackagings(r: PackagingsResult): string {
  const lines = [
    `wasm host bench by packaging: workload ${r.workload}; load average ${r.loadAverage.start.toFixed(2)} at start, ${r.loadAverage.end.toFixed(2)} at end (the client shares the cores)`,
    '',
    '  packaging                 host      | floor p50 ms | cold start p50 / p99 ms | first request p50 ms | warm p50 / p99 ms (client) | pre-warmed spare p99 ms | USS / instance MiB',
  ];
  const plainV8 = r.rows.find((x) => x.packaging === 'wasm-component' && !('error' in x.v8))?.v8 as WasmBenchResult | undefined;
  const plainWt = r.rows.find((x) => x.packaging === 'wasm-component' && !('error' in x.wasmtime))?.wasmtime as WasmtimeBenchResult | undefined;
  const goals: string[] = [];
  for (const row of r.rows) {
    const name = row.packaging.padEnd(25);
    if ('error' in row.wasmtime) lines.push(`  ${name} wasmtime  | not measured: ${row.wasmtime.error}`);
    else {
      const w = row.wasmtime;
      lines.push(`  ${name} wasmtime  | ${ms(w.floorInstantiateMs.p50).padStart(12)} | ${pp(w.hostColdStartMs).padStart(23)} | ${ms(w.hostFirstResponseMs.p50).padStart(20)} | ${pp(w.warmClientMs).padStart(26)} | ${'-'.padStart(23)} | ${(w.memory.perInstanceUssBytes / MiB).toFixed(2).padStart(8)}`);
      if (row.packaging === 'wasm-component-preinit') {
        goals.push(`  Wasmtime, pre-initialised: cold start p99 ${ms(w.hostColdStartMs.p99)} ms (goal < 1 ms: ${met(w.hostColdStartMs.p99 < 1)}), p50 ${ms(w.hostColdStartMs.p50)} ms (goal < 0.5 ms: ${met(w.hostColdStartMs.p50 < 0.5)})`);
        if (plainWt) goals.push(`  Wasmtime, pre-initialised memory per instance ${(w.memory.perInstanceUssBytes / MiB).toFixed(2)} vs plain ${(plainWt.memory.perInstanceUssBytes / MiB).toFixed(2)} MiB (goal: no more: ${met(w.memory.perInstanceUssBytes <= plainWt.memory.perInstanceUssBytes * 1.02)}, 2 % measurement slack)`);
      }
    }
    if ('error' in row.v8) lines.push(`  ${name} V8        | not measured: ${row.v8.error}`);
    else {
      const v = row.v8;
      lines.push(`  ${name} V8        | ${ms(v.floorInstantiateMs.p50).padStart(12)} | ${pp(v.hostColdStartMs).padStart(23)} | ${ms(v.hostFirstResponseMs.p50).padStart(20)} | ${pp(v.warmClientMs).padStart(26)} | ${ms(v.sparePrewarmedHostMs.p99).padStart(23)} | ${(v.memory.perInstanceUssBytes / MiB).toFixed(2).padStart(8)}`);
      goals.push(`  V8, ${row.packaging}: cold start p99 ${ms(v.hostColdStartMs.p99)} ms = ${(v.hostColdStartMs.p99 / v.floorInstantiateMs.p99).toFixed(2)}x the floor's p99 (goal <= 1.5x: ${met(v.hostColdStartMs.p99 <= 1.5 * v.floorInstantiateMs.p99)}); pre-warmed spare hand-out p99 ${ms(v.sparePrewarmedHostMs.p99)} ms (goal < 1 ms: ${met(v.sparePrewarmedHostMs.p99 < 1)})`);
      if (row.packaging === 'wasm-component-preinit' && plainV8) goals.push(`  V8, pre-initialised memory per instance ${(v.memory.perInstanceUssBytes / MiB).toFixed(2)} vs plain ${(plainV8.memory.perInstanceUssBytes / MiB).toFixed(2)} MiB (goal: no more: ${met(v.memory.perInstanceUssBytes <= plainV8.memory.perInstanceUssBytes * 1.02)})`);
    }
  }
  const floors = r.rows.flatMap((row) => ('error' in row.wasmtime ? [] : [{ packaging: row.packaging, w: row.wasmtime }]));
  if (floors.length > 0) {
    lines.push('', '  Wasmtime activation floor (direct calls on one thread: no HTTP, no pool), p50 ms and minor page faults:', '  packaging                 | instantiate | first request | warm request | first-request excess');
    for (const { packaging, w } of floors) {
      lines.push(`  ${packaging.padEnd(25)} | ${`${ms(w.floorInstantiateMs.p50)} (${w.floorFaults.instantiate})`.padStart(11)} | ${`${ms(w.floorFirstRequestMs.p50)} (${w.floorFaults.firstRequest})`.padStart(13)} | ${`${ms(w.floorWarmRequestMs.p50)} (${w.floorFaults.warmRequest})`.padStart(12)} | ${ms(w.floorFirstRequestMs.p50 - w.floorWarmRequestMs.p50).padStart(20)}`);
    }
    lines.push('  (a cold start cannot be shorter than instantiate + first request here; the excess is what a first request costs over a warm one inside the guest)');
  }
  lines.push('', '  Goals (issue 15):', ...goals, '', '  Cold start is host-side (arrival to first byte inside the host); warm is client-side, one request at a time. Ratios within this run are the figures to quote.');
  return lines.join('\n');
}
