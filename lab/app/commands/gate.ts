/**
 * `lab gate <result.json> [--baseline <result.json>] [--limits <file>]`: evaluates the
 * scenario's gates and, with a baseline, regression limits; exit 0 pass, 10 fail, 11
 * inconclusive. An unknown metric, label or unit is an input error (3), never a pass.
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import { runGates, type GateReport } from '../../gates/gates.js';
import { loadLimitsFile } from '../../gates/regression.js';
import type { RunResult } from '../../results/model.js';
import { loadResult } from '../../results/store.js';
import { resultLabels } from '../../stats/metrics.js';
import { renderJunit } from '../../../reports/junit.js';
import { gatesMarkdown } from '../../../reports/markdown.js';
import { writeOutput } from '../../../reports/output.js';
import type { Command } from './command.js';

/** Options of `gateResultFiles`. */
export interface GateFiles {
  result: string;
  baseline?: string;
  limits?: string;
}

/** The pure half of `lab gate`: reads the files and evaluates every gate. */
export function gateResultFiles(f: GateFiles): { result: RunResult; report: GateReport } {
  const result = loadResult(f.result);
  const baseline = f.baseline ? loadResult(f.baseline) : undefined;
  const limits = f.limits ? loadLimitsFile(f.limits, resultLabels(result)) : undefined;
  return { result, report: runGates(result, { ...(baseline ? { baseline } : {}), ...(limits ? { limits } : {}) }) };
}

/** The terminal form of a gate report: one line per gate, then notes and the overall outcome. */
export function gateText(report: GateReport): string {
  const mark = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' } as const;
  const lines = report.results.map((r) => `${mark[r.verdict].padEnd(12)} ${r.name}\n             ${r.message}`);
  const overall = report.exitCode === ExitCode.ok ? 'all gates pass' : report.exitCode === ExitCode.gateFailed ? 'a gate failed' : 'a gate is inconclusive (no gate failed)';
  return [...lines, ...report.notes.map((n) => `note: ${n}`), `${overall} (exit ${report.exitCode})`].join('\n') + '\n';
}

export const gateCommand: Command = {
  name: 'gate',
  summary: 'evaluate scenario gates and regression limits against a baseline (exit 0 / 10 fail / 11 inconclusive)',
  usage: `lab gate <result.json> [--baseline <result.json>] [--limits <file>] [--junit <file>] [--markdown <file>]

  --baseline  compare with this result using regression limits (default limits: docs/reports.md)
  --limits    YAML or JSON map of metric to signed percentage, e.g. latency.p99: +10%
  --junit     also write the gate results as JUnit XML
  --markdown  also write them as a Markdown table ('-' for stdout)

Verdicts come from 95 % bootstrap intervals: pass when the whole interval meets the limit,
fail when none of it does, inconclusive when it straddles.
Exit codes: 0 all pass; 10 a gate failed; 11 a gate inconclusive (none failed); 3 invalid gate,
limit or result; 2 bad usage.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { baseline: { type: 'string' }, limits: { type: 'string' }, junit: { type: 'string' }, markdown: { type: 'string' } } });
    const file = positionals[0];
    if (!file || positionals.length > 1 || (values.limits && !values.baseline)) {
      process.stderr.write(`${values.limits && !values.baseline ? 'lab gate: --limits needs --baseline\n' : ''}usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const { result, report } = gateResultFiles({ result: file, ...(values.baseline ? { baseline: values.baseline } : {}), ...(values.limits ? { limits: values.limits } : {}) });
    process.stdout.write(gateText(report));
    if (values.junit) writeOutput(renderJunit(report.results, result.scenario.name), values.junit);
    if (values.markdown) writeOutput(`${gatesMarkdown(report.results, report.notes)}\n`, values.markdown);
    return report.exitCode;
  },
};
