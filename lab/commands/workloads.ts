/** `lab workloads list|build`: the workloads and their packagings' artifacts. */
import { ExitCode } from '../errors.js';
import { getRunner, runnerNames } from '../../runners/registry.js';
import { listWorkloads, loadWorkload } from '../../workloads/registry.js';
import type { Command } from './command.js';

export const workloadsCommand: Command = {
  name: 'workloads',
  summary: 'list workloads, or build every packaging of them (cached by content hash)',
  usage: `lab workloads list
lab workloads build [--runtime <name>,...] [workload ...]

build asks each runner to prepare its artifacts for the workloads (all by default) and prints
their digests and sizes. Artifacts are cached by content hash; unchanged inputs are not rebuilt.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'list') {
      for (const name of listWorkloads()) {
        const w = loadWorkload(name);
        process.stdout.write(`${name.padEnd(14)} ${w.manifest.description}  (${w.fixtures.length} fixtures, source ${w.sourceDigest.slice(0, 19)})\n`);
      }
      return ExitCode.ok;
    }
    if (sub !== 'build') {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const i = rest.indexOf('--runtime');
    const runtimes = i >= 0 ? (rest[i + 1] ?? '').split(',') : runnerNames().filter((n) => n !== 'fake');
    const names = rest.filter((a, j) => !a.startsWith('--') && rest[j - 1] !== '--runtime');
    const workloads = names.length ? names : listWorkloads();
    for (const w of workloads) loadWorkload(w); // names a missing or broken workload before building anything
    for (const rt of runtimes) {
      const prepared = await getRunner(rt).prepare(workloads, {});
      for (const a of prepared.artifacts) {
        process.stdout.write(`${rt.padEnd(10)} ${a.workload.padEnd(12)} ${a.packaging.padEnd(16)} ${String(a.sizeBytes).padStart(10)} B  ${a.digest}\n`);
      }
    }
    return ExitCode.ok;
  },
};
