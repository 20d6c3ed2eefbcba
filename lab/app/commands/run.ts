/** `lab run <scenario.yaml>`: runs a scenario on real runners and saves the result. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import { progressObserver } from '../progress.js';
import { runScenario } from '../run.js';
import { textSummary } from '../../results/text-summary.js';
import { simulatedText } from '../../sim/text.js';
import { loadLabScenario } from '../scenario-context.js';
import { planTraffic } from '../../traffic/plan.js';
import { summarisePlan } from '../../traffic/plan.js';
import { loadWorkload } from '../../../workloads/registry.js';
import type { Command } from './command.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run a scenario and save versioned results (JSON + CSV)',
  usage: `lab run <scenario.yaml> [--out <dir>] [--only <label,...>] [--dry-run] [--json]

  --out <dir>       results root (default: results/); the run goes to <dir>/<scenario>/<timestamp>/
  --only <labels>   run only these runtime labels of the scenario
  --dry-run         validate and plan the traffic, print the plan, run nothing
  --json            print the result JSON path only (for scripts)

Exit codes: 0 complete; 3 invalid scenario; 4 a runtime failed (results still saved); 130 interrupted.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, only: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    if (values['dry-run']) {
      const { scenario } = loadLabScenario(file);
      const counts: Record<string, number> = {};
      for (const m of scenario.tenants.mix) counts[m.workload] = loadWorkload(m.workload).trafficFixtures.length;
      const plan = planTraffic(scenario, counts);
      process.stdout.write(`${JSON.stringify(summarisePlan(plan), null, 2)}\n`);
      return ExitCode.ok;
    }
    const abort = new AbortController();
    let signals = 0;
    const onSigint = (): void => {
      signals++;
      if (signals === 1) {
        process.stderr.write('\ninterrupted: stopping traffic and saving what was measured (Ctrl-C again to force)\n');
        abort.abort();
      } else process.exit(ExitCode.interrupted);
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      const out = await runScenario({
        scenarioFile: file,
        ...(values.out ? { resultsRoot: values.out } : {}),
        ...(values.only ? { only: values.only.split(',') } : {}),
        signal: abort.signal,
        onEvent: progressObserver(),
      });
      if (values.json) process.stdout.write(`${out.jsonPath}\n`);
      else process.stdout.write(`${textSummary(out.result)}\nresult: ${out.jsonPath}\nreport: ${join(out.dir, 'report.html')}\n`);
      if (out.simulation && 'error' in out.simulation) process.stderr.write(`simulation not run: ${out.simulation.error}\n`);
      else if (out.simulation && !values.json) process.stdout.write(`${simulatedText(out.simulation.outcome.result)}\nsimulated: ${out.simulation.outcome.simulatedPath}\n`);
      if (out.result.status === 'interrupted') return ExitCode.interrupted;
      return out.result.runs.some((r) => r.status !== 'complete') ? ExitCode.runFailed : ExitCode.ok;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  },
};
