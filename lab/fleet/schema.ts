/**
 * The fleet file's JSON Schema (scenarios/fleet.schema.json), compiled the way the scenario's
 * is, so a fleet file's problems read like a scenario's: file:line:column: field: message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { projectRoot } from '../paths.js';
import type { Problem } from '../scenario/problem.js';
import { checkSchemaWith, createScenarioAjv, type JsonSchema, type SchemaDocument } from '../scenario/schema.js';

/** Absolute path of the fleet schema in the source tree (editors point at it too). */
export const fleetSchemaPath = join(projectRoot, 'scenarios', 'fleet.schema.json');

let cachedSchema: JsonSchema | undefined;
let cachedValidate: ValidateFunction | undefined;

/** The parsed fleet schema (read once). */
export function fleetSchema(): JsonSchema {
  cachedSchema ??= JSON.parse(readFileSync(fleetSchemaPath, 'utf8')) as JsonSchema;
  return cachedSchema;
}

/** Every schema problem of a fleet file's data, in the scenario loader's words. */
export function checkFleetSchema(data: unknown): Problem[] {
  cachedValidate ??= createScenarioAjv().compile(fleetSchema());
  const doc: SchemaDocument = { root: fleetSchema(), mappingHint: 'a fleet file must be a mapping of keys (name:, base:, classes:, pops:, ...)' };
  return checkSchemaWith(cachedValidate, doc, data);
}
