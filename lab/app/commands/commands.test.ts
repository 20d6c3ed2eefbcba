/**
 * The report, gate and compare commands end to end on result files: exit codes 0 / 10 / 11 /
 * 3, files written where promised, and a typo in a gate rejected with the valid names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../errors.js';
import type { RunResult } from '../../results/model.js';
import { FIXTURE_RUNTIMES, fixtureResult, simulatedFixture } from '../../results/testdata/fixture.js';
import { sectionText } from '../../../reports/testdata/report-check.js';
import { compareCommand } from './compare.js';
import { gateCommand } from './gate.js';
import { reportCommand, reportText } from './report.js';

const dir = mkdtempSync(join(tmpdir(), 'lab-cmd-'));
const save = (name: string, r: RunResult): string => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(r));
  return f;
};
const WASM = FIXTURE_RUNTIMES[1]!;

// Silence the commands' stdout so test output stays readable.
async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await f();
  } finally {
    process.stdout.write = write;
  }
}

test('lab gate: 0 on pass, 10 on fail, 11 on inconclusive', async () => {
  const pass = save('pass.json', fixtureResult({ gates: [`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`] }));
  const fail = save('fail.json', fixtureResult({ gates: [`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`, `wasm.coldStart.p50 < ${WASM.coldStartMedianMs / 4}ms`] }));
  const missing = fixtureResult({ gates: ['wasm.latency.p99 < 1s'] });
  missing.runs = missing.runs.filter((r) => r.label !== 'wasm');
  const inconclusive = save('inconclusive.json', missing);
  const junit = join(dir, 'out', 'gates.xml');
  assert.equal(await quiet(() => gateCommand.run([pass, '--junit', junit])), ExitCode.ok);
  assert.match(readFileSync(junit, 'utf8'), /tests="1" failures="0"/);
  assert.equal(await quiet(() => gateCommand.run([fail])), ExitCode.gateFailed);
  assert.equal(await quiet(() => gateCommand.run([inconclusive])), ExitCode.gateInconclusive);
});

test('lab gate: a typo in a gate or a limit is an input error naming the valid names', async () => {
  const typo = save('typo.json', fixtureResult({ gates: ['wasm.coldstart.p50 < 5ms'] }));
  await assert.rejects(quiet(() => gateCommand.run([typo])), (e: Error & { exitCode: number }) => e.exitCode === ExitCode.invalidInput && /did you mean 'coldStart\.p50'.*valid metrics: latency\.p50/.test(e.message));
  const limits = join(dir, 'limits.yaml');
  writeFileSync(limits, 'limits:\n  latency.p99: +10%\n  memory.perinstance: +5%\n');
  const r = save('r.json', fixtureResult());
  await assert.rejects(quiet(() => gateCommand.run([r, '--baseline', r, '--limits', limits])), (e: Error & { exitCode: number }) => e.exitCode === ExitCode.invalidInput && /memory\.perinstance.*did you mean 'memory\.perInstance'/.test(e.message));
});

test('lab gate --baseline: a regression beyond the limit fails', async () => {
  const base = save('base.json', fixtureResult({ seed: 31 }));
  const cand = save('cand.json', fixtureResult({ seed: 32, scale: { wasm: 1.7 } }));
  const limits = join(dir, 'tight.yaml');
  writeFileSync(limits, 'latency.p50: +10%\n');
  assert.equal(await quiet(() => gateCommand.run([cand, '--baseline', base, '--limits', limits])), ExitCode.gateFailed);
});

test('lab report writes report.html next to the result; other formats go to --out', async () => {
  const f = save('result.json', fixtureResult());
  assert.equal(await reportCommand.run([f]), ExitCode.ok);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<section id="verdict">/);
  const md = join(dir, 'summary.md');
  assert.equal(await reportCommand.run([f, '--format', 'md', '--out', md]), ExitCode.ok);
  assert.match(readFileSync(md, 'utf8'), /### Verdict/);
  await assert.rejects(reportCommand.run([f, '--format', 'pdf']), /valid formats: html, md, junit, csv/);
});

test('lab compare writes the diff report', async () => {
  const a = save('a.json', fixtureResult({ seed: 41 }));
  const b = save('b.json', fixtureResult({ seed: 42 }));
  const out = join(dir, 'compare.html');
  assert.equal(await compareCommand.run([a, b, '--out', out]), ExitCode.ok);
  assert.ok(existsSync(out));
  assert.match(readFileSync(out, 'utf8'), /candidate \/ baseline/);
  assert.equal(await quiet(() => compareCommand.run([a])), ExitCode.usage);
});

test('lab report picks up the simulated.json beside a live result, and only a simulation of that run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-report-sim-'));
  try {
    const live = { ...fixtureResult(), kind: 'live' as const };
    writeFileSync(join(dir, 'result.json'), JSON.stringify(live));
    assert.doesNotMatch(await reportText(join(dir, 'result.json'), 'html'), /id="simulation"/);
    assert.doesNotMatch(await reportText(join(dir, 'result.json'), 'md'), /Tenants per modelled host/);
    writeFileSync(join(dir, 'simulated.json'), JSON.stringify(simulatedFixture(live)));
    const html = await reportText(join(dir, 'result.json'), 'html');
    assert.match(sectionText(html, 'simulation'), /Latest simulator validation Scenario validate-sim-steady/);
    assert.match(html, /id="chart-sweep"/);
    // The Markdown answer takes the density line from the sibling file too.
    assert.match(await reportText(join(dir, 'result.json'), 'md'), /Tenants per modelled host at .*\(simulated; binding resource in brackets\)/);
    // A simulated.json of another run is not passed off as this run's, in either format.
    const other = simulatedFixture({ ...live, runId: 'another-run' });
    writeFileSync(join(dir, 'simulated.json'), JSON.stringify(other));
    assert.match(sectionText(await reportText(join(dir, 'result.json'), 'html'), 'simulation'), /simulated from run another-run, not from this run/);
    assert.doesNotMatch(await reportText(join(dir, 'result.json'), 'md'), /Tenants per modelled host/);
    // The simulated result reported on its own shows its validation, density and sweep.
    const alone = await reportText(join(dir, 'simulated.json'), 'html');
    assert.match(sectionText(alone, 'simulation'), /Simulated full host .*Latest simulator validation.*Density/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
