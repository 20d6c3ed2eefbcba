/** `lab validate <scenario.yaml>...`: checks scenario and fleet files and lists every problem with file:line:column. */
import { readFileSync } from 'node:fs';
import { ExitCode, formatIssue } from '../../errors.js';
import { isFleetText, validateFleetFile } from '../../fleet/load.js';
import { loadLabScenarioContext, validateLabScenario } from '../scenario-context.js';
import type { Command } from './command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check scenario and fleet files against their schema and the cross-field rules',
  usage: `lab validate <scenario.yaml | fleet.yaml> [more.yaml ...]

A file whose top level names a base: scenario is a fleet file (lab simulate --fleet), checked with
its base scenario; any other is a scenario. Prints every problem as file:line:column: field: message.
Exit 0 when all are valid, 3 otherwise.`,
  async run(argv) {
    const files = argv.filter((a) => !a.startsWith('-'));
    if (files.length === 0) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    let bad = 0;
    for (const file of files) {
      let fleet = false;
      try {
        fleet = isFleetText(readFileSync(file, 'utf8'));
      } catch {
        // unreadable: the scenario loader says so, with the file's name
      }
      const v = fleet ? validateFleetFile(file, loadLabScenarioContext()) : validateLabScenario(file);
      if (v.ok) process.stdout.write(`${file}: valid\n`);
      else {
        bad++;
        process.stderr.write(`${file}: ${v.issues.length} problem${v.issues.length === 1 ? '' : 's'}\n${v.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
      }
    }
    return bad === 0 ? ExitCode.ok : ExitCode.invalidInput;
  },
};
