/** `lab validate-sim <scenario.yaml>`: measures a small scenario live, simulates it from its own calibration, and records the prediction error. */
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import { progressObserver } from '../progress.js';
import { validationText } from '../../sim/text.js';
import { validateSimulator } from '../validate-sim.js';
import type { Command } from './command.js';

export const validateSimCommand: Command = {
  name: 'validate-sim',
  summary: 'run a scenario live, simulate it from its own calibration, save the prediction error (p50, p99, cold-start rate, peak memory)',
  usage: `lab validate-sim <scenario.yaml> [--calibrate-from <scenario.yaml|result.json>] [--out <dir>] [--from <result.json>] [--json]

  --calibrate-from <f>   out of sample: calibrate from another run (a scenario, run live first, or a
                         measured result.json of one: another load, tenant count, miss rate, keep-alive)
                         and predict this scenario's live run with it, as density and cost use the model.
                         Goals then: p99 within 15 %, cold-start rate within 3 points
  --out <dir>            results root (default: results/); the validation goes to <dir>/validation/<scenario>/<timestamp>.json
  --from <result.json>   validate against this measured run of the same scenario instead of running live
  --json                 print the validation file path only

Exit codes: 0 validated and every runtime met the goals (in sample: p99 within 10 %, cold-start rate within 2 points);
4 validated but some runtime missed a goal (the errors are still saved); 3 invalid input; 130 interrupted.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, from: { type: 'string' }, 'calibrate-from': { type: 'string' }, json: { type: 'boolean' } } });
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.on('SIGINT', onSigint);
    try {
      const out = await validateSimulator({
        scenarioFile: file,
        ...(values.out ? { resultsRoot: values.out } : {}),
        ...(values.from ? { fromResult: values.from } : {}),
        ...(values['calibrate-from'] ? { calibrateFrom: values['calibrate-from'] } : {}),
        signal: abort.signal,
        onEvent: progressObserver(),
      });
      process.stdout.write(values.json ? `${out.path}\n` : `${validationText(out.record)}\nvalidation: ${out.path}\n`);
      return Object.values(out.record.met).every(Boolean) ? ExitCode.ok : ExitCode.runFailed;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
