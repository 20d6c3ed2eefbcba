import { test } from 'node:test';
import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../digest.js';
import { InvalidInputError, type InputIssue } from '../errors.js';
import { projectRoot } from '../paths.js';
import { fakeScenarioContext } from './fake-context.js';
import { loadScenario, parseScenario } from './load.js';
import { DEFAULT_TENANT_LIMITS } from './types.js';
import { validateScenarioFile } from './validate.js';

const testdata = join(projectRoot, 'lab', 'scenario', 'testdata');
const fixture = (name: string): string => join(testdata, `${name}.yaml`);

/** The issues of a fixture that must fail, from loadScenario's thrown error. */
function issuesOf(name: string): InputIssue[] {
  try {
    loadScenario(fixture(name), fakeScenarioContext());
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.equal(error.what, `scenario ${fixture(name)}`);
    return error.issues;
  }
  assert.fail(`${name}.yaml loaded, but it is invalid`);
}

/** fixture, line, column, field, message pattern: one failure case per fixture file. */
const cases: [string, number, number, string, RegExp][] = [
  ['bad-syntax', 4, 1, '', /^YAML syntax error: Flow map .* end with a }/],
  ['unknown-key', 21, 3, 'traffic.warmup', /^unknown key 'warmup' \(did you mean 'warmupSeconds'\?\); allowed keys: arrival, rate, warmupSeconds, durationSeconds, timeoutMs, generatorCpus$/],
  ['wrong-type', 19, 9, 'traffic.rate', /^must be a number, e\.g\. `rate: 40`; got the text 'fast'$/],
  ['negative-rate', 19, 9, 'traffic.rate', /^must be greater than 0; got -5$/],
  ['zero-rate', 19, 9, 'traffic.rate', /^must be greater than 0; got 0$/],
  ['weights-sum', 11, 5, 'tenants.mix', /^mix weights sum to 0\.9; they must sum to 1 \(±1e-6\)/],
  ['unknown-workload', 13, 17, 'tenants.mix[1].workload', /^unknown workload 'jwt-verfy' \(did you mean 'jwt-verify'\?\); registered workloads: ab-flag, ab-flag-c, ab-flag-go, ab-flag-py, hello, hello-c, hello-go, hello-py, jwt-verify, jwt-verify-c, jwt-verify-go, jwt-verify-py, telemetry, telemetry-c, telemetry-go, telemetry-py$/],
  ['duplicate-workload', 13, 17, 'tenants.mix[1].workload', /^workload 'hello' is already listed at tenants\.mix\[0\]/],
  ['missing-trace', 17, 11, 'tenants.popularity.file', /^trace file 'traces\/does-not-exist\.csv' not found .*relative to the scenario file$/],
  ['duplicate-key', 21, 3, 'traffic.rate', /^duplicate key 'rate': it is already set at line 19; keep only one$/],
  ['unknown-runtime', 23, 14, 'runtimes[1].runtime', /^unknown runtime 'wams' \(did you mean 'wasm'\?\); registered runners: container, jco-serve, process, wasm, wasmtime, wasmtime-serve$/],
  ['bad-runtime-options', 24, 7, 'runtimes[0].options', /^runner 'process' rejects its options: unknown option 'turbo'/],
  ['duplicate-label', 23, 14, 'runtimes[1].label', /^label 'process' \(defaulted from the runtime name\) is already used by runtimes\[0\]/],
  ['live-exceeds-count', 7, 12, 'live.tenants', /^live\.tenants is 150 but tenants\.count is 100;.* at most 100/],
  // A missing key points at the mapping that lacks it (traffic's first key).
  ['missing-required', 19, 3, 'traffic.rate', /^missing required key 'rate' \(Mean aggregate request rate.*\); add it, e\.g\. `rate: 40`$/],
  ['unknown-arrival-type', 20, 11, 'traffic.arrival.type', /^unknown type 'burst' \(did you mean 'bursts'\?\); allowed: constant, poisson, bursts, diurnal$/],
  ['cache-rate-range', 22, 21, 'cache.instanceMissRate', /^must be at most 1; got 1\.5$/],
  // No slo at all: reported by the schema at the top level, never an internal error of a rule reading it.
  ['missing-slo', 2, 1, 'slo', /^missing required key 'slo' \(Service-level objective/],
  ['slo-over-timeout', 25, 10, 'slo.p99Ms', /^slo\.p99Ms is 2000 but traffic\.timeoutMs is 1000/],
  ['slo-unknown-metric', 27, 17, 'slo.objectives[0].metric', /^must be one of p99, warm\.p99, cold\.p99, coldStart\.rate, errors\.rate; got the text 'warm\.p95' \(did you mean 'warm\.p99'\?\)/],
  ['slo-rate-over-one', 28, 38, 'slo.objectives[1].max', /^coldStart\.rate is a fraction of requests, so its bound is at most 1; got 5 \(write 5 % as 0\.05\)$/],
  ['bad-gate', 22, 5, 'gates[1]', /^unknown metric 'coldstart\.p99' in 'process\.coldstart\.p99' \(did you mean 'coldStart\.p99'\?\); valid metrics: latency\.p50, /],
  ['not-a-mapping', 2, 1, '', /^a scenario must be a mapping .*; got a list$/],
  ['empty', 1, 1, '', /got an empty file$/],
];

for (const [name, line, column, field, message] of cases) {
  test(`${name}.yaml fails with one issue at ${line}:${column} ${field}`, () => {
    const issues = issuesOf(name);
    assert.equal(issues.length, 1, issues.map((i) => i.message).join('\n'));
    const [issue] = issues as [InputIssue];
    assert.deepEqual({ file: issue.file, line: issue.line, column: issue.column, field: issue.field }, { file: fixture(name), line, column, field });
    assert.match(issue.message, message);
  });
}

test('a malformed trace is reported at the scenario field and at the trace file own line:column', () => {
  const issues = issuesOf('malformed-trace');
  assert.equal(issues.length, 2);
  const [atScenario, atTrace] = issues as [InputIssue, InputIssue];
  assert.deepEqual([atScenario.line, atScenario.column, atScenario.field], [17, 11, 'tenants.popularity.file']);
  assert.match(atScenario.message, /^trace file 'traces\/malformed\.csv' is malformed \(1 problem/);
  assert.deepEqual([atTrace.file, atTrace.line, atTrace.column], [join(testdata, 'traces', 'malformed.csv'), 2, 17]);
});

test('a file with many problems reports every one of them, in file order', () => {
  const got = issuesOf('multi-error').map((i) => `${i.line}:${i.column} ${i.field}`);
  assert.deepEqual(got, [
    '4:3 host.memory', // unknown key, with "did you mean memoryGiB" standing for the missing key too
    '7:12 live.tenants', // below the minimum
    '11:5 tenants.mix', // weights sum to 0.8
    '13:17 tenants.mix[1].workload', // unknown workload
    '19:9 traffic.rate', // negative
    '22:14 runtimes[0].runtime', // unknown runner
    '24:10 slo.p99Ms', // wrong type
  ]);
});

test('a rule whose field failed the schema stays silent instead of repeating the problem', () => {
  // live.tenants is 0 (schema) and tenants.count 100: the live <= count rule must not fire,
  // nor may the runtime rules when the entry itself is malformed.
  const ctx = fakeScenarioContext();
  const text = readFileSync(fixture('valid-minimal'), 'utf8').replace('  tenants: 4\n', '  tenants: 500.5\n').replace('  - runtime: process\n', '  - runtime: process\n    options: 5\n');
  assert.throws(
    () => parseScenario(text, fixture('inline'), ctx),
    (e: unknown) => e instanceof InvalidInputError && e.issues.map((i) => i.field).join() === 'live.tenants,runtimes[0].options',
  );
  assert.deepEqual(ctx.calls.options, [], 'options of a malformed runtime entry are not sent to the runner');
});

test('defaults come from the schema, and name/label from the file and runtime names', () => {
  const loaded = loadScenario(fixture('valid-minimal'), fakeScenarioContext());
  const s = loaded.scenario;
  assert.equal(s.name, 'valid-minimal');
  assert.equal(s.description, '');
  assert.equal(s.seed, 1);
  assert.equal(s.repetitions, 1);
  assert.deepEqual(s.gates, []);
  assert.deepEqual(s.traffic, { arrival: { type: 'poisson' }, rate: 20, durationSeconds: 5, warmupSeconds: 5, timeoutMs: 5000 });
  assert.deepEqual(s.cache, { instanceMissRate: 0, artifactMissRate: 0 });
  assert.deepEqual(s.keepAlive, { idleTimeoutSeconds: 60, maxInstancesPerTenant: 4, memoryBudgetMiB: 0 });
  assert.deepEqual(s.limits, DEFAULT_TENANT_LIMITS, 'the schema defaults of limits are the ones launches without a scenario take');
  assert.deepEqual(s.runtimes, [{ runtime: 'process', label: 'process', options: {} }]);
  assert.deepEqual(s.tenants.popularity, { type: 'zipf', exponent: 1 });
});

test('the resolved scenario records file, source and hash, and runner options are validated', () => {
  const ctx = fakeScenarioContext();
  const text = readFileSync(fixture('valid-minimal'), 'utf8');
  const loaded = loadScenario(fixture('valid-minimal'), ctx);
  assert.equal(loaded.file, fixture('valid-minimal'));
  assert.equal(loaded.source, text);
  assert.equal(loaded.hash, sha256(text));
  assert.match(loaded.hash, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(ctx.calls.options, ['process']);
});

test('a trace file is resolved against the scenario folder and checked by the context', () => {
  const ctx = fakeScenarioContext();
  const { scenario } = loadScenario(fixture('valid-trace'), ctx);
  const traceFile = join(testdata, 'traces', 'ok.csv');
  assert.deepEqual(scenario.tenants.popularity, { type: 'trace', file: traceFile, secondsPerMinute: 1, startMinute: 3 });
  assert.deepEqual(ctx.calls.traces, [traceFile]);
});

test('an omitted startMinute defaults to 1 inside the trace branch of the union', () => {
  const text = readFileSync(fixture('valid-trace'), 'utf8').replace('    startMinute: 3\n', '');
  const { scenario } = parseScenario(text, fixture('valid-trace'), fakeScenarioContext());
  assert.equal(scenario.tenants.popularity.type === 'trace' && scenario.tenants.popularity.startMinute, 1);
});

test('an alias is reported where it is used, not at its anchor', () => {
  const text = readFileSync(fixture('valid-minimal'), 'utf8').replace('  rate: 20\n', '  rate: *bad\n').replace('name: valid-minimal\n', 'name: valid-minimal\ndescription: &bad fast\n');
  assert.throws(
    () => parseScenario(text, 'x.yaml', fakeScenarioContext()),
    (e: unknown) => e instanceof InvalidInputError && e.issues.length === 1 && e.issues[0]?.field === 'traffic.rate' && e.issues[0].line === 20 && e.issues[0].column === 9,
  );
});

test('a scenario without name: takes its file name, which must then be a valid name', () => {
  const text = readFileSync(fixture('valid-minimal'), 'utf8').replace('name: valid-minimal\n', '');
  assert.equal(parseScenario(text, join(testdata, 'edge-pop.v2.yaml'), fakeScenarioContext()).scenario.name, 'edge-pop.v2');
  assert.throws(
    () => parseScenario(text, join(testdata, 'my scenario.yaml'), fakeScenarioContext()),
    (e: unknown) => e instanceof InvalidInputError && e.issues.length === 1 && e.issues[0]?.field === 'name' && /file name 'my scenario' is not a valid one/.test(e.issues[0].message),
  );
});

test('a missing scenario file is an input error naming the path', () => {
  assert.throws(
    () => loadScenario(fixture('no-such-file'), fakeScenarioContext()),
    (e: unknown) => e instanceof InvalidInputError && /scenario file not found/.test(e.issues[0]?.message ?? ''),
  );
});

test('validateScenarioFile returns issues as data and the scenario when valid', () => {
  const bad = validateScenarioFile(fixture('zero-rate'), fakeScenarioContext());
  assert.equal(bad.ok, false);
  assert.equal(bad.issues[0]?.field, 'traffic.rate');
  const good = validateScenarioFile(fixture('valid-minimal'), fakeScenarioContext());
  assert.ok(good.ok);
  assert.equal(good.scenario.scenario.name, 'valid-minimal');
});

test('hostile.neighbours: a drip takes its pacing or the hostile workloads\' defaults; an unknown behaviour is an error at its file:line:column', () => {
  const text = readFileSync(fixture('valid-minimal'), 'utf8');
  assert.deepEqual(parseScenario(`${text}\nhostile: { neighbours: [{ behaviour: drip, chunks: 4, pauseMs: 50 }, { behaviour: spin }] }\n`, 'a.yaml', fakeScenarioContext()).scenario.hostile?.neighbours, [
    { workload: 'hostile', behaviour: 'drip', fromSeconds: 0, everySeconds: 1, chunks: 4, pauseMs: 50 },
    { workload: 'hostile', behaviour: 'spin', fromSeconds: 0, everySeconds: 1 },
  ]);
  assert.deepEqual(parseScenario(`${text}\nhostile: { neighbours: [{ behaviour: drip }] }\n`, 'a.yaml', fakeScenarioContext()).scenario.hostile?.neighbours[0], { workload: 'hostile', behaviour: 'drip', fromSeconds: 0, everySeconds: 1 });
  const line = text.split('\n').length + 2;
  assert.throws(
    () => parseScenario(`${text}\nhostile:\n  neighbours:\n    - { behaviour: dribble }\n`, 'a.yaml', fakeScenarioContext()),
    (e: unknown) => {
      assert.ok(e instanceof InvalidInputError);
      const issue = e.issues.find((i) => i.field === 'hostile.neighbours[0].behaviour');
      assert.ok(issue, e.message);
      assert.equal(issue.file, 'a.yaml');
      assert.deepEqual([issue.line, issue.column], [line + 1, 20], e.message);
      assert.match(e.message, /drip/, 'the message names the behaviours there are');
      return true;
    },
  );
});

test('hostile: absent by default; `{}` means the probes of both hostile workloads and no neighbour; an unknown workload, behaviour or field, a neighbour after the window, or a CPU limit this machine cannot enforce, names its place', () => {
  const text = readFileSync(fixture('valid-minimal'), 'utf8');
  assert.equal(parseScenario(text, 'a.yaml', fakeScenarioContext()).scenario.hostile, undefined);
  assert.deepEqual(parseScenario(`${text}\nhostile: {}\n`, 'a.yaml', fakeScenarioContext()).scenario.hostile, { probes: true, workloads: ['hostile', 'hostile-c'], neighbours: [] });
  assert.deepEqual(parseScenario(`${text}\nhostile: { neighbours: [{ behaviour: fork }] }\n`, 'a.yaml', fakeScenarioContext()).scenario.hostile?.neighbours, [
    { workload: 'hostile', behaviour: 'fork', fromSeconds: 0, everySeconds: 1 },
  ]);
  for (const [bad, field] of [
    ['hostile: { workloads: [hello] }', 'hostile.workloads[0]'],
    ['hostile: { probe: true }', 'hostile.probe'],
    ['hostile: { neighbours: [{ behaviour: teleport }] }', 'hostile.neighbours[0].behaviour'],
    ['hostile: { neighbours: [{ behaviour: spin, fromSeconds: 3600 }] }', 'hostile.neighbours[0].fromSeconds'],
    ['hostile: { neighbour: { behaviour: spin } }', 'hostile.neighbour'],
    [`limits: { cpus: ${availableParallelism() + 1} }`, 'limits.cpus'],
    ['hostile: { neighbours: [{ behaviour: spin }, { workload: hostile-c, behaviour: spin }] }', 'hostile.neighbours[1].behaviour'],
    ['hostile: { neighbours: [{ behaviour: spin, chunks: 3 }] }', 'hostile.neighbours[0].chunks'],
    ['hostile: { neighbours: [{ behaviour: bomb, pauseMs: 30 }] }', 'hostile.neighbours[0].pauseMs'],
    ['hostile: { neighbours: [{ behaviour: drip, chunks: 1 }] }', 'hostile.neighbours[0].chunks'],
    ['hostile: { neighbours: [{ behaviour: drip, pauseMs: 0.5 }] }', 'hostile.neighbours[0].pauseMs'],
  ] as const) {
    assert.throws(() => parseScenario(`${text}\n${bad}\n`, 'a.yaml', fakeScenarioContext()), (e: unknown) => {
      assert.ok(e instanceof InvalidInputError);
      assert.ok(e.issues.some((i) => i.field === field), `${bad}: ${e.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
      return true;
    });
  }
});
