import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, InvalidInputError, type InputIssue } from '../errors.js';
import { projectRoot } from '../paths.js';
import { fakeScenarioContext } from '../scenario/fake-context.js';
import { isFleetText, loadFleet } from './load.js';
import { createScenarioAjv } from '../scenario/schema.js';
import { fleetSchema, fleetSchemaPath } from './schema.js';
import { popCount } from './expand.js';
import type { JsonSchema } from '../scenario/schema.js';

const testdata = join(projectRoot, 'lab', 'fleet', 'testdata');
const fixture = (name: string): string => join(testdata, `${name}.yaml`);

function issuesOf(name: string): InputIssue[] {
  try {
    loadFleet(fixture(name), fakeScenarioContext());
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.equal(error.what, `fleet ${fixture(name)}`);
    return error.issues;
  }
  assert.fail(`${name}.yaml loaded, but it is invalid`);
}

/** fixture, line, column, field, message: one failure per fixture file, where the file has it. */
const cases: [string, number, number, string, RegExp][] = [
  ['unknown-key', 9, 15, 'classes[0].spread.tenant', /^unknown key 'tenant' \(did you mean 'tenants'\?\); allowed keys: tenants, rate, mix$/],
  ['bad-spread', 9, 21, 'classes[0].spread.rate', /^must be less than 1; got 1\.5$/],
  ['wrong-type', 5, 14, 'pops[0].tenants', /^must be a whole number, e\.g\. `tenants: 3000`; got the text 'many'$/],
  ['missing-host', 4, 5, 'classes[0].host', /^missing required key 'host' \(The host size of this class's PoPs\); add it$/],
  ['unknown-runtime', 3, 21, 'runtimes[1]', /^the base scenario has no runtime labelled 'wasmtme' \(did you mean 'wasmtime'\?\); its labels: process, wasmtime$/],
  ['weights-sum', 10, 7, 'classes[0].mix', /^mix weights sum to 0\.9; they must sum to 1/],
  ['unknown-workload', 8, 23, 'pops[0].mix[0].workload', /^unknown workload 'helo' \(did you mean 'hello'\?\)/],
  ['offset-without-diurnal', 8, 21, 'pops[0].utcOffsetHours', /^a time zone shifts the fleet's diurnal curve, and the fleet has none/],
  ['duplicate-id', 6, 11, 'pops[0].id', /^PoP id 'metro-2' is also the id of PoP 2 of class 'metro'; rename it$/],
  ['partial-prices', 5, 13, 'classes[1]', /^other PoPs have a price and this one has none/],
  ['missing-base', 2, 7, 'base', /^base scenario 'no-such-base\.yaml' not found \(looked for .*no-such-base\.yaml\); the path is relative to the fleet file$/],
  ['no-pops', 1, 1, 'classes', /^the fleet has no PoP/],
  ['not-a-mapping', 1, 1, '', /^a fleet file must be a mapping of keys .*; got a list$/],
];

for (const [name, line, column, field, message] of cases) {
  test(`fleet ${name}.yaml fails with one issue at ${line}:${column} ${field}`, () => {
    const issues = issuesOf(name);
    assert.equal(issues.length, 1, issues.map(formatIssue).join('\n'));
    const i = issues[0]!;
    assert.deepEqual([i.file, i.line, i.column, i.field], [fixture(name), line, column, field], formatIssue(i));
    assert.match(i.message, message);
  });
}

test("an invalid base scenario: the fleet's base issue, then the base file's own at its line:column", () => {
  const issues = issuesOf('invalid-base');
  assert.equal(issues.length, 2, issues.map(formatIssue).join('\n'));
  assert.equal(formatIssue(issues[0]!), `${fixture('invalid-base')}:2:7: base: the base scenario ${fixture('invalid-base-scenario')} is invalid (1 problem, listed next at its own line:column); fix it or name another`);
  assert.equal(formatIssue(issues[1]!), `${fixture('invalid-base-scenario')}:6:18: traffic.rate: must be greater than 0; got -1`);
});

test('the tiny fleet loads: defaults filled, base resolved, six PoPs', () => {
  const f = loadFleet(fixture('tiny-fleet'), fakeScenarioContext());
  assert.equal(f.fleet.name, 'tiny-fleet');
  assert.equal(f.base.scenario.name, 'tiny-base');
  assert.deepEqual(f.fleet.diurnal, { periodSeconds: 4, amplitude: 0.5, peakLocalHour: 20, startUtcHour: 0 });
  assert.deepEqual(f.fleet.classes[0]!.spread, { tenants: 0.5, rate: 0.5, mix: 0.3 });
  assert.equal(f.fleet.pops[0]!.utcOffsetHours, 1);
  assert.equal(popCount(f), 6);
});

test('shipped fleet files are valid, name their schema, and fleet-4000 describes 4,000 PoPs in a small file', () => {
  const dir = join(projectRoot, 'scenarios');
  const fleets = readdirSync(dir).filter((f) => f.endsWith('.yaml') && isFleetText(readFileSync(join(dir, f), 'utf8')));
  assert.ok(fleets.includes('fleet-4000.yaml'), fleets.join(', '));
  for (const f of fleets) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=./fleet.schema.json', f);
    const loaded = loadFleet(join(dir, f), fakeScenarioContext());
    assert.equal(loaded.fleet.name, f.replace(/\.yaml$/, ''));
  }
  const big = loadFleet(join(dir, 'fleet-4000.yaml'), fakeScenarioContext());
  assert.equal(popCount(big), 4000);
  assert.ok(readFileSync(join(dir, 'fleet-4000.yaml'), 'utf8').split('\n').length < 150);
});

test('a scenario is no fleet text, a fleet file is', () => {
  assert.equal(isFleetText(readFileSync(join(projectRoot, 'scenarios', 'smoke.yaml'), 'utf8')), false);
  assert.equal(isFleetText(readFileSync(fixture('tiny-fleet'), 'utf8')), true);
  assert.equal(isFleetText('- a list'), false);
});

/** Every node of the schema with its place. */
function* nodes(node: JsonSchema, at: string): Generator<[string, JsonSchema]> {
  yield [at, node];
  for (const [k, sub] of Object.entries(node.properties ?? {})) yield* nodes(sub, `${at}/properties/${k}`);
  for (const [k, sub] of Object.entries(node.definitions ?? {})) yield* nodes(sub, `${at}/definitions/${k}`);
  if (node.items) yield* nodes(node.items, `${at}/items`);
}

test('the fleet schema compiles strictly, closes every object and documents every field and default', () => {
  const schema = JSON.parse(readFileSync(fleetSchemaPath, 'utf8')) as JsonSchema;
  assert.equal(typeof createScenarioAjv().compile(schema), 'function');
  const problems: string[] = [];
  for (const [at, node] of nodes(fleetSchema(), '#')) {
    if ((node.type === 'object' || node.properties) && node.additionalProperties !== false) problems.push(`${at}: open object`);
    if (/\/properties\/[^/]+$/.test(at)) {
      if (!node.description) problems.push(`${at}: no description`);
      else if (node.default !== undefined && !/Default:/.test(node.description)) problems.push(`${at}: default not documented`);
    }
  }
  assert.deepEqual(problems, []);
});
