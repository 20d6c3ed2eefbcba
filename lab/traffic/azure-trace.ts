/**
 * Reader of the Azure Functions 2019 public dataset's per-minute invocation counts
 * (`invocations_per_function_md.anon.dNN.csv`): header
 * `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`, then one row per function with its
 * invocation count in each minute of the day. Trace replay turns those rows into live tenants,
 * so the lab can be driven by a real serverless popularity and time profile.
 *
 * The parser scans characters rather than splitting every line into strings, since a day of the
 * public dataset holds tens of thousands of rows of 1,440 counts. Every problem is reported at
 * file:line:column, all of them at once (up to a cap), so one pass fixes a broken file.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError, type InputIssue } from '../errors.js';

/** The named leading columns of the format, in order. */
export const AZURE_TRACE_COLUMNS = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger'] as const;

/** Problems listed before the parser gives up: enough to see a pattern, short enough to read. */
const MAX_ISSUES = 20;

const MAX_COUNT = 0xffffffff;

/** One function of the trace: its identity and its invocations per minute. */
export interface AzureTraceRow {
  owner: string;
  app: string;
  function: string;
  trigger: string;
  /** Invocations in minute 1, 2, ... of the header (index 0 = minute 1). */
  counts: Uint32Array;
}

/** Total invocations of a row over all its minutes: the popularity of the function. */
export function traceRowTotal(row: AzureTraceRow): number {
  let total = 0;
  for (let i = 0; i < row.counts.length; i++) total += row.counts[i] as number;
  return total;
}

class IssueList {
  readonly issues: InputIssue[] = [];
  constructor(private readonly file: string) {}
  add(line: number, column: number, field: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ file: this.file, line, column, field, message });
  }
  get full(): boolean {
    return this.issues.length >= MAX_ISSUES;
  }
}

/** Checks the header and returns the number of minute columns, or -1 when it is wrong. */
function parseHeader(header: string, issues: IssueList): number {
  const names = header.split(',');
  let column = 1;
  let ok = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const expected = i < AZURE_TRACE_COLUMNS.length ? AZURE_TRACE_COLUMNS[i] : String(i - AZURE_TRACE_COLUMNS.length + 1);
    if (name !== expected) {
      issues.add(1, column, 'header', `column ${i + 1} is ${JSON.stringify(name)}, expected ${JSON.stringify(expected)} (header must be ${AZURE_TRACE_COLUMNS.join(',')},1,2,...,<minutes>)`);
      ok = false;
      break;
    }
    column += name.length + 1;
  }
  if (ok && names.length <= AZURE_TRACE_COLUMNS.length) {
    issues.add(1, header.length + 1, 'header', `no minute columns after ${AZURE_TRACE_COLUMNS.join(',')}`);
    ok = false;
  }
  return ok ? names.length - AZURE_TRACE_COLUMNS.length : -1;
}

/**
 * Parses one data line into a row, or reports its problems and returns undefined.
 * `minutes` is the number of count columns the header declares.
 */
function parseRow(text: string, start: number, end: number, lineNo: number, minutes: number, issues: IssueList): AzureTraceRow | undefined {
  const names: string[] = [];
  const counts = new Uint32Array(minutes);
  const columns = AZURE_TRACE_COLUMNS.length + minutes;
  let ok = true;
  let field = 0;
  let pos = start;
  for (;;) {
    let comma = text.indexOf(',', pos);
    if (comma < 0 || comma > end) comma = end;
    const col = pos - start + 1;
    if (field >= columns) {
      issues.add(lineNo, col, '', `too many columns: expected ${columns} (4 names + ${minutes} minutes)`);
      return undefined;
    }
    if (field < AZURE_TRACE_COLUMNS.length) {
      const name = text.slice(pos, comma);
      if (name.length === 0) {
        issues.add(lineNo, col, AZURE_TRACE_COLUMNS[field] as string, 'is empty');
        ok = false;
      }
      names.push(name);
    } else {
      const minute = field - AZURE_TRACE_COLUMNS.length + 1;
      const where = `minute ${minute}`;
      if (comma === pos) {
        issues.add(lineNo, col, where, 'count is empty');
        ok = false;
      } else if (text.charCodeAt(pos) === 45 /* - */) {
        issues.add(lineNo, col, where, `count ${JSON.stringify(text.slice(pos, comma))} is negative; invocation counts are >= 0`);
        ok = false;
      } else {
        let value = 0;
        let digits = true;
        for (let i = pos; i < comma; i++) {
          const d = text.charCodeAt(i) - 48;
          if (d < 0 || d > 9) {
            digits = false;
            break;
          }
          value = value * 10 + d;
        }
        if (!digits) {
          issues.add(lineNo, col, where, `count ${JSON.stringify(text.slice(pos, comma))} is not a non-negative integer`);
          ok = false;
        } else if (value > MAX_COUNT) {
          issues.add(lineNo, col, where, `count ${text.slice(pos, comma)} exceeds ${MAX_COUNT}`);
          ok = false;
        } else {
          counts[minute - 1] = value;
        }
      }
    }
    field++;
    if (comma === end) break;
    pos = comma + 1;
  }
  if (field < columns) {
    issues.add(lineNo, end - start + 1, '', `too few columns: found ${field}, expected ${columns} (4 names + ${minutes} minutes)`);
    return undefined;
  }
  if (!ok) return undefined;
  return { owner: names[0] as string, app: names[1] as string, function: names[2] as string, trigger: names[3] as string, counts };
}

/**
 * Parses the text of a per-minute invocation-count CSV. `file` only names the source in error
 * messages. Any number of minute columns is accepted as long as the header numbers them 1..N
 * (the public dataset has 1440). Blank lines are skipped. Throws InvalidInputError listing
 * every problem found (wrong header, bad count, wrong column count, no rows) at
 * file:line:column.
 */
export function parseAzureTrace(text: string, file: string): AzureTraceRow[] {
  const issues = new IssueList(file);
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const rows: AzureTraceRow[] = [];
  let minutes = -1;
  let lineNo = 0;
  let sawHeader = false;
  while (pos < text.length && !issues.full) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 /* \r */ ? nl - 1 : nl;
    lineNo++;
    if (!sawHeader) {
      sawHeader = true;
      minutes = parseHeader(text.slice(pos, end), issues);
      if (minutes < 0) break;
    } else if (end > pos) {
      const row = parseRow(text, pos, end, lineNo, minutes, issues);
      if (row) rows.push(row);
    }
    pos = nl + 1;
  }
  if (!sawHeader) issues.add(1, 1, '', `file is empty; expected the header ${AZURE_TRACE_COLUMNS.join(',')},1,2,...`);
  else if (issues.issues.length === 0 && rows.length === 0) issues.add(lineNo + 1, 1, '', 'no function rows after the header');
  if (issues.issues.length > 0) throw new InvalidInputError(`trace ${file}`, issues.issues);
  return rows;
}

/** Reads and parses a trace file (the only I/O of trace replay, kept apart from the pure parser). */
export function loadAzureTrace(path: string): AzureTraceRow[] {
  return parseAzureTrace(readFileSync(path, 'utf8'), path);
}
