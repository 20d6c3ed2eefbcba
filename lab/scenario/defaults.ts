/**
 * Defaults: the values the schema documents under `default`, applied by walking the schema
 * alongside the data (so the schema stays the one place that states them), plus the two
 * defaults a schema cannot express because they copy another value: a scenario's `name` (its
 * file name) and a runtime's `label` (its runtime name).
 */
import { basename, extname } from 'node:path';
import { deref, scenarioSchema, type JsonSchema } from './schema.js';
import type { Scenario } from './types.js';

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** The branch of a discriminated union that `data` selects, if any. */
function branchOf(schema: JsonSchema, data: Record<string, unknown>, root: JsonSchema): JsonSchema | undefined {
  const tag = schema.discriminator?.propertyName;
  if (!tag || !schema.oneOf) return undefined;
  return schema.oneOf.map((b) => deref(b, root)).find((b) => b.properties?.[tag]?.const === data[tag]);
}

function fill(schemaNode: JsonSchema, data: unknown, root: JsonSchema): void {
  const schema = deref(schemaNode, root);
  if (Array.isArray(data)) {
    if (schema.items) for (const item of data) fill(schema.items, item, root);
    return;
  }
  if (!isRecord(data)) return;
  const branch = branchOf(schema, data, root);
  if (branch) fill(branch, data, root);
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const resolved = deref(sub, root);
    if (!(key in data) && resolved.default !== undefined) data[key] = structuredClone(resolved.default);
    if (key in data) fill(resolved, data[key], root);
  }
}

/** A copy of `data` with every default of `schema` (the scenario's unless given; its $refs resolve in it) filled in where the key is absent. Tolerates data that failed the schema. */
export function applySchemaDefaults(data: unknown, schema: JsonSchema = scenarioSchema()): unknown {
  const copy = structuredClone(data);
  fill(schema, copy, schema);
  return copy;
}

/** The name a scenario without `name:` gets: its file name without the extension. */
export function defaultScenarioName(file: string): string {
  return basename(file, extname(file));
}

/**
 * The resolved scenario: schema defaults plus `name` and runtime `label`. The result has the
 * Scenario shape only where the schema check passed; the rules skip fields that failed it.
 */
export function applyDefaults(data: unknown, file: string): Scenario {
  const out = applySchemaDefaults(data);
  if (isRecord(out)) {
    if (!('name' in out)) out.name = defaultScenarioName(file);
    if (Array.isArray(out.runtimes)) {
      for (const r of out.runtimes) if (isRecord(r) && !('label' in r) && 'runtime' in r) r.label = r.runtime;
    }
  }
  return out as Scenario;
}
