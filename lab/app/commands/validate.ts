/** `lab validate <scenario.yaml>...`: checks scenario files and lists every problem with file:line:column. */
import { ExitCode, formatIssue } from '../../errors.js';
import { validateLabScenario } from '../scenario-context.js';
import type { Command } from './command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check scenario files against the schema and the cross-field rules',
  usage: `lab validate <scenario.yaml> [more.yaml ...]

Prints every problem as file:line:column: field: message. Exit 0 when all are valid, 3 otherwise.`,
  async run(argv) {
    const files = argv.filter((a) => !a.startsWith('-'));
    if (files.length === 0) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    let bad = 0;
    for (const file of files) {
      const v = validateLabScenario(file);
      if (v.ok) process.stdout.write(`${file}: valid\n`);
      else {
        bad++;
        process.stderr.write(`${file}: ${v.issues.length} problem${v.issues.length === 1 ? '' : 's'}\n${v.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
      }
    }
    return bad === 0 ? ExitCode.ok : ExitCode.invalidInput;
  },
};
