/**
 * Loads a fleet file the way a scenario is loaded: YAML (positions kept) -> JSON Schema ->
 * defaults -> cross-field rules, then the base scenario through the scenario loader. Every
 * problem is collected and thrown as one InvalidInputError at file:line:column with its field;
 * a base scenario's own problems follow the `base` issue at the base file's positions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument } from 'yaml';
import { basename, dirname, extname, resolve } from 'node:path';
import { sha256 } from '../digest.js';
import { InvalidInputError, type InputIssue } from '../errors.js';
import type { ScenarioContext } from '../scenario/context.js';
import { applySchemaDefaults } from '../scenario/defaults.js';
import { formatField, pathsOverlap } from '../scenario/field-path.js';
import { loadScenario } from '../scenario/load.js';
import type { Problem } from '../scenario/problem.js';
import type { LoadedScenario } from '../scenario/types.js';
import { parseYamlSource } from '../scenario/yaml-source.js';
import { checkFleetRules } from './rules.js';
import { checkFleetSchema, fleetSchema } from './schema.js';
import type { FleetSpec, LoadedFleet } from './types.js';

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Options of loading: the base scenario's path instead of the one the file names (a Job pod mounts it elsewhere). */
export interface FleetLoadOptions {
  baseOverride?: string;
}

/**
 * Every problem of a fleet text, in file order (empty when it is valid), and the loaded fleet
 * when there are none. `file` names the text in issues and anchors the base scenario's path.
 */
export function checkFleetText(text: string, file: string, ctx: ScenarioContext, opts: FleetLoadOptions = {}): { issues: InputIssue[]; loaded?: LoadedFleet } {
  const source = parseYamlSource(text, file);
  const groups: { issue: InputIssue; related: InputIssue[] }[] = source.issues.map((issue) => ({ issue, related: [] }));
  let loaded: LoadedFleet | undefined;
  if (source.usable) {
    const problems: Problem[] = checkFleetSchema(source.data);
    const bad = problems.map((p) => p.field);
    const trusted = (path: readonly (string | number)[]) => !bad.some((b) => pathsOverlap(b, path));
    const data = applySchemaDefaults(source.data, fleetSchema());
    const fleet = data as FleetSpec;
    let base: LoadedScenario | undefined;
    if (isRecord(data)) {
      if (!('name' in data)) data.name = basename(file, extname(file));
      if (typeof fleet.base === 'string' && trusted(['base'])) {
        const basePath = opts.baseOverride ? resolve(opts.baseOverride) : resolve(dirname(resolve(file)), fleet.base);
        if (!existsSync(basePath)) {
          problems.push({ field: ['base'], message: `base scenario '${opts.baseOverride ?? fleet.base}' not found (looked for ${basePath})${opts.baseOverride ? '' : '; the path is relative to the fleet file'}` });
        } else try {
          base = loadScenario(basePath, ctx);
        } catch (e) {
          if (!(e instanceof InvalidInputError)) throw e;
          problems.push({ field: ['base'], message: `the base scenario ${basePath} is invalid (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}, listed next at its own line:column); fix it or name another`, related: e.issues });
        }
      }
      problems.push(...checkFleetRules(fleet, { ctx, base, trusted }));
    }
    for (const p of problems) {
      const pos = p.at ? source.locate(p.at.path, p.at.part) : source.locate(p.field, 'value');
      groups.push({ issue: { file, line: pos.line, column: pos.column, field: formatField(p.field), message: p.message }, related: p.related ?? [] });
    }
    if (groups.length === 0 && base) loaded = { fleet, file: resolve(file), source: text, hash: sha256(text), base };
  }
  if (loaded) return { issues: [], loaded };
  groups.sort((a, b) => a.issue.line - b.issue.line || a.issue.column - b.issue.column);
  return { issues: groups.flatMap((g) => [g.issue, ...g.related]) };
}

/** Parses and validates a fleet text; throws InvalidInputError listing every problem. */
export function parseFleet(text: string, file: string, ctx: ScenarioContext, opts: FleetLoadOptions = {}): LoadedFleet {
  const { issues, loaded } = checkFleetText(text, file, ctx, opts);
  if (!loaded) throw new InvalidInputError(`fleet ${file}`, issues);
  return loaded;
}

/** Reads, validates and resolves a fleet file and its base scenario against `ctx`. Throws InvalidInputError (an unreadable file included) listing every problem. */
export function loadFleet(file: string, ctx: ScenarioContext, opts: FleetLoadOptions = {}): LoadedFleet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const message = e.code === 'ENOENT' ? `fleet file not found (looked for ${resolve(file)})` : e.code === 'EISDIR' ? 'is a directory; name a fleet .yaml file' : `cannot read the fleet file: ${e.message}`;
    throw new InvalidInputError(`fleet ${file}`, [{ file, line: 1, column: 1, field: '', message }]);
  }
  return parseFleet(text, file, ctx, opts);
}

/**
 * Whether a YAML text is a fleet file rather than a scenario: its top level names a `base:`
 * scenario (a scenario has no such key). `lab validate` checks each file as what it is.
 */
export function isFleetText(text: string): boolean {
  const doc = parseDocument(text);
  const top = doc.contents;
  return isMap(top) && top.items.some((p) => isScalar(p.key) && p.key.value === 'base');
}

/** Outcome of validating one fleet file: every issue, and the loaded fleet when there are none. */
export type FleetValidation = { ok: true; issues: []; fleet: LoadedFleet } | { ok: false; issues: InputIssue[]; fleet?: undefined };

/** Validates a fleet file (and its base scenario) without simulating anything. Only invalid input is returned as issues; other failures throw. */
export function validateFleetFile(file: string, ctx: ScenarioContext): FleetValidation {
  try {
    return { ok: true, issues: [], fleet: loadFleet(file, ctx) };
  } catch (error) {
    if (error instanceof InvalidInputError) return { ok: false, issues: error.issues };
    throw error;
  }
}
