/** `lab merge <shard results...> --out <dir>`: the shard files of a fleet run (local, or a Kubernetes Indexed Job's) joined into one fleet result and report. */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, InputError } from '../../errors.js';
import { mergeShardResults, readShard } from '../../fleet/merge.js';
import { resultsDir } from '../../paths.js';
import { latestValidation } from '../../sim/validation.js';
import { FLEET_FILES, writeFleetOutputs } from '../fleet/outputs.js';
import { fleetAnswer } from '../../../reports/fleet.js';
import type { Command } from './command.js';

/** The shard files named, a folder standing for its `shard-*-of-*.json` files. */
export function shardFilesOf(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    const abs = resolve(p);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      throw new InputError(`${abs}: no such shard result file or folder`);
    }
    if (!isDir) return [abs];
    const files = readdirSync(abs).filter((n) => /^shard-\d+-of-\d+\.json$/.test(n)).sort().map((n) => join(abs, n));
    if (files.length === 0) throw new InputError(`${abs} holds no shard-<i>-of-<K>.json file`);
    return files;
  });
}

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'join the shard results of a fleet simulation (local or a Kubernetes Indexed Job) into one fleet result and report',
  usage: `lab merge <shard.json | folder>... [--out <dir>] [--json]

  <shard.json | folder>   shard results (shard-<i>-of-<K>.json); a folder stands for every shard file in it.
                          They must be one complete set of one run: same fleet file, base scenario, seed and
                          calibration, every shard 0..K-1 exactly once
  --out <dir>             where fleet.json, fleet-pops.csv, report.html and report.md go (default: beside the
                          shards folder)
  --json                  print the fleet.json path only

Exit codes: 0 merged; 2 bad usage; 3 a missing, duplicate or foreign shard, or an unreadable file.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, json: { type: 'boolean' } } });
    if (positionals.length === 0) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const files = shardFilesOf(positionals);
    const first = dirname(files[0]!);
    const dir = resolve(values.out ?? (basename(first) === FLEET_FILES.shards ? dirname(first) : first));
    const validation = latestValidation(resultsDir);
    const outOfSample = latestValidation(resultsDir, 'out-of-sample');
    const result = mergeShardResults(files.map(readShard), { ...(validation ? { validation } : {}), ...(outOfSample ? { outOfSample } : {}) });
    const out = writeFleetOutputs(result, dir);
    if (values.json) process.stdout.write(`${out.fleetPath}\n`);
    else {
      const a = fleetAnswer(result);
      process.stdout.write(`${a.headline}\n${a.lines.map((l) => `  ${l}`).join('\n')}\nmerged ${files.length} shard${files.length === 1 ? '' : 's'}\nfleet: ${out.fleetPath}\nreport: ${out.htmlPath}\n`);
    }
    return ExitCode.ok;
  },
};
