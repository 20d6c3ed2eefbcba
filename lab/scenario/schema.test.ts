import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createScenarioAjv, scenarioSchemaPath, type JsonSchema } from './schema.js';

const schema = JSON.parse(readFileSync(scenarioSchemaPath, 'utf8')) as JsonSchema;

/** Every schema node with its JSON-pointer-like location. */
function* nodes(node: JsonSchema, at: string): Generator<[string, JsonSchema]> {
  yield [at, node];
  for (const [k, sub] of Object.entries(node.properties ?? {})) yield* nodes(sub, `${at}/properties/${k}`);
  for (const [k, sub] of Object.entries(node.definitions ?? {})) yield* nodes(sub, `${at}/definitions/${k}`);
  if (node.items) yield* nodes(node.items, `${at}/items`);
  for (const [i, sub] of (node.oneOf ?? []).entries()) yield* nodes(sub, `${at}/oneOf/${i}`);
}

/** Runner options are checked by each runner's own validator, so their mapping is open on purpose. */
const OPEN_OBJECTS = new Set(['#/definitions/runtime/properties/options']);

test('the schema compiles with Ajv in strict mode', () => {
  const validate = createScenarioAjv().compile(schema);
  assert.equal(typeof validate, 'function');
});

test('every object in the schema forbids unknown keys', () => {
  const open: string[] = [];
  let objects = 0;
  for (const [at, node] of nodes(schema, '#')) {
    const isObject = node.type === 'object' || node.properties !== undefined;
    if (!isObject || node.oneOf) continue; // a union is closed by each of its branches
    objects++;
    if (node.additionalProperties !== false && !OPEN_OBJECTS.has(at)) open.push(at);
  }
  assert.deepEqual(open, []);
  assert.ok(objects > 15, `walked only ${objects} objects: the walk is broken`);
});

test('every field has a description, and every default is stated in it', () => {
  const missing: string[] = [];
  for (const [at, node] of nodes(schema, '#')) {
    if (!/\/properties\/[^/]+$/.test(at)) continue;
    if (!node.description) missing.push(`${at}: no description`);
    else if (node.default !== undefined && !/Default:/.test(node.description)) missing.push(`${at}: default not documented`);
  }
  assert.deepEqual(missing, []);
});

test('field names that carry a quantity carry its unit', () => {
  const unitless = ['memory', 'duration', 'warmup', 'timeout', 'p99', 'idleTimeout', 'memoryBudget', 'period', 'on', 'off'];
  const bad: string[] = [];
  for (const [at] of nodes(schema, '#')) {
    const key = /\/properties\/([^/]+)$/.exec(at)?.[1];
    if (key && unitless.includes(key)) bad.push(at);
  }
  assert.deepEqual(bad, []);
});
