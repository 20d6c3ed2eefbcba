/**
 * Markdown, JUnit and compare renderers: they carry the intervals and verdicts, say what is
 * missing, and the compare report calls a change only when the interval of the ratio excludes 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGates } from '../lab/gates/gates.js';
import { compareResults, renderCompare, renderCompareMarkdown } from './compare.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { FIXTURE_RUNTIMES, fixtureResult } from './testdata/fixture.js';

const WASM = FIXTURE_RUNTIMES[1]!;

test('markdown summary: verdict, gates with verdicts, figures with intervals', () => {
  const md = renderMarkdown(fixtureResult({ gates: [`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`] }));
  assert.match(md, /### Verdict/);
  assert.match(md, /\| Cold start \| wasm wins: [\d.]+× \[[\d.]+, [\d.]+\] lower than process/);
  assert.match(md, /✅ pass/);
  assert.match(md, /\| `latency\.p99` \| [\d.]+ ms \[[\d.]+ ms, [\d.]+ ms\] \(n=\d+\)/);
  assert.ok(md.length < 65_000, 'fits a GitHub comment');
});

test('markdown of a one-runtime run says what is missing', () => {
  const md = renderMarkdown(fixtureResult({ runtimes: [FIXTURE_RUNTIMES[0]!] }));
  assert.match(md, /Not covered by this run/);
  assert.match(md, /not compared in this run: only process measured it/);
});

test('junit: one case per gate, fail and inconclusive are failures with their type', () => {
  const r = fixtureResult({ gates: [`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`, `wasm.coldStart.p50 < ${WASM.coldStartMedianMs / 4}ms`, 'wasm.coldStart.p50 < 1s'] });
  const report = runGates(r, { bootstrap: { resamples: 500 } });
  const at = report.results[2]!.estimate.value;
  const withStraddle = runGates(fixtureResult({ gates: [...r.scenario.resolved.gates.slice(0, 2), `wasm.coldStart.p50 < ${at}ms`] }), { bootstrap: { resamples: 500 } });
  const xml = renderJunit(withStraddle.results, 'fixture', '2025-01-01T00:00:00Z');
  assert.match(xml, /<testsuite name="fixture" tests="3" failures="2"/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
  assert.match(xml, /<failure type="fail"/);
  assert.match(xml, /<failure type="inconclusive"/);
  // The gate's own '<' is escaped in attributes, never left raw.
  assert.ok(xml.includes(`name="wasm.coldStart.p50 &lt; ${WASM.coldStartMedianMs * 4}ms"`), 'gate names are escaped');
  assert.doesNotMatch(xml, /name="[^"]*<[^"]*"/);
});

test('compare: a synthetic regression is called worse, identical runs show no change', async () => {
  const base = fixtureResult({ seed: 21 });
  const worse = compareResults(base, fixtureResult({ seed: 22, scale: { wasm: 1.8 } }), { resamples: 800 });
  const change = (c: typeof worse, label: string, metric: string) => c.figures.find((f) => f.label === label && f.metric.name === metric)!.change;
  assert.equal(change(worse, 'wasm', 'latency.p50'), 'worse');
  assert.equal(change(worse, 'wasm', 'coldStart.p50'), 'worse');
  const same = compareResults(base, base, { resamples: 800 });
  assert.ok(same.figures.every((f) => f.change === 'same' || f.change === 'not measured'), same.figures.filter((f) => f.change !== 'same').map((f) => `${f.label}.${f.metric.name}: ${f.change}`).join(', '));
  const html = await renderCompare(base, fixtureResult({ seed: 22, scale: { wasm: 1.8 } }));
  assert.doesNotMatch(html, /https?:\/\//);
  assert.match(html, /<svg/);
  assert.match(renderCompareMarkdown(base, base), /\| wasm \| `latency\.p99` \|/);
});
