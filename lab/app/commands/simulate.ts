/** `lab simulate <scenario.yaml>`: the scenario's modelled host simulated from a measured result or a calibration file; `lab simulate --fleet <fleet.yaml>`: a fleet of PoPs, sharded over worker threads (or one shard, as a Kubernetes Job pod runs it). */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, InputError } from '../../errors.js';
import { parseShard } from '../../fleet/expand.js';
import { resultsDir } from '../../paths.js';
import { loadResult, resultDir } from '../../results/store.js';
import { loadLabScenario } from '../scenario-context.js';
import { loadCalibration } from '../../sim/calibrate.js';
import { simulateFromCalibration, simulateFromLive } from '../simulate-from-live.js';
import { simulatedText } from '../../sim/text.js';
import { simulateFleet } from '../fleet/run.js';
import { runShardJob } from '../fleet/shard-command.js';
import { fleetAnswer } from '../../../reports/fleet.js';
import type { Command } from './command.js';

const positiveInt = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--${name} must be a whole number >= 1, got '${v}'`);
  return n;
};

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate the modelled PoP host (tenants.count, host) from a measured result, with density and sweep; or a fleet of PoPs (--fleet)',
  usage: `lab simulate <scenario.yaml> (--from <result.json> | --calibration <calibration.json>) [--out <dir>] [--only <labels>] [--no-density] [--json]
lab simulate --fleet <fleet.yaml> [--from <result.json> | --calibration <file>] [--workers N] [--shards K] [--out <dir>] [--json]
lab simulate --fleet <fleet.yaml> --shard <i>/<K> --calibration <file> --out <dir> [--base <scenario.yaml>]

  --from <result.json>      calibrate from this live result (calibration.json is written beside it, or in the fleet's folder)
  --calibration <file>      use an existing calibration file instead
  --out <dir>               folder for simulated.json (default: the live result's folder, or results/<scenario>/<timestamp>-sim/);
                            for a fleet, for fleet.json, report.html, report.md, fleet-pops.csv and shards/ (default results/<fleet>/<timestamp>-fleet/)
  --only <labels>           simulate only these runtime labels
  --no-density              skip the density search (the slowest part)
  --json                    print the simulated.json (fleet.json) path only

Fleet (docs/simulator.md, Fleet):
  --fleet <fleet.yaml>      simulate every PoP of the fleet; calibrated from --from, --calibration, or else the first
                            committed baseline (results/baselines) covering it
  --workers N               worker threads (default: the available cores)
  --shards K                shards the PoPs are split into (default: 4 per worker); a PoP's figures do not depend on it
  --shard i/K               simulate shard i (0-based) of K only and write <out>/shard-i-of-K.json: the command each pod of
                            the Kubernetes Indexed Job runs (needs --calibration; join the shards with lab merge)
  --base <scenario.yaml>    the base scenario's path, when it is not where the fleet file names it (a Job pod's mount)
  --sample N                simulate only N PoPs evenly spaced over the fleet (benchmarks)

Exit codes: 0 done; 2 bad usage; 3 invalid scenario, fleet, result or calibration (e.g. a runtime or workload missing from it).`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        calibration: { type: 'string' },
        out: { type: 'string' },
        only: { type: 'string' },
        'no-density': { type: 'boolean' },
        json: { type: 'boolean' },
        fleet: { type: 'string' },
        workers: { type: 'string' },
        shards: { type: 'string' },
        shard: { type: 'string' },
        base: { type: 'string' },
        sample: { type: 'string' },
      },
    });
    if (values.fleet !== undefined) return runFleet(values, positionals, this.usage);
    const file = positionals[0];
    if (!file || positionals.length > 1 || (!values.from === !values.calibration) || values.shard || values.workers || values.shards || values.base || values.sample) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const loaded = loadLabScenario(resolve(file));
    const opts = { density: !values['no-density'], ...(values.only ? { only: values.only.split(',') } : {}) };
    let out;
    if (values.from) {
      const from = resolve(values.from);
      const dir = values.out ? resolve(values.out) : dirname(from);
      out = simulateFromLive(loadResult(from), loaded, dir, opts);
    } else {
      const calPath = resolve(values.calibration!);
      const dir = values.out ? resolve(values.out) : `${resultDir(resultsDir, loaded.scenario.name, new Date().toISOString())}-sim`;
      out = simulateFromCalibration(loadCalibration(calPath), calPath, loaded, dir, { ...opts, resultsRoot: resultsDir });
    }
    process.stdout.write(values.json ? `${out.simulatedPath}\n` : `${simulatedText(out.result)}\ncalibration: ${out.calibrationPath}\nsimulated: ${out.simulatedPath}\n`);
    return ExitCode.ok;
  },
};

type Values = Record<string, string | boolean | undefined>;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

async function runFleet(values: Values, positionals: string[], usage: string): Promise<number> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const fleetFile = str('fleet')!;
  if (positionals.length > 0 || values.only || values['no-density'] || (str('from') && str('calibration'))) {
    process.stderr.write(`usage: ${usage}\n`);
    return ExitCode.usage;
  }
  const sample = positiveInt('sample', str('sample'));
  const shardText = str('shard');
  if (shardText !== undefined) {
    const out = str('out');
    const calibration = str('calibration');
    if (!out || !calibration || str('from') || str('workers') || str('shards')) {
      process.stderr.write(`lab simulate --shard: give --calibration <file> and --out <dir> (every shard of a run must read the same calibration file; no --from, --workers or --shards)\n\nusage: ${usage}\n`);
      return ExitCode.usage;
    }
    const shard = parseShard(shardText);
    const base = str('base');
    const r = runShardJob({ fleetFile: resolve(fleetFile), ...(base ? { baseFile: resolve(base) } : {}), calibrationFile: resolve(calibration), shard, outDir: resolve(out), ranIn: 'process', ...(sample !== undefined ? { sample } : {}) });
    process.stdout.write(values.json ? `${r.path}\n` : `shard ${shard.index} of ${shard.count}: ${r.pops} PoPs in ${r.execution.wallSeconds} s${r.execution.cpuSeconds !== undefined ? ` (${r.execution.cpuSeconds} s of CPU)` : ''}, peak heap ${(r.execution.peakHeapBytes / 2 ** 20).toFixed(1)} MiB, max RSS ${(r.execution.maxRssBytes / 2 ** 20).toFixed(1)} MiB\nshard: ${r.path}\n`);
    return ExitCode.ok;
  }
  const workers = positiveInt('workers', str('workers'));
  const shards = positiveInt('shards', str('shards'));
  const base = str('base');
  const from = str('from');
  const calibration = str('calibration');
  const out = str('out');
  const r = await simulateFleet({
    fleetFile,
    ...(from ? { from } : {}),
    ...(calibration ? { calibration } : {}),
    ...(base ? { baseFile: base } : {}),
    ...(out ? { outDir: out } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(shards !== undefined ? { shards } : {}),
    ...(sample !== undefined ? { sample } : {}),
  });
  if (values.json) process.stdout.write(`${r.fleetPath}\n`);
  else {
    const a = fleetAnswer(r.result);
    process.stdout.write(
      `${a.headline}\n${a.lines.map((l) => `  ${l}`).join('\n')}\n${plural(r.result.execution.shards, 'shard')} on ${plural(r.result.execution.workers ?? 1, 'worker thread')}, ${r.wallSeconds.toFixed(1)} s\ncalibration: ${r.calibrationPath}\nfleet: ${r.fleetPath}\nreport: ${r.htmlPath}\n`,
    );
  }
  return ExitCode.ok;
}
