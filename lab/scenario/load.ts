/**
 * Loads a scenario file: YAML (positions kept) -> JSON Schema -> defaults -> cross-field rules.
 * Every problem of every stage is collected and thrown as one InvalidInputError, each issue at
 * file:line:column with its dotted field, so one run of `lab validate` lists all there is to fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sha256 } from '../digest.js';
import { InvalidInputError, type InputIssue } from '../errors.js';
import type { ScenarioContext } from './context.js';
import { applyDefaults } from './defaults.js';
import { formatField, pathsOverlap } from './field-path.js';
import type { Problem } from './problem.js';
import { checkRules } from './rules.js';
import { checkSchema } from './schema.js';
import type { LoadedScenario } from './types.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** An issue in the scenario file and the issues in other files it stands for (a trace's own), which are listed right after it. */
type IssueGroup = { issue: InputIssue; related: InputIssue[] };

/** Gives each problem its position in the scenario file. */
function locateProblems(problems: readonly Problem[], source: YamlSource, file: string): IssueGroup[] {
  return problems.map((p) => {
    const pos = p.at ? source.locate(p.at.path, p.at.part) : source.locate(p.field, 'value');
    return { issue: { file, line: pos.line, column: pos.column, field: formatField(p.field), message: p.message }, related: p.related ?? [] };
  });
}

/**
 * Every problem of a scenario text, in file order (empty when it is valid), and the resolved
 * scenario when there are none. `file` names the text in issues and anchors relative paths.
 */
export function checkScenarioText(text: string, file: string, ctx: ScenarioContext): { issues: InputIssue[]; loaded?: LoadedScenario } {
  const source = parseYamlSource(text, file);
  const groups: IssueGroup[] = source.issues.map((issue) => ({ issue, related: [] }));
  if (source.usable) {
    const schemaProblems = checkSchema(source.data);
    const bad = schemaProblems.map((p) => p.field);
    const problems = [...schemaProblems];
    const scenario = applyDefaults(source.data, file);
    if (isRecord(scenario)) {
      problems.push(
        ...checkRules(scenario, {
          ctx,
          baseDir: dirname(resolve(file)),
          raw: source.data,
          trusted: (path) => !bad.some((b) => pathsOverlap(b, path)),
        }),
      );
    }
    groups.push(...locateProblems(problems, source, file));
    if (groups.length === 0) {
      const p = scenario.tenants.popularity;
      // Resolved form: the trace path no longer depends on where the scenario file was.
      if (p.type === 'trace') p.file = resolve(dirname(resolve(file)), p.file);
      return { issues: [], loaded: { scenario, file: resolve(file), source: text, hash: sha256(text) } };
    }
  }
  // Stable sort: problems at one position keep their stage order (YAML, schema, rules).
  groups.sort((a, b) => a.issue.line - b.issue.line || a.issue.column - b.issue.column);
  return { issues: groups.flatMap((g) => [g.issue, ...g.related]) };
}

/** Parses and validates a scenario text; throws InvalidInputError listing every problem. For tests and for callers that already hold the text. */
export function parseScenario(text: string, file: string, ctx: ScenarioContext): LoadedScenario {
  const { issues, loaded } = checkScenarioText(text, file, ctx);
  if (!loaded) throw new InvalidInputError(`scenario ${file}`, issues);
  return loaded;
}

/**
 * Reads, validates and resolves a scenario file against `ctx` (the application passes the real
 * registries, tests a fake). Throws InvalidInputError (an unreadable file included) listing every
 * problem.
 */
export function loadScenario(file: string, ctx: ScenarioContext): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const message =
      e.code === 'ENOENT' ? `scenario file not found (looked for ${resolve(file)})` : e.code === 'EISDIR' ? 'is a directory; name a scenario .yaml file' : `cannot read the scenario file: ${e.message}`;
    throw new InvalidInputError(`scenario ${file}`, [{ file, line: 1, column: 1, field: '', message }]);
  }
  return parseScenario(text, file, ctx);
}
