import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import { defaultScenarioContext, loadLabScenario } from './scenario-context.js';

const ctx = defaultScenarioContext();

test('the real registries know the shipped workloads and the process runner', () => {
  for (const w of ['hello', 'jwt-verify', 'ab-flag', 'telemetry']) assert.ok(ctx.workloadNames().includes(w), w);
  assert.ok(ctx.runnerNames().includes('process'));
  assert.deepEqual(ctx.validateRunnerOptions('process', {}), []);
});

test('the real trace check reports a bad count at its own line:column and accepts a good file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-trace-'));
  const good = join(dir, 'good.csv');
  const bad = join(dir, 'bad.csv');
  writeFileSync(good, 'HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,2\n');
  writeFileSync(bad, 'HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,x\n');
  assert.deepEqual(ctx.checkTraceFile(good), []);
  const issues = ctx.checkTraceFile(bad);
  assert.ok(issues.length > 0);
  assert.equal(issues[0]?.line, 2);
});

test('the shipped smoke scenario loads with the real context', async () => {
  const loaded = loadLabScenario(join(projectRoot, 'scenarios', 'smoke.yaml'));
  assert.equal(loaded.scenario.name, 'smoke');
});
