/**
 * `lab bench <name>`: benchmarks, each a sub-command of its own. Performance targets live here,
 * never in timed unit tests; every bench prints medians and ratios measured in one run.
 */
import { ExitCode } from '../../errors.js';
import { benchContainersCommand } from '../bench/containers.js';
import { benchInstrumentCommand } from '../bench/instrument.js';
import { benchLanguagesCommand } from '../bench/languages.js';
import { benchPeersCommand } from '../bench/peers.js';
import { wasmHostBenchCommand } from '../bench/wasm-host-command.js';
import { benchSaturateCommand } from '../bench/saturate.js';
import { benchSimCommand } from '../bench/sim.js';
import { benchFleetCommand } from '../bench/fleet.js';
import type { Command } from './command.js';

const benches: Command[] = [benchSaturateCommand, benchInstrumentCommand, benchPeersCommand, { ...wasmHostBenchCommand, name: 'wasm-host' }, { ...benchContainersCommand, name: 'containers' }, { ...benchSimCommand, name: 'sim' }, benchFleetCommand, benchLanguagesCommand];

export const benchCommand: Command = {
  name: 'bench',
  summary: `benchmarks: ${benches.map((b) => b.name).join(', ')}`,
  usage: `lab bench <name> [options]   (lab bench <name> --help)

${benches.map((b) => `  ${b.name.padEnd(12)} ${b.summary}`).join('\n')}`,
  async run(argv) {
    const [name, ...rest] = argv;
    const bench = benches.find((b) => b.name === name);
    if (!bench) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${bench.summary}\n\nusage: ${bench.usage}\n`);
      return ExitCode.ok;
    }
    return bench.run(rest);
  },
};
