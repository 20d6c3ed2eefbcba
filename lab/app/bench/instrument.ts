/**
 * `lab bench instrument`: the lab's load engine checked against Vegeta, the open-loop tool users
 * trust, on the same endpoint at the same constant rates, in one run: p50, p99, max, errors and
 * the lab/Vegeta ratio per rate, with the engine's own send lateness; then the engine's ceiling
 * (the highest rate whose lateness p99 stays under 1 ms and whose answers keep up) against a
 * trivial native endpoint. The endpoint is the lab's Wasmtime host serving the C hello component
 * with a fresh instance per request. With two or more cores, the generators run pinned to the last core and the system
 * under test to the others, and the output says so; the two generators take turns, never
 * overlapping.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ExitCode, InputError, RuntimeFailure } from '../../errors.js';
import { loadEngine } from '../../loadgen/client.js';
import type { PopHandle } from '../../pop/contract.js';
import { resolveOptions } from '../../../runners/kit/options.js';
import { wasmtimeRunner } from '../../../runners/wasmtime/runner.js';
import type { Command } from '../commands/command.js';
import { benchCpus, engineAttack, GET_ROOT, pinTree, type BenchPlacement, type EngineFigures } from './attack.js';
import { vegetaAttack, VEGETA_VERSION, type VegetaFigures } from './vegeta.js';

/** One rate: both generators and their ratio. */
export interface InstrumentRow {
  rate: number;
  lab: EngineFigures;
  vegeta: VegetaFigures;
  /** lab / Vegeta. */
  p50Ratio: number;
  p99Ratio: number;
}

/** The whole bench. */
export interface InstrumentResult extends BenchPlacement {
  endpoint: string;
  seconds: number;
  vegetaVersion: string;
  rows: InstrumentRow[];
  /** The engine against a trivial endpoint: each rate tried, and the highest whose lateness p99 < 1 ms without errors. */
  ceiling: { rate: number | null; tried: { rate: number; lateP99Ms: number; p99Ms: number; errors: number }[] };
}

/** Goal of the ceiling search: lateness p99 under this many ms... */
const CEILING_LATENESS_MS = 1;
/** ...and the trivial endpoint's answers keep up: latency p99 under this many ms (sends on time whose answers pile up are no sustained rate). */
const CEILING_LATENCY_MS = 10;

/** The engine's trivial endpoint (`--serve`), pinned to `cpus` when given. */
async function trivialEndpoint(cpus?: number[]): Promise<{ url: string; stop(): Promise<void> }> {
  const binary = await loadEngine();
  const child = spawn(binary, ['--serve', '127.0.0.1:0', ...(cpus ? ['--cpus', cpus.join(',')] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      const m = JSON.parse(line) as { type: string; url?: string; message?: string };
      if (m.type === 'ready' && m.url) resolve(m.url);
      else reject(new RuntimeFailure(`trivial endpoint: ${m.message ?? line}`));
    });
    child.once('exit', (code) => reject(new RuntimeFailure(`trivial endpoint exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin.end();
      await exited;
    },
  };
}

/** Runs the bench. */
export async function benchInstrument(o: { rates: number[]; seconds: number; ceilingRates: number[]; ceilingSeconds: number; pin: boolean }): Promise<InstrumentResult> {
  const placement = benchCpus(o.pin);
  const { generatorCpus, sutCpus } = placement;
  const workDir = mkdtempSync(join(tmpdir(), 'lab-bench-instrument-'));
  let host: PopHandle | undefined;
  const rows: InstrumentRow[] = [];
  try {
    host = await wasmtimeRunner.launch({
      runId: `bench-instrument-${process.pid}`,
      tenants: [{ id: 'bench', workload: 'hello-c' }],
      // No cap that a 20,000 req/s burst could reach: the bench measures generators, not queueing.
      keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 4096, memoryBudgetMiB: 0 },
      options: resolveOptions(wasmtimeRunner, { poolInstances: 4096 }),
      requestTimeoutMs: 30_000,
      workDir,
    });
    const hostPid = (host as PopHandle & { hostPid?: number }).hostPid;
    if (sutCpus && hostPid !== undefined) await pinTree(hostPid, sutCpus);
    const url = `${host.url}/t/bench/`;
    for (const [k, rate] of o.rates.entries()) {
      // Alternate who goes first, so slow drift of the machine favours neither.
      const runLab = () => engineAttack({ url: host!.url, route: 'pop', fixture: GET_ROOT, rate, seconds: o.seconds, ...(generatorCpus ? { cpus: generatorCpus } : {}) });
      const runVegeta = () => vegetaAttack(url, rate, o.seconds, generatorCpus ?? undefined);
      let lab: EngineFigures;
      let vegeta: VegetaFigures;
      if (k % 2 === 0) {
        lab = await runLab();
        vegeta = await runVegeta();
      } else {
        vegeta = await runVegeta();
        lab = await runLab();
      }
      rows.push({ rate, lab, vegeta, p50Ratio: lab.p50Ms / vegeta.p50Ms, p99Ratio: lab.p99Ms / vegeta.p99Ms });
    }
  } finally {
    await host?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  const tried: InstrumentResult['ceiling']['tried'] = [];
  let best: number | null = null;
  const trivial = await trivialEndpoint(sutCpus ?? undefined);
  try {
    for (const rate of o.ceilingRates) {
      const f = await engineAttack({ url: trivial.url, route: 'plain', fixture: GET_ROOT, rate, seconds: o.ceilingSeconds, ...(generatorCpus ? { cpus: generatorCpus } : {}) });
      tried.push({ rate, lateP99Ms: f.lateP99Ms, p99Ms: f.p99Ms, errors: f.errors });
      if (f.lateP99Ms >= CEILING_LATENESS_MS || f.p99Ms >= CEILING_LATENCY_MS || f.errors > 0) break;
      best = rate;
    }
  } finally {
    await trivial.stop();
  }
  return { endpoint: 'lab Wasmtime host, C hello component, fresh instance per request', seconds: o.seconds, ...placement, vegetaVersion: VEGETA_VERSION, rows, ceiling: { rate: best, tried } };
}

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** The result as a table. */
export function formatInstrument(r: InstrumentResult): string {
  const pin = r.generatorCpus ? `generators on CPU ${r.generatorCpus.join(',')}, system under test on CPU ${r.sutCpus!.join(',')} (no core shared)` : 'not pinned: generators and the system under test share the cores';
  const lines = [
    `instrument: the lab's load engine vs Vegeta ${r.vegetaVersion}, ${r.endpoint}, constant rate, ${r.seconds} s per rate; ${r.cores} cores, load average ${r.loadAverageBefore.toFixed(2)} before; ${pin}`,
    '',
    '  rate req/s | lab p50 / p99 / max ms (errors)      | Vegeta p50 / p99 / max ms (errors)   | lab/Vegeta p50  p99 | lab send lateness p99 / max ms',
  ];
  for (const row of r.rows) {
    const l = row.lab;
    const v = row.vegeta;
    lines.push(
      `  ${String(row.rate).padStart(10)} | ${`${f3(l.p50Ms)} / ${f3(l.p99Ms)} / ${f3(l.maxMs)} (${l.errors})`.padEnd(36)} | ${`${f3(v.p50Ms)} / ${f3(v.p99Ms)} / ${f3(v.maxMs)} (${v.errors})`.padEnd(36)} | ${row.p50Ratio.toFixed(2).padStart(14)}x ${row.p99Ratio.toFixed(2).padStart(4)}x | ${f3(l.lateP99Ms)} / ${f3(l.lateMaxMs)}`,
    );
  }
  lines.push('', `  engine ceiling against a trivial native endpoint (lateness p99 < ${CEILING_LATENESS_MS} ms, latency p99 < ${CEILING_LATENCY_MS} ms, no errors): ${r.ceiling.rate === null ? 'not reached at the lowest rate tried' : `${r.ceiling.rate} req/s`}`);
  for (const t of r.ceiling.tried) lines.push(`    ${String(t.rate).padStart(7)} req/s: lateness p99 ${f3(t.lateP99Ms)} ms, latency p99 ${f3(t.p99Ms)} ms, ${t.errors} errors`);
  lines.push('', '  Ratios are the figure to quote: absolute times on this machine move by tens of percent between runs.');
  return lines.join('\n');
}

function numbers(list: string, what: string): number[] {
  const out = list.split(',').map((x) => Number(x.trim()));
  if (out.length === 0 || out.some((x) => !(Number.isFinite(x) && x > 0))) throw new InputError(`${what} must be a comma-separated list of positive numbers, got ${list}`);
  return out;
}

/** `lab bench instrument`. */
export const benchInstrumentCommand: Command = {
  name: 'instrument',
  summary: "the lab's load engine vs Vegeta on the same endpoint and rates (p50, p99, max, errors, ratio), and the engine's own ceiling",
  usage: `lab bench instrument [--rates 200,1000,5000,20000] [--seconds 10] [--ceiling-rates 10000,25000,50000,60000,75000,100000] [--ceiling-seconds 5] [--no-pin] [--json]

The endpoint is the lab's Wasmtime host serving the C hello component, a fresh instance per
request. With 2+ cores the generators are pinned to the last core and the host to the others.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        rates: { type: 'string', default: '200,1000,5000,20000' },
        seconds: { type: 'string', default: '10' },
        'ceiling-rates': { type: 'string', default: '10000,25000,50000,60000,75000,100000' },
        'ceiling-seconds': { type: 'string', default: '5' },
        'no-pin': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const seconds = Number(values.seconds);
    const ceilingSeconds = Number(values['ceiling-seconds']);
    if (!(seconds > 0 && seconds <= 600) || !(ceilingSeconds > 0 && ceilingSeconds <= 600)) throw new InputError('--seconds and --ceiling-seconds must be in (0, 600]');
    const r = await benchInstrument({ rates: numbers(values.rates, '--rates'), seconds, ceilingRates: numbers(values['ceiling-rates'], '--ceiling-rates'), ceilingSeconds, pin: values['no-pin'] !== true });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatInstrument(r)}\n`);
    return ExitCode.ok;
  },
};
