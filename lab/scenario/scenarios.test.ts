import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue } from '../errors.js';
import { projectRoot } from '../paths.js';
import { fakeScenarioContext } from './fake-context.js';
import { validateScenarioFile } from './validate.js';

const dir = join(projectRoot, 'scenarios');
/** Scenario files; fleet files (their first line names fleet.schema.json) are checked by lab/fleet/load.test.ts. */
const shipped = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !readFileSync(join(dir, f), 'utf8').startsWith('# yaml-language-server: $schema=./fleet.schema.json'));

test('the expected scenarios are shipped', () => {
  for (const name of ['smoke.yaml', 'pop-16gb.yaml', 'bursty-flash-crowd.yaml', 'diurnal-trace.yaml']) assert.ok(shipped.includes(name), name);
});

for (const f of shipped) {
  test(`scenarios/${f} is valid and names the schema for editors`, () => {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=./scenario.schema.json');
    const r = validateScenarioFile(join(dir, f), fakeScenarioContext());
    assert.ok(r.ok, r.issues.map(formatIssue).join('\n'));
    assert.equal(r.scenario.scenario.name, f.replace(/\.yaml$/, ''));
  });
}

test('the traffic-shape scenarios run in about a minute per runtime', () => {
  for (const f of ['bursty-flash-crowd.yaml', 'diurnal-trace.yaml']) {
    const r = validateScenarioFile(join(dir, f), fakeScenarioContext());
    assert.ok(r.ok, f);
    const { traffic, repetitions } = r.scenario.scenario;
    assert.ok((traffic.warmupSeconds + traffic.durationSeconds) * repetitions <= 70, `${f} runs too long`);
  }
});

test('smoke.yaml stays small: every runner, under a minute of traffic in all, all four workloads', () => {
  const r = validateScenarioFile(join(dir, 'smoke.yaml'), fakeScenarioContext());
  assert.ok(r.ok);
  const s = r.scenario.scenario;
  assert.deepEqual(s.runtimes.map((x) => x.runtime), ['process', 'wasm', 'wasmtime', 'container']);
  assert.ok((s.traffic.warmupSeconds + s.traffic.durationSeconds) * s.repetitions * s.runtimes.length < 60);
  assert.deepEqual(s.tenants.mix.map((m) => m.workload).sort(), ['ab-flag', 'hello', 'jwt-verify', 'telemetry']);
});
