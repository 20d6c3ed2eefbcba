/** `lab collect kubernetes --job <name>`: a finished load-generator Job's pod reports, merged into one load report. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, RuntimeFailure } from '../../errors.js';
import { Cluster } from '../../../runners/kubernetes/cluster.js';
import { collectJob } from '../../../runners/kubernetes/collect.js';
import type { Command } from './command.js';

export const collectCommand: Command = {
  name: 'collect',
  summary: 'merge the reports of a load-generator Job applied from lab export kubernetes',
  usage: `lab collect kubernetes --job <name> [--namespace <ns>] [--kubeconfig <file>] [--context <name>] [--out <report.json>]

Reads each generator pod's log through the API (its last JSON line is the engine's report), merges
their HDR histograms and counts into one load report (lab/loadgen/protocol.ts LoadReport) and
writes it (default: stdout). A pod without a report is an error naming it.
Exit codes: 0 collected; 2 usage; 4 a pod has no report; 5 the kubeconfig or the cluster is not there.`,
  async run(argv) {
    const [target, ...rest] = argv;
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { job: { type: 'string' }, namespace: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, out: { type: 'string' } } });
    if (target !== 'kubernetes' || !values.job || positionals.length > 0) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const cluster = await Cluster.connect({ ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), ...(values.context ? { context: values.context } : {}) });
    const namespace = values.namespace ?? 'edge-pop-lab';
    const merged = await collectJob(cluster, namespace, values.job).catch((e: Error) => {
      throw new RuntimeFailure(e.message);
    });
    const text = `${JSON.stringify({ ...merged.report, generators: merged.pods, startSkewMs: merged.startSkewMs }, null, 2)}\n`;
    if (values.out) {
      writeFileSync(resolve(values.out), text);
      process.stderr.write(`${merged.pods.length} generator reports merged (start skew ${merged.startSkewMs.toFixed(0)} ms) into ${values.out}\n`);
    } else process.stdout.write(text);
    return ExitCode.ok;
  },
};
