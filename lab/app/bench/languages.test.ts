/**
 * `lab bench languages` without running it: each reference workload's port is found in every
 * language, and the table states the Python pre-initialisation goal as met or not met from the
 * figures it is given, and names what could not be measured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkload } from '../../../workloads/registry.js';
import { formatLanguagesBench, languageWorkload, type LanguageBenchRow, type LanguagesBenchResult } from './languages.js';

test('every language has its port of each of the four edge functions', () => {
  for (const name of ['hello', 'jwt-verify', 'ab-flag', 'telemetry']) {
    const ref = loadWorkload(name);
    assert.equal(languageWorkload(ref, 'js')?.name, name);
    assert.equal(languageWorkload(ref, 'c')?.name, `${name}-c`);
    assert.equal(languageWorkload(ref, 'py')?.name, `${name}-py`);
  }
  assert.equal(languageWorkload(loadWorkload('hostile'), 'py'), undefined);
});

const row = (runtime: string, language: string, coldP99: number): LanguageBenchRow => ({
  runtime,
  language,
  workload: `hello-${language}`,
  packaging: 'wasm-component-preinit',
  artifactBytes: 18 * 1024 * 1024,
  coldStartMs: { n: 10, p50: coldP99 / 2, p99: coldP99 },
  firstRequestMs: { n: 10, p50: 0.2, p99: 0.4 },
  warmMs: { n: 20, p50: 0.5, p99: 0.9 },
  memoryUssBytes: 2 * 1024 * 1024,
  freshReqPerSec: 100,
  freshErrors: 0,
});

test('the table checks the Python pre-initialised Wasmtime goal from the figures, and lists failures', () => {
  const base: LanguagesBenchResult = { workload: 'hello', loadAverage: { start: 1, end: 2 }, rows: [], failures: [{ runtime: 'container', error: 'engine unreachable' }] };
  const met = formatLanguagesBench({ ...base, rows: [row('wasmtime-preinit', 'py', 4.2)] });
  assert.match(met, /cold start p99 4\.200 ms < 5 ms: met \(n=10\)/);
  assert.match(met, /container +all +not measured: engine unreachable/);
  assert.match(formatLanguagesBench({ ...base, rows: [row('wasmtime-preinit', 'py', 7)] }), /: NOT met/);
  assert.match(formatLanguagesBench(base), /Python on wasmtime-preinit not measured in this run/);
});
