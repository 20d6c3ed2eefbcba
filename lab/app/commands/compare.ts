/** `lab compare <baseline.json> <candidate.json>`: the diff report of two results (HTML or Markdown). */
import { parseArgs } from 'node:util';
import { ExitCode, LabError } from '../../errors.js';
import { loadResult } from '../../results/store.js';
import { renderCompare, renderCompareMarkdown } from '../../../reports/compare.js';
import { writeOutput } from '../../../reports/output.js';
import type { Command } from './command.js';

/** The pure half: the diff of two result files in a format. */
export async function compareFiles(baseline: string, candidate: string, format: string): Promise<string> {
  const a = loadResult(baseline);
  const b = loadResult(candidate);
  if (format === 'html') return renderCompare(a, b);
  if (format === 'md') return renderCompareMarkdown(a, b);
  throw new LabError(`unknown format '${format}'; valid formats: html, md`, ExitCode.usage);
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'diff report of two results (baseline vs candidate), each change with its interval',
  usage: `lab compare <baseline.json> <candidate.json> [--format html|md] [--out <file>|-]

  --format  html (default, self-contained) or md (pull-request comment)
  --out     file to write; default stdout

A change is reported only when the 95 % interval of candidate / baseline excludes 1.
Exit codes: 0 written; 2 bad usage; 3 unreadable result. (To fail CI on a regression, use lab gate.)`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'html' }, out: { type: 'string' } } });
    if (positionals.length !== 2) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const where = writeOutput(await compareFiles(positionals[0]!, positionals[1]!, values.format ?? 'html'), values.out);
    if (where !== 'stdout') process.stderr.write(`compare: ${where}\n`);
    return ExitCode.ok;
  },
};
