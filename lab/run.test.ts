import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { interleavedOrder, runScenario } from './run.js';
import { projectRoot } from './paths.js';
import { loadResult } from './results/store.js';

/** Child processes of this test process (the runner hosts and instances must be gone after a run). */
function descendants(pid = process.pid): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  const kids = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp, comm] = line.trim().split(/\s+/) as [string, string, string];
    if (comm === 'ps') continue; // the ps listing itself
    (kids.get(Number(pp)) ?? kids.set(Number(pp), []).get(Number(pp))!).push(Number(p));
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const k of kids.get(p) ?? []) {
      all.push(k);
      walk(k);
    }
  };
  walk(pid);
  return all.filter((p) => p !== pid);
}

test('interleaved order: A B, B A, A B', () => {
  assert.deepEqual(
    interleavedOrder(['a', 'b'], 3).map((x) => `${x.item}${x.repetition}`),
    ['a1', 'b1', 'b2', 'a2', 'a3', 'b3'],
  );
});

test('lab run scenarios/smoke.yaml writes JSON + CSV with cold/warm latency, phases and memory', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-smoke-'));
  try {
    const out = await runScenario({ scenarioFile: join(projectRoot, 'scenarios/smoke.yaml'), resultsRoot: root });
    for (const f of ['result.json', 'summary.csv', 'timeseries.csv', 'activations.csv']) assert.ok(existsSync(join(out.dir, f)), f);
    const r = loadResult(out.jsonPath);
    assert.equal(r.status, 'complete');
    assert.equal(r.runs.length, 1);
    const run = r.runs[0]!;
    assert.equal(run.runtime, 'process');
    assert.equal(run.status, 'complete', run.error);
    const errors = Object.values(run.requests.errors).reduce((a, b) => a + b, 0);
    assert.equal(errors, 0, JSON.stringify(run.errorSamples));
    assert.ok(run.latency.warm.count > 100, `warm ${run.latency.warm.count}`);
    assert.ok(run.latency.cold.count > 5, `cold ${run.latency.cold.count}`);
    for (const s of [run.latency.all, run.latency.warm, run.latency.cold]) {
      assert.ok(s.p50 > 0 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max);
      assert.ok(s.hdr.length > 0);
    }
    assert.equal(Object.keys(run.latency.byWorkload).sort().join(), 'ab-flag,hello,jwt-verify,telemetry');
    // Cold starts: counted, with the process runner's phases.
    assert.ok(run.coldStart.count > 0);
    const phases = Object.values(run.coldStart.byStrategy)[0]!.phases.map((p) => p.name);
    for (const p of ['spawn', 'init', 'firstResponse']) assert.ok(phases.includes(p), `phase ${p} in ${phases.join()}`);
    // Memory per instance, measured (USS > 0, and less than RSS which counts shared pages in full).
    assert.ok(run.memory && run.memory.instances.length > 0);
    assert.ok(run.memory.perInstanceUssBytes > 0);
    for (const m of run.memory.instances) assert.ok(m.ussBytes > 0 && m.ussBytes <= m.rssBytes);
    // Reproducibility record.
    assert.equal(r.repro.seed, r.scenario.resolved.seed);
    assert.match(r.repro.scenarioHash, /^sha256:[0-9a-f]{64}$/);
    assert.ok(Object.keys(r.repro.artifactDigests).length >= 4);
    const csv = readFileSync(join(out.dir, 'summary.csv'), 'utf8');
    assert.match(csv.split('\n')[0]!, /p99_ms/);
    assert.deepEqual(descendants(), [], 'no child process left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('forced instance misses: measured cold share is r within the binomial 99 % interval', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-miss-'));
  try {
    const out = await runScenario({ scenarioFile: join(projectRoot, 'lab/testdata/forced-miss.yaml'), resultsRoot: root });
    const run = out.result.runs[0]!;
    assert.equal(run.status, 'complete', run.error);
    const n = run.requests.completed;
    const r = out.result.scenario.resolved.cache.instanceMissRate;
    const cold = run.requests.cold;
    const sd = Math.sqrt(n * r * (1 - r));
    assert.ok(n >= 250, `n ${n}`);
    assert.ok(Math.abs(cold - n * r) <= 2.576 * sd, `cold ${cold} of ${n}, expected ${n * r} ± ${(2.576 * sd).toFixed(1)}`);
    // With one instance per tenant and a long keep-alive, every cold start was a forced one.
    assert.equal(cold, run.requests.forcedCold);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an interrupted run keeps valid results of the finished part and leaves no child behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-int-'));
  try {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 4000);
    const out = await runScenario({ scenarioFile: join(projectRoot, 'scenarios/smoke.yaml'), resultsRoot: root, signal: abort.signal });
    const r = loadResult(out.jsonPath);
    assert.equal(r.status, 'interrupted');
    const run = r.runs[0]!;
    assert.equal(run.status, 'interrupted');
    assert.ok(run.requests.notSent > 0);
    assert.ok(run.requests.completed > 0);
    assert.deepEqual(descendants(), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
