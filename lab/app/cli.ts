#!/usr/bin/env node
/**
 * The `lab` command line: only a table of commands. Every command is a thin wrapper over a
 * library function; this is the one place that catches errors and turns them into exit codes.
 */
import { benchCommand } from './commands/bench.js';
import type { Command } from './commands/command.js';
import { collectCommand } from './commands/collect.js';
import { compareCommand } from './commands/compare.js';
import { exportCommand } from './commands/export.js';
import { publishCommand } from './commands/publish.js';
import { gateCommand } from './commands/gate.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { simulateCommand } from './commands/simulate.js';
import { validateSimCommand } from './commands/validate-sim.js';
import { validateCommand } from './commands/validate.js';
import { workloadsCommand } from './commands/workloads.js';
import { ExitCode, LabError } from '../errors.js';

const commands: Command[] = [runCommand, validateCommand, simulateCommand, mergeCommand, validateSimCommand, reportCommand, gateCommand, compareCommand, workloadsCommand, benchCommand, exportCommand, publishCommand, collectCommand];

function help(): string {
  return `lab: Wasm components vs containers for multi-tenant edge functions, measured

usage: lab <command> [options]   (lab <command> --help for details)

${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`lab: unknown command '${name}'\n\n${help()}`);
    return ExitCode.usage;
  }
  // Commands with sub-commands (bench) answer --help for those themselves.
  if ((rest.includes('--help') || rest.includes('-h')) && !(cmd.name === 'bench' && rest[0] && !rest[0].startsWith('-'))) {
    process.stdout.write(`${cmd.summary}\n\nusage: ${cmd.usage}\n`);
    return ExitCode.ok;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof LabError) {
      process.stderr.write(`lab: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof Error && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) {
      // Node's argument parser: an unknown option, a missing or unexpected option value.
      process.stderr.write(`lab: ${err.message}\n`);
      process.exitCode = ExitCode.usage;
    } else {
      // Only a bug of the lab gets here: every failure the user can fix is a LabError with its exit code.
      process.stderr.write(`lab: internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = ExitCode.internal;
    }
  },
);
