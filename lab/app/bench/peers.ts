/**
 * `lab bench peers`: the lab's Wasm hosts against the reference hosts users trust, on the same
 * component and the same constant-rate load from the lab's engine, in one run:
 *
 * - the lab's Wasmtime host against `wasmtime serve` (same Wasmtime 48), a fresh instance per
 *   request on both (the lab host's default; `wasmtime serve`'s only model);
 * - the lab's V8 host against `jco serve` (same jco), fresh instance per request (the lab host
 *   asked with `x-lab-force-cold`, jco with `--isolate-requests instance`) and one reused
 *   instance (the lab host's warm path, jco without isolation).
 *
 * p50, p99 and errors per pair and rate, and the lab/reference ratio. With two or more cores the
 * engine runs on the last core and the hosts on the others. Pairs take turns, never overlapping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, InputError } from '../../errors.js';
import type { WireFixture } from '../../loadgen/protocol.js';
import type { PopHandle } from '../../pop/contract.js';
import { fixtureRequestBody, loadWorkload } from '../../../workloads/registry.js';
import { jcoServeRunner } from '../../../runners/jco-serve/runner.js';
import { resolveOptions } from '../../../runners/kit/options.js';
import { wasmRunner } from '../../../runners/wasm/runner.js';
import { wasmtimeServeRunner } from '../../../runners/wasmtime-serve/runner.js';
import { wasmtimeRunner } from '../../../runners/wasmtime/runner.js';
import type { Command } from '../commands/command.js';
import { benchCpus, engineAttack, pinTree, type BenchPlacement, type EngineFigures } from './attack.js';

/** One side of a pair: how to launch it and how its requests are routed. */
interface Side {
  name: string;
  launch(workDir: string, workload: string): Promise<PopHandle>;
  /** Ask the PoP for a fresh instance on every request. */
  forceCold: boolean;
}

/** A lab host and its reference, in one instance model. */
interface Pair {
  /** `--pairs` name. */
  id: string;
  name: string;
  model: 'fresh instance per request' | 'one reused instance';
  /**
   * Default rates per workload language: rates both sides can sustain on one core, so the cell
   * compares hosts, not two queues. A fresh StarlingMonkey instance costs ~3 ms of a core on
   * Wasmtime (~330 req/s at most) and ~20 ms on V8 (instantiation copies its data segments);
   * both V8 hosts queue from ~150 req/s of fresh C instances and ~250 req/s warm (measured here).
   */
  rates: Record<'c' | 'js', number[]>;
  lab: Side;
  reference: Side;
}

/** One side's figures over the repeats of a cell: medians of p50 and p99, errors summed, and each repeat. */
export interface SideFigures {
  p50Ms: number;
  p99Ms: number;
  errors: number;
  runs: EngineFigures[];
}

/** One pair, one workload, one rate. */
export interface PeerRow {
  pair: string;
  model: string;
  workload: string;
  rate: number;
  lab: SideFigures;
  reference: SideFigures;
  /** Ratios of the medians, lab / reference. */
  p50Ratio: number;
  p99Ratio: number;
}

/** The whole bench. */
export interface PeersResult extends BenchPlacement {
  seconds: number;
  repeats: number;
  rows: PeerRow[];
}

const keepAlive = { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4096, memoryBudgetMiB: 0 };
const tenant = (workload: string) => [{ id: 'bench', workload }];

const PAIRS: Pair[] = [
  {
    id: 'wasmtime',
    name: 'Wasmtime: lab host vs wasmtime serve',
    model: 'fresh instance per request',
    rates: { c: [1000, 5000], js: [50, 150] },
    lab: { name: 'lab wasmtime host', forceCold: false, launch: (workDir, w) => wasmtimeRunner.launch({ runId: 'bench-peers', tenants: tenant(w), keepAlive, options: resolveOptions(wasmtimeRunner, { poolInstances: 4096 }), requestTimeoutMs: 30_000, workDir }) },
    reference: { name: 'wasmtime serve', forceCold: false, launch: (workDir, w) => wasmtimeServeRunner.launch({ runId: 'bench-peers', tenants: tenant(w), keepAlive, options: resolveOptions(wasmtimeServeRunner, {}), requestTimeoutMs: 30_000, workDir }) },
  },
  {
    id: 'v8-fresh',
    name: 'V8: lab host vs jco serve',
    model: 'fresh instance per request',
    rates: { c: [50, 100], js: [10, 25] },
    lab: { name: 'lab V8 host', forceCold: true, launch: (workDir, w) => wasmRunner.launch({ runId: 'bench-peers', tenants: tenant(w), keepAlive, options: resolveOptions(wasmRunner, {}), requestTimeoutMs: 30_000, workDir }) },
    reference: { name: 'jco serve', forceCold: false, launch: (workDir, w) => jcoServeRunner.launch({ runId: 'bench-peers', tenants: tenant(w), keepAlive, options: resolveOptions(jcoServeRunner, { isolate: 'instance' }), requestTimeoutMs: 30_000, workDir }) },
  },
  {
    id: 'v8-reused',
    name: 'V8: lab host vs jco serve',
    model: 'one reused instance',
    rates: { c: [100, 250], js: [50, 100] },
    lab: { name: 'lab V8 host', forceCold: false, launch: (workDir, w) => wasmRunner.launch({ runId: 'bench-peers', tenants: tenant(w), keepAlive: { ...keepAlive, maxInstancesPerTenant: 1 }, options: resolveOptions(wasmRunner, {}), requestTimeoutMs: 30_000, workDir }) },
    reference: { name: 'jco serve', forceCold: false, launch: (workDir, w) => jcoServeRunner.launch({ runId: 'bench-peers', tenants: tenant(w), keepAlive, options: resolveOptions(jcoServeRunner, { isolate: 'none' }), requestTimeoutMs: 30_000, workDir }) },
  },
];

/** The workload's first traffic fixture, as the engine sends it. */
function fixtureOf(workload: string): WireFixture {
  const f = loadWorkload(workload).trafficFixtures[0]!;
  return { method: f.request.method, path: f.request.path, headers: f.request.headers, body: fixtureRequestBody(f), expectStatus: f.expect.status };
}

/** Launches `side`, pins it, runs `rate` for `seconds`, stops it. */
async function measureSide(side: Side, workload: string, rate: number, seconds: number, cpus: BenchPlacement): Promise<EngineFigures> {
  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-peers-'));
  const handle = await side.launch(workDir, workload);
  try {
    const hostPid = (handle as PopHandle & { hostPid?: number }).hostPid;
    if (cpus.sutCpus && hostPid !== undefined) await pinTree(hostPid, cpus.sutCpus);
    const plain = handle.plain?.urls[workload];
    return await engineAttack({ url: plain ?? handle.url, route: plain ? 'plain' : 'pop', fixture: fixtureOf(workload), rate, seconds, forceCold: side.forceCold, ...(cpus.generatorCpus ? { cpus: cpus.generatorCpus } : {}) });
  } finally {
    await handle.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs the bench. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function side(runs: EngineFigures[]): SideFigures {
  return { p50Ms: median(runs.map((r) => r.p50Ms)), p99Ms: median(runs.map((r) => r.p99Ms)), errors: runs.reduce((a, r) => a + r.errors, 0), runs };
}

export async function benchPeers(o: { workloads: string[]; rates?: number[]; pairs?: string[]; seconds: number; repeats: number; pin: boolean }): Promise<PeersResult> {
  const cpus = benchCpus(o.pin);
  const rows: PeerRow[] = [];
  let k = 0;
  for (const pair of PAIRS.filter((p) => !o.pairs || o.pairs.includes(p.id))) {
    for (const workload of o.workloads) {
      const language = loadWorkload(workload).manifest.language === 'c' ? 'c' : 'js';
      for (const rate of o.rates ?? pair.rates[language]) {
        // Repeats alternate who goes first (A B, B A, ...), so a noisy spell of this shared
        // machine or its slow drift lands on both sides; the medians are compared.
        const labRuns: EngineFigures[] = [];
        const refRuns: EngineFigures[] = [];
        for (let r = 0; r < o.repeats; r++) {
          const labFirst = k++ % 2 === 0;
          for (const s of labFirst ? [pair.lab, pair.reference] : [pair.reference, pair.lab]) (s === pair.lab ? labRuns : refRuns).push(await measureSide(s, workload, rate, o.seconds, cpus));
        }
        const lab = side(labRuns);
        const reference = side(refRuns);
        rows.push({ pair: pair.name, model: pair.model, workload, rate, lab, reference, p50Ratio: lab.p50Ms / reference.p50Ms, p99Ratio: lab.p99Ms / reference.p99Ms });
      }
    }
  }
  return { seconds: o.seconds, repeats: o.repeats, ...cpus, rows };
}

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** The result as a table. */
export function formatPeers(r: PeersResult): string {
  const pin = r.generatorCpus ? `the lab's engine on CPU ${r.generatorCpus.join(',')}, the hosts on CPU ${r.sutCpus!.join(',')}` : 'not pinned: the engine and the hosts share the cores';
  const lines = [`peers: the lab's Wasm hosts vs the reference hosts, same component, same constant-rate load from the lab's engine, ${r.repeats} x ${r.seconds} s per side and cell (alternated, medians compared); ${r.cores} cores, load average ${r.loadAverageBefore.toFixed(2)} before; ${pin}`, ''];
  let last = '';
  for (const row of r.rows) {
    const head = `${row.pair}, ${row.model}`;
    if (head !== last) lines.push(`  ${head}`, '    workload      rate | lab p50 / p99 ms (errors)   | reference p50 / p99 ms (errors) | lab/reference p50  p99 | p99 of each repeat, lab ; reference');
    last = head;
    lines.push(
      `    ${row.workload.padEnd(10)} ${String(row.rate).padStart(6)} | ${`${f3(row.lab.p50Ms)} / ${f3(row.lab.p99Ms)} (${row.lab.errors})`.padEnd(27)} | ${`${f3(row.reference.p50Ms)} / ${f3(row.reference.p99Ms)} (${row.reference.errors})`.padEnd(31)} | ${row.p50Ratio.toFixed(2).padStart(16)}x ${row.p99Ratio.toFixed(2).padStart(4)}x | ${row.lab.runs.map((x) => f3(x.p99Ms)).join(' ')} ; ${row.reference.runs.map((x) => f3(x.p99Ms)).join(' ')}`,
    );
  }
  lines.push('', '  Ratios are the figure to quote: absolute times on this machine move by tens of percent between runs.');
  return lines.join('\n');
}

function list(v: string, what: string, num: boolean): string[] {
  const out = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (out.length === 0 || (num && out.some((x) => !(Number(x) > 0)))) throw new InputError(`${what} must be a comma-separated list${num ? ' of positive numbers' : ''}, got ${v}`);
  return out;
}

/** `lab bench peers`. */
export const benchPeersCommand: Command = {
  name: 'peers',
  summary: "the lab's Wasm hosts vs wasmtime serve and jco serve on the same component and load (p50, p99, errors, ratio)",
  usage: `lab bench peers [--workloads hello-c,hello] [--pairs wasmtime,v8-fresh,v8-reused] [--rates N,...] [--seconds 5] [--repeats 3] [--no-pin] [--json]

Pairs: lab Wasmtime host vs wasmtime serve (fresh instance per request on both); lab V8 host vs
jco serve (fresh instance per request, and one reused instance). Each pair has default rates per
workload language that both sides sustain on one core (C on Wasmtime: 1000 and 5000 req/s);
--rates replaces them for every cell.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        workloads: { type: 'string', default: 'hello-c,hello' },
        rates: { type: 'string' },
        pairs: { type: 'string' },
        seconds: { type: 'string', default: '5' },
        repeats: { type: 'string', default: '3' },
        'no-pin': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const seconds = Number(values.seconds);
    if (!(seconds > 0 && seconds <= 600)) throw new InputError('--seconds must be in (0, 600]');
    const repeats = Number(values.repeats);
    if (!(Number.isInteger(repeats) && repeats >= 1 && repeats <= 20)) throw new InputError('--repeats must be an integer in [1, 20]');
    const workloads = list(values.workloads, '--workloads', false);
    for (const w of workloads) loadWorkload(w);
    const pairs = values.pairs === undefined ? undefined : list(values.pairs, '--pairs', false);
    for (const p of pairs ?? []) if (!PAIRS.some((x) => x.id === p)) throw new InputError(`--pairs: unknown pair ${p} (known: ${PAIRS.map((x) => x.id).join(', ')})`);
    const r = await benchPeers({ workloads, ...(values.rates !== undefined ? { rates: list(values.rates, '--rates', true).map(Number) } : {}), ...(pairs ? { pairs } : {}), seconds, repeats, pin: values['no-pin'] !== true });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatPeers(r)}\n`);
    return ExitCode.ok;
  },
};
