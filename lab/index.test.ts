/** The library entry used as a script would: load, plan, gate and render without the CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { projectRoot } from './paths.js';
import { ExitCode, InputError, loadResult, loadScenario, planTraffic, renderMarkdown, runGates, summarisePlan, validateScenario } from './index.js';

test('the library plans a scenario, gates a result and renders it, as the CLI does', () => {
  const loaded = loadScenario(join(projectRoot, 'scenarios', 'smoke.yaml'));
  const plan = planTraffic(loaded.scenario, { hello: 1, 'jwt-verify': 1, 'ab-flag': 1, telemetry: 1 });
  assert.equal(summarisePlan(plan).requests, plan.requests.length);
  const baseline = loadResult(join(projectRoot, 'results', 'baselines', 'smoke.json'));
  const gates = runGates(baseline, { baseline });
  assert.ok(gates.exitCode === ExitCode.ok || gates.exitCode === ExitCode.gateInconclusive, gates.results.map((g) => g.verdict).join(', '));
  assert.match(renderMarkdown(baseline), /### Verdict/);
});

test('the library reports bad input as data or as typed errors', () => {
  const bad = validateScenario(join(projectRoot, 'lab', 'app', 'testdata', 'bad-rate.yaml'));
  assert.equal(bad.ok, false);
  assert.match(bad.issues[0]?.field ?? '', /traffic\.rate/);
  assert.throws(() => planTraffic({ ...loadScenario(join(projectRoot, 'scenarios', 'smoke.yaml')).scenario, seed: 0.5 }, { hello: 1 }), InputError);
});
