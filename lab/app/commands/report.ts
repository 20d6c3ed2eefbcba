/** `lab report <result.json>`: renders a result as HTML (default), Markdown, JUnit XML of its gates, or CSV. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, LabError } from '../../errors.js';
import { evaluateScenarioGates } from '../../gates/evaluate.js';
import { summaryCsv } from '../../results/csv.js';
import type { RunResult } from '../../results/model.js';
import { loadAnyResult, loadResult } from '../../results/store.js';
import type { FleetResult } from '../../results/model.js';
import { fleetPopsCsv } from '../../results/fleet-csv.js';
import { renderFleetHtml } from '../../../reports/html/fleet.js';
import { renderFleetMarkdown } from '../../../reports/fleet-markdown.js';
import { SIM_FILES } from '../simulate-from-live.js';
import { renderReport, type ReportOptions } from '../../../reports/html.js';
import { renderJunit } from '../../../reports/junit.js';
import { renderMarkdown } from '../../../reports/markdown.js';
import { writeOutput } from '../../../reports/output.js';
import type { Command } from './command.js';

/** Output formats of `lab report`, each one renderer from result to text. */
export const REPORT_FORMATS: Record<string, (r: RunResult) => Promise<string> | string> = {
  html: (r) => renderReport(r),
  md: renderMarkdown,
  junit: (r) => renderJunit(evaluateScenarioGates(r), r.scenario.name),
  csv: summaryCsv,
};

/** Output formats of a fleet result (lab merge, lab simulate --fleet); it has no gates, so no JUnit. */
export const FLEET_REPORT_FORMATS: Record<string, (r: FleetResult) => string> = {
  html: renderFleetHtml,
  md: renderFleetMarkdown,
  csv: fleetPopsCsv,
};

/**
 * The simulated result beside a live one (`simulated.json`, written by `lab run` for a scenario
 * with `simulate:`), for the HTML report's measured-vs-simulated section. Only a simulation of
 * this very run counts; one that cannot be read is said in the report, never fatal.
 */
export function siblingSimulation(file: string, result: RunResult): ReportOptions {
  const path = join(dirname(file), SIM_FILES.simulated);
  if (result.kind !== 'live' || !existsSync(path)) return {};
  try {
    const simulated = loadResult(path);
    if (simulated.kind !== 'simulated') return { simulationError: `${path} is not a simulated result` };
    const source = simulated.simulation?.source.runId;
    if (source !== undefined && source !== result.runId) return { simulationError: `${path} was simulated from run ${source}, not from this run (${result.runId})` };
    return { simulated };
  } catch (e) {
    return { simulationError: `${path} could not be read: ${(e as Error).message}` };
  }
}

/** Renders `file` in `format`; the text, with no I/O beyond reading the result (and, for html, a simulated.json beside it). */
export async function reportText(file: string, format: string): Promise<string> {
  const render = REPORT_FORMATS[format];
  if (!render) throw new LabError(`unknown format '${format}'; valid formats: ${Object.keys(REPORT_FORMATS).join(', ')}`, ExitCode.usage);
  const any = loadAnyResult(file);
  if (any.kind === 'fleet') {
    const renderFleet = FLEET_REPORT_FORMATS[format];
    if (!renderFleet) throw new LabError(`a fleet result renders as ${Object.keys(FLEET_REPORT_FORMATS).join(', ')}; it has no gates, so no ${format}`, ExitCode.usage);
    return renderFleet(any);
  }
  const result = loadResult(file);
  if (format === 'html') return renderReport(result, siblingSimulation(file, result));
  if (format === 'md') return renderMarkdown(result, siblingSimulation(file, result).simulated);
  return render(result);
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'render a result as a self-contained HTML decision report (or Markdown, JUnit, CSV)',
  usage: `lab report <result.json | fleet.json> [--format html|md|junit|csv] [--out <file>|-]

  --format   html (default): the decision report, one self-contained file that opens offline;
             a simulated.json beside a live result is shown next to the measured figures
             md: a summary for a pull-request comment; junit: the scenario's gates as JUnit XML;
             csv: the summary table. A fleet result (fleet.json) renders as html, md or csv (every PoP)
  --out      where to write; '-' is stdout. Default: report.html next to the result for html,
             stdout for the other formats

Exit codes: 0 written; 2 bad usage; 3 unreadable result.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'html' }, out: { type: 'string' } } });
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const format = values.format ?? 'html';
    const text = await reportText(file, format);
    const out = values.out ?? (format === 'html' ? join(dirname(file), 'report.html') : undefined);
    const where = writeOutput(text, out);
    if (where !== 'stdout') process.stderr.write(`report: ${where}\n`);
    return ExitCode.ok;
  },
};
