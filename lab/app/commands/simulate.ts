/** `lab simulate <scenario.yaml>`: the scenario's modelled host simulated from a measured result or a calibration file. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import { resultsDir } from '../../paths.js';
import { loadResult, resultDir } from '../../results/store.js';
import { loadLabScenario } from '../scenario-context.js';
import { loadCalibration } from '../../sim/calibrate.js';
import { simulateFromCalibration, simulateFromLive } from '../simulate-from-live.js';
import { simulatedText } from '../../sim/text.js';
import type { Command } from './command.js';

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate the modelled PoP host (tenants.count, host) from a measured result, with density and sweep',
  usage: `lab simulate <scenario.yaml> (--from <result.json> | --calibration <calibration.json>) [--out <dir>] [--only <labels>] [--no-density] [--json]

  --from <result.json>      calibrate from this live result (calibration.json is written beside it)
  --calibration <file>      use an existing calibration file instead
  --out <dir>               folder for simulated.json (default: the live result's folder, or results/<scenario>/<timestamp>-sim/)
  --only <labels>           simulate only these runtime labels
  --no-density              skip the density search (the slowest part)
  --json                    print the simulated.json path only

Exit codes: 0 done; 3 invalid scenario, result or calibration (e.g. a runtime or workload missing from it).`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { from: { type: 'string' }, calibration: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' }, 'no-density': { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const file = positionals[0];
    if (!file || positionals.length > 1 || (!values.from === !values.calibration)) {
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

