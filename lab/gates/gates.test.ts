/**
 * Gate behaviour the issue asks for: typos are rejected with the valid names; a synthetic
 * regression beyond the limit fails; noise within the interval gives pass or inconclusive and
 * never fail (over many seeded trials); verdicts map to exit codes 0 / 10 / 11.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode } from '../errors.js';
import { FIXTURE_RUNTIMES, fixtureResult } from '../results/testdata/fixture.js';
import { metricNames } from '../stats/metrics.js';
import { evaluateGate, evaluateScenarioGates } from './evaluate.js';
import { parseGateExpression, validateGateExpression } from './expression.js';
import { defaultLimits, runGates } from './gates.js';
import { DEFAULT_REGRESSION_LIMITS, evaluateRegression, parseLimits } from './regression.js';
import { gateExitCode, intervalVerdict, type GateResult } from './verdict.js';

const LABELS = FIXTURE_RUNTIMES.map((r) => r.label);
const [PROC, WASM] = FIXTURE_RUNTIMES as [typeof FIXTURE_RUNTIMES[0], typeof FIXTURE_RUNTIMES[0]];
const fast = { resamples: 600 };

test('valid expressions of every form parse', () => {
  for (const e of ['process.coldStart.p99 < 5ms', 'wasm.latency.p99 < 20ms', 'process.coldStart.p50 / wasm.coldStart.p50 > 10', 'wasm.memory.perInstance <= 8MiB', 'wasm.coldStart.rate < 15%', 'wasm.throughput.rps >= 30 req/s', 'wasm.memory.density > 1000', 'wasm.latency.p999<1.5s']) {
    assert.deepEqual(validateGateExpression(e, LABELS), [], e);
  }
  const p = parseGateExpression('wasm.latency.p99 < 1.5s', LABELS);
  assert.ok(p.ok);
  assert.equal(p.gate.threshold, 1500);
});

test('a typo in a metric name is rejected with the list of valid names', () => {
  const errors = validateGateExpression('wasm.latncy.p99 < 20ms', LABELS);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /unknown metric 'latncy\.p99'/);
  assert.match(errors[0]!, /did you mean 'latency\.p99'/);
  for (const name of metricNames()) assert.ok(errors[0]!.includes(name), `list lacks ${name}`);
});

test('an unknown runtime label or unit is an error naming the valid ones', () => {
  const label = validateGateExpression('wsam.latency.p99 < 20ms', LABELS);
  assert.match(label.join('\n'), /unknown runtime label 'wsam'.*did you mean 'wasm'.*valid labels: process, wasm/);
  const unit = validateGateExpression('wasm.latency.p99 < 20MiB', LABELS);
  assert.match(unit.join('\n'), /unknown unit 'MiB'.*valid units: us, µs, ms, s/);
  assert.match(validateGateExpression('wasm.latency.p99 < 20', LABELS).join(), /needs a unit/);
  assert.match(validateGateExpression('wasm.latency.p99 / wasm.memory.perInstance > 2', LABELS).join(), /divide like by like/);
  assert.match(validateGateExpression('process.coldStart.p50 / wasm.coldStart.p50 > 10ms', LABELS).join(), /unitless/);
  assert.match(validateGateExpression('wasm.latency.p99 20ms', LABELS).join(), /no comparison/);
});

test('every problem of an expression is reported, not only the first', () => {
  const errors = validateGateExpression('wsam.latency.p99 / wasm.coldStrat.p50 > 10', LABELS);
  assert.equal(errors.length, 2, errors.join('\n'));
});

test('threshold gates: pass, fail and relative gates from the measured figures', () => {
  const r = fixtureResult({ seed: 3 });
  const gate = (e: string): GateResult => {
    const p = parseGateExpression(e, LABELS);
    assert.ok(p.ok, e);
    return evaluateGate(r, p.gate, { seed: 1, resamples: 1000, confidence: 0.95 });
  };
  // Far from the synthetic medians in both directions: decided by the whole interval.
  assert.equal(gate(`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`).verdict, 'pass');
  assert.equal(gate(`wasm.coldStart.p50 < ${WASM.coldStartMedianMs / 4}ms`).verdict, 'fail');
  const trueRatio = PROC.coldStartMedianMs / WASM.coldStartMedianMs;
  assert.equal(gate(`process.coldStart.p50 / wasm.coldStart.p50 > ${trueRatio / 2}`).verdict, 'pass');
  assert.equal(gate(`process.coldStart.p50 / wasm.coldStart.p50 > ${trueRatio * 2}`).verdict, 'fail');
  // A limit at the point estimate itself straddles the interval.
  const at = gate('wasm.coldStart.p50 < 1s').estimate.value;
  assert.equal(gate(`wasm.coldStart.p50 < ${at}ms`).verdict, 'inconclusive');
});

test('a gate on a runtime that did not run is inconclusive, never a pass', () => {
  const r = fixtureResult({ gates: ['wasm.latency.p99 < 1s'] });
  r.runs = r.runs.filter((x) => x.label !== 'wasm');
  const [g] = evaluateScenarioGates(r);
  assert.equal(g!.verdict, 'inconclusive');
  assert.match(g!.message, /not measured/);
});

test('scenario gates with a typo stop evaluation with every problem listed', () => {
  const r = fixtureResult({ gates: ['wasm.latency.p99 < 1s', 'wasm.latency.p95 < 1s', 'proces.coldStart.p50 < 1s'] });
  assert.throws(() => evaluateScenarioGates(r), (e: Error & { exitCode?: number }) => {
    assert.equal(e.exitCode, ExitCode.invalidInput);
    assert.match(e.message, /gates\[1\]: unknown metric 'latency\.p95'/);
    assert.match(e.message, /gates\[2\]: unknown runtime label 'proces'/);
    return true;
  });
});

test('a synthetic regression beyond the limit fails', () => {
  const baseline = fixtureResult({ seed: 11 });
  const candidate = fixtureResult({ seed: 12, scale: { wasm: 1.6 } });
  const { limits } = parseLimits({ 'latency.p99': '+10%', 'coldStart.p50': '+20%' }, LABELS);
  const rep = evaluateRegression(candidate, baseline, limits, fast);
  const byName = new Map(rep.results.map((x) => [x.name, x.verdict]));
  assert.equal(byName.get('wasm.latency.p99 +10%'), 'fail');
  assert.equal(byName.get('wasm.coldStart.p50 +20%'), 'fail');
  assert.notEqual(byName.get('process.latency.p99 +10%'), 'fail');
});

test('noise within the interval gives pass or inconclusive, never fail (many seeded trials)', () => {
  const TRIALS = 40;
  let checks = 0;
  for (let t = 0; t < TRIALS; t++) {
    const baseline = fixtureResult({ seed: 1000 + t });
    const candidate = fixtureResult({ seed: 2000 + t });
    const rep = evaluateRegression(candidate, baseline, defaultLimits(LABELS), { ...fast, seed: t });
    for (const g of rep.results) {
      checks++;
      assert.notEqual(g.verdict, 'fail', `trial ${t}: ${g.name}: ${g.message}`);
    }
  }
  assert.equal(checks, TRIALS * Object.keys(DEFAULT_REGRESSION_LIMITS).length * LABELS.length);
});

test('limits files: unknown metric, wrong sign and malformed value are errors', () => {
  const { errors } = parseLimits({ 'latency.p98': '+10%', 'throughput.rps': '+5%', 'wasm.coldStart.p50': '10' }, LABELS);
  assert.equal(errors.length, 3);
  assert.match(errors[0]!, /unknown metric 'latency\.p98'.*valid metrics: .*latency\.p99/);
  assert.match(errors[1]!, /better when higher/);
  assert.match(errors[2]!, /signed percentage/);
  assert.equal(parseLimits(DEFAULT_REGRESSION_LIMITS, LABELS).errors.length, 0);
});

test('verdicts from intervals and exit codes', () => {
  const e = (lo: number, hi: number) => ({ value: (lo + hi) / 2, lo, hi, n: 10, repetitions: 1, confidence: 0.95, method: '' });
  assert.equal(intervalVerdict(e(1, 2), '<', 3), 'pass');
  assert.equal(intervalVerdict(e(1, 4), '<', 3), 'inconclusive');
  assert.equal(intervalVerdict(e(3, 4), '<', 3), 'fail');
  assert.equal(intervalVerdict(e(3, 4), '>=', 3), 'pass');
  const g = (verdict: GateResult['verdict']): GateResult => ({ kind: 'threshold', name: '', verdict, estimate: e(1, 2), message: '' });
  assert.equal(gateExitCode([g('pass')]), ExitCode.ok);
  assert.equal(gateExitCode([g('pass'), g('inconclusive')]), ExitCode.gateInconclusive);
  assert.equal(gateExitCode([g('inconclusive'), g('fail')]), ExitCode.gateFailed);
});

test('runGates combines scenario gates and baseline limits', () => {
  const r = fixtureResult({ seed: 5, gates: [`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`] });
  const rep = runGates(r, { baseline: fixtureResult({ seed: 6 }), bootstrap: fast });
  assert.equal(rep.results[0]!.kind, 'threshold');
  assert.ok(rep.results.some((x) => x.kind === 'regression'));
  assert.notEqual(rep.exitCode, ExitCode.gateFailed);
});
