/**
 * The scenario JSON Schema (scenarios/scenario.schema.json, the single source of truth for keys,
 * types, limits and defaults) and the translation of Ajv's errors into messages users can act
 * on: the limit, the actual value and the fix, with a suggestion for misspelt keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { projectRoot } from '../paths.js';
import { pointerToPath } from './field-path.js';
import type { Problem } from './problem.js';
import { closestMatch, didYouMean } from './suggest.js';

/** Absolute path of the scenario schema in the source tree (editors point at it too). */
export const scenarioSchemaPath = join(projectRoot, 'scenarios', 'scenario.schema.json');

/** The parts of a JSON Schema node the loader reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  discriminator?: { propertyName: string };
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  patternErrorMessage?: string;
  definitions?: Record<string, JsonSchema>;
}

let cachedSchema: JsonSchema | undefined;
let cachedValidate: ValidateFunction | undefined;

/** The parsed schema file (read once). */
export function scenarioSchema(): JsonSchema {
  cachedSchema ??= JSON.parse(readFileSync(scenarioSchemaPath, 'utf8')) as JsonSchema;
  return cachedSchema;
}

/**
 * An Ajv instance configured for the scenario schema: every error (not just the first), the
 * failing schema and data attached (messages need them), the `discriminator` keyword (so a
 * wrong `type:` gives one clear error instead of one per union branch) and yaml-language-server's
 * `patternErrorMessage` annotation.
 */
export function createScenarioAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: true });
  ajv.addVocabulary(['patternErrorMessage']);
  return ajv;
}

function validator(): ValidateFunction {
  cachedValidate ??= createScenarioAjv().compile(scenarioSchema());
  return cachedValidate;
}

/** The schema a `$ref` (`#/definitions/x`) points at, or the node itself when it has none. */
export function deref(node: JsonSchema, root: JsonSchema = scenarioSchema()): JsonSchema {
  if (!node.$ref) return node;
  const name = node.$ref.replace(/^#\/definitions\//, '');
  const target = root.definitions?.[name];
  if (!target) throw new Error(`scenario schema: unresolved $ref ${node.$ref}`);
  return { ...target, ...node, $ref: undefined };
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping (keys on indented lines below it)',
  array: 'a list (entries starting with "- ")',
  null: 'empty',
};

/** How a value reads in a message: `-5`, `the text 'fast'`, `a list`... */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (typeof value === 'string') return `the text '${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function inline(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${inline(v)}`).join(', ')} }`;
  }
  return String(value);
}

function firstSentence(text: string): string {
  const m = /^(.*?[.!?])(\s|$)/s.exec(text);
  return (m?.[1] ?? text).replace(/\.$/, '');
}

/** `, e.g. \`rate: 40\`` from the field schema's first example, or ''. */
function exampleHint(schema: JsonSchema | undefined, key: string | number | undefined): string {
  const example = schema?.examples?.[0] ?? schema?.default;
  // Only scalars make a readable one-line example (not `description: ` or `gates: `).
  if (example === undefined || example === '' || typeof example === 'object') return '';
  return typeof key === 'string' ? `, e.g. \`${key}: ${inline(example)}\`` : `, e.g. ${inline(example)}`;
}

function unionTypes(schema: JsonSchema, tag: string, root: JsonSchema): string[] {
  return (schema.oneOf ?? []).map((b) => deref(b, root).properties?.[tag]?.const).filter((c): c is string => typeof c === 'string');
}

function asSchema(x: unknown): JsonSchema | undefined {
  return x !== null && typeof x === 'object' ? (x as JsonSchema) : undefined;
}

/** What a document of one schema is, for the message when it is not a mapping at all. */
export interface SchemaDocument {
  /** The schema itself ($refs resolve against it). */
  root: JsonSchema;
  /** The message's start for a document that is no mapping: `a scenario must be a mapping of keys (name:, host:, ...)`. */
  mappingHint: string;
}

const SCENARIO_DOCUMENT = (): SchemaDocument => ({ root: scenarioSchema(), mappingHint: 'a scenario must be a mapping of keys (name:, host:, tenants:, ...)' });

/** Rewrites one Ajv error as a problem users can act on. */
function toProblem(e: ErrorObject, data: unknown, doc: SchemaDocument): Problem {
  const path = pointerToPath(e.instancePath, data);
  const parent = asSchema(e.parentSchema);
  const params = e.params as Record<string, unknown>;
  const last = path[path.length - 1];
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      return {
        field: [...path, key],
        at: { path: [...path, key], part: 'key' },
        message: allowed.length
          ? `unknown key '${key}'${didYouMean(key, allowed)}; allowed keys: ${allowed.join(', ')}`
          : `unknown key '${key}'; this mapping takes no keys`,
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      const fieldSchema = parent?.properties?.[key] ? deref(parent.properties[key] as JsonSchema, doc.root) : undefined;
      const what = `${fieldSchema?.description ? ` (${firstSentence(fieldSchema.description)})` : ''}; add it${exampleHint(fieldSchema, key)}`;
      return { field: [...path, key], at: { path, part: 'value' }, message: `missing required key '${key}'${what}` };
    }
    case 'type': {
      const expected = ([] as string[]).concat(params.type as string | string[]).map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      if (path.length === 0) {
        return { field: path, message: `${doc.mappingHint}; got ${data === null || data === undefined ? 'an empty file' : describeValue(data)}` };
      }
      return { field: path, message: `must be ${expected}${exampleHint(parent, last)}; got ${describeValue(e.data)}` };
    }
    case 'exclusiveMinimum':
      return { field: path, message: `must be greater than ${String(params.limit)}; got ${describeValue(e.data)}` };
    case 'minimum':
      return { field: path, message: `must be at least ${String(params.limit)}; got ${describeValue(e.data)}` };
    case 'exclusiveMaximum':
      return { field: path, message: `must be less than ${String(params.limit)}; got ${describeValue(e.data)}` };
    case 'maximum':
      return { field: path, message: `must be at most ${String(params.limit)}; got ${describeValue(e.data)}` };
    case 'minItems': {
      const n = Number(params.limit);
      const got = Array.isArray(e.data) ? e.data.length : 0;
      return { field: path, message: `must list at least ${n} ${n === 1 ? 'entry' : 'entries'}; got ${got}` };
    }
    case 'minLength':
      return { field: path, message: Number(params.limit) === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long; got ${describeValue(e.data)}` };
    case 'pattern':
      return { field: path, message: `${parent?.patternErrorMessage ?? `must match the pattern ${String(params.pattern)}`}; got ${describeValue(e.data)}` };
    case 'enum':
    case 'const': {
      const allowed = e.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue];
      const names = allowed.map((v) => String(v));
      const hint = typeof e.data === 'string' ? didYouMean(e.data, names) : '';
      return { field: path, message: `must be ${names.length === 1 ? `'${names[0]}'` : `one of ${names.join(', ')}`}; got ${describeValue(e.data)}${hint}` };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const types = parent ? unionTypes(parent, tag, doc.root) : [];
      const value = params.tagValue;
      if (value === undefined) {
        return { field: [...path, tag], at: { path, part: 'value' }, message: `missing required key '${tag}'; it selects the kind: one of ${types.join(', ')}` };
      }
      const hint = typeof value === 'string' ? didYouMean(value, types) : '';
      return {
        field: [...path, tag],
        message: `${typeof value === 'string' ? `unknown ${tag} '${value}'` : `must be text; got ${describeValue(value)}`}${hint}; allowed: ${types.join(', ')}`,
      };
    }
    default:
      return { field: path, message: `${e.message ?? 'is invalid'}; got ${describeValue(e.data)}` };
  }
}

/**
 * Missing keys that an unknown key of the same mapping probably meant (`memory:` for
 * `memoryGiB:`): the unknown-key message already says "did you mean", so a second issue for the
 * missing key would only repeat it.
 */
function explainedMissingKeys(errors: readonly ErrorObject[]): Set<string> {
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = Object.keys(asSchema(e.parentSchema)?.properties ?? {});
    const meant = closestMatch(String((e.params as Record<string, unknown>).additionalProperty), allowed);
    if (meant !== undefined) out.add(`${e.instancePath}/${meant}`);
  }
  return out;
}

/** Validates the plain data of a scenario file against the schema; every problem, rewritten for users. */
export function checkSchema(data: unknown): Problem[] {
  return checkSchemaWith(validator(), SCENARIO_DOCUMENT(), data);
}

/**
 * Validates plain data against any schema of the lab compiled by `createScenarioAjv` (the
 * scenario's, the fleet file's), with the same messages: every problem, rewritten for users.
 */
export function checkSchemaWith(validate: ValidateFunction, doc: SchemaDocument, data: unknown): Problem[] {
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const explained = explainedMissingKeys(errors);
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of errors) {
    if (e.keyword === 'required' && explained.has(`${e.instancePath}/${String((e.params as Record<string, unknown>).missingProperty)}`)) continue;
    const p = toProblem(e, data, doc);
    const key = `${p.field.join('\u0000')}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

