/**
 * Acceptance: the HTML report opened in real headless Chromium (Debian's package) with
 * networking disabled renders every chart (non-empty SVG, no vega error or warning), logs no
 * console error and requests nothing from the network; the screenshot and the printed PDF are
 * kept under test-artifacts/. The result comes from $LAB_REPORT_RESULT (a real `lab run`
 * result.json) or, when unset, from the synthetic fixture. A missing browser FAILS the test
 * with the command that installs it: a skipped acceptance test proves nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadResult } from '../lab/results/store.js';
import type { RunResult } from '../lab/results/model.js';
import { renderReport, type ReportOptions } from './html.js';
import { assertReportRenders, type Facts } from './testdata/report-check.js';
import { FIXTURE_RUNTIMES, fixtureResult, simulatedFixture } from '../lab/results/testdata/fixture.js';

/** Renders a result and checks the page. */
const openReport = async (result: RunResult, name: string, opts: ReportOptions = {}): Promise<Facts> => assertReportRenders(await renderReport(result, opts), name);

const source = process.env.LAB_REPORT_RESULT;

test(`report of ${source ? source : 'the two-runtime fixture'} renders in headless Chromium, offline`, { timeout: 120_000 }, async () => {
  const result = source ? loadResult(source) : fixtureResult({ gates: ['wasm.coldStart.p99 < 50ms', 'process.coldStart.p50 / wasm.coldStart.p50 > 5'] });
  const facts = await openReport(result, 'report');
  assert.equal(facts.firstSection, 'answer', 'the answer comes first');
  if (!source) {
    // The fixture's Wasm runtime starts ~14x faster than its bare process and needs a tenth of the memory.
    assert.match(facts.answer!, /Wasm components: better on \d+ of the \d+ criteria this run compared/);
    assert.match(facts.answer!, /Cold start: Wasm, [\d.]+× \[[\d.]+, [\d.]+\] lower \(wasm [\d.]+ ms .* vs process [\d.]+ ms/);
    assert.match(facts.answer!, /RAM per instance: Wasm/);
  }
  assert.ok(facts.answerBottom !== null && facts.answerBottom < facts.viewport[1], `the answer's headline is on the first screen (ends at ${facts.answerBottom} px of ${facts.viewport[1]})`);
  // Every chart of a two-runtime result with memory and series is drawn; a real run may lack some.
  if (!source) {
    assert.deepEqual(facts.missingCharts, []);
    assert.equal(facts.charts.length, 7);
  } else assert.ok(facts.charts.length >= 3, `only ${facts.charts.length} charts rendered`);
});

test('a run with only one runtime still renders and says what is missing', { timeout: 120_000 }, async () => {
  const facts = await openReport(fixtureResult({ runtimes: [FIXTURE_RUNTIMES[0]!] }), 'report-one-runtime');
  assert.ok(facts.missingBox, 'a "what this run does not cover" box is shown');
  assert.match(facts.missingBox!, /no Wasm component runtime measured/);
  assert.match(facts.missingBox!, /only one runtime measured/);
  assert.ok(facts.charts.length >= 5);
});

test('measured next to simulated, with JS and C workloads: the sweep plot and the density curve render with the other charts', { timeout: 120_000 }, async () => {
  const C = { cold: 0.1, memory: 0.25, artifactBytes: 12_000 };
  const live: RunResult = { ...fixtureResult({ workloads: ['hello', 'jwt-verify', 'hello-c', 'jwt-verify-c'], workloadScale: { 'hello-c': C, 'jwt-verify-c': C } }), kind: 'live' };
  const facts = await openReport(live, 'report-simulated', { simulated: simulatedFixture(live) });
  assert.deepEqual(facts.missingCharts, []);
  assert.equal(facts.charts.length, 9);
  assert.ok(facts.charts.some((c) => c.id === 'chart-sweep'), 'the sweep chart is drawn');
  assert.ok(facts.charts.some((c) => c.id === 'chart-density'), 'the density curve is drawn');
});
