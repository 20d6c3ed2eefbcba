import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { interleavedOrder, runScenario } from './run.js';
import { projectRoot } from '../paths.js';
import { loadResult } from '../results/store.js';
import { assertReportRenders } from '../../reports/testdata/report-check.js';

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

test('lab run scenarios/smoke.yaml writes JSON + CSV + report with cold/warm latency, phases and memory on every runner', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-smoke-'));
  try {
    const out = await runScenario({ scenarioFile: join(projectRoot, 'scenarios/smoke.yaml'), resultsRoot: root });
    for (const f of ['result.json', 'summary.csv', 'timeseries.csv', 'activations.csv', 'report.html', 'summary.md']) assert.ok(existsSync(join(out.dir, f)), f);
    const r = loadResult(out.jsonPath);
    assert.equal(r.status, 'complete');
    assert.deepEqual(r.runs.map((x) => x.runtime), ['process', 'wasm', 'wasmtime', 'container']);
    // Each runtime reports its own activation phases.
    const expectedPhases: Record<string, string[]> = {
      process: ['spawn', 'init', 'firstResponse'],
      wasm: ['instantiate', 'firstResponse'],
      wasmtime: ['instantiate', 'firstResponse'],
      container: ['create', 'start', 'readiness'],
    };
    for (const run of r.runs) {
      const what = `${run.runtime}: `;
      assert.equal(run.status, 'complete', what + run.error);
      const errors = Object.values(run.requests.errors).reduce((a, b) => a + b, 0);
      assert.equal(errors, 0, what + JSON.stringify(run.errorSamples));
      assert.ok(run.latency.warm.count > 100, `${what}warm ${run.latency.warm.count}`);
      assert.ok(run.latency.cold.count > 5, `${what}cold ${run.latency.cold.count}`);
      for (const s of [run.latency.all, run.latency.warm, run.latency.cold]) {
        assert.ok(s.p50 > 0 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max, what);
        assert.ok(s.hdr.length > 0);
      }
      assert.equal(Object.keys(run.latency.byWorkload).sort().join(), 'ab-flag,hello,jwt-verify,telemetry', what);
      // What the simulator calibrates on: warm service time without tenant-queue waits, and each
      // answered cold start's latency at the client (which contains the PoP's own total).
      for (const [w, b] of Object.entries(run.latency.byWorkload)) if (b.warm.count > 0) assert.equal(b.warmService?.count, b.warm.count, `${what}${w} warm service`);
      const answered = run.coldStart.activations.filter((a) => a.ok);
      assert.ok(answered.length > 0 && answered.every((a) => a.clientMs !== undefined && a.clientMs + 1 >= a.totalMs), `${what}client latency of cold starts`);
      // Cold starts: counted, with the runtime's phases.
      assert.ok(run.coldStart.count > 0, what);
      const phases = Object.values(run.coldStart.byStrategy).flatMap((s) => s.phases.map((p) => p.name));
      for (const p of expectedPhases[run.runtime]!) assert.ok(phases.includes(p), `${what}phase ${p} in ${phases.join()}`);
      // Memory per instance, measured (USS > 0).
      assert.ok(run.memory && run.memory.perInstanceUssBytes > 0, what);
      // Artifacts: one per workload, with the workload's source digest.
      assert.equal(run.artifacts.length, 4, what);
      // What confined its instances, as the runner says it enforced the scenario's limits.
      assert.ok(run.isolation && run.isolation.length > 0, `${what}isolation stated`);
    }
    const isolation = (rt: string): string => r.runs.find((x) => x.runtime === rt)!.isolation!.join('\n');
    assert.match(isolation('container'), /network namespace: empty, one per tenant/);
    assert.match(isolation('container'), /cgroup memory\.limit 256 MiB/);
    assert.match(isolation('wasmtime'), /linear memory: 256 MiB per instance/);
    assert.match(isolation('process'), /^none: /);
    // Same workload source on every side (the fairness record's first line).
    for (const w of ['hello', 'jwt-verify', 'ab-flag', 'telemetry']) {
      const digests = new Set(r.runs.map((x) => x.artifacts.find((a) => a.workload === w)?.sourceDigest));
      assert.equal(digests.size, 1, `${w} source digests: ${[...digests].join()}`);
    }
    const imageSize = r.runs.find((x) => x.runtime === 'container')!.artifacts[0]!.sizeBytes;
    assert.ok(imageSize > 1e6, 'image size is part of the results');
    // Reproducibility record.
    assert.equal(r.repro.seed, r.scenario.resolved.seed);
    assert.match(r.repro.scenarioHash, /^sha256:[0-9a-f]{64}$/);
    assert.ok(Object.keys(r.repro.artifactDigests).length >= 4);
    const csv = readFileSync(join(out.dir, 'summary.csv'), 'utf8');
    assert.match(csv.split('\n')[0]!, /p99_ms/);
    // The report of this real run, opened in headless Chromium offline: every chart renders.
    const facts = await assertReportRenders(readFileSync(join(out.dir, 'report.html'), 'utf8'), 'smoke-report');
    assert.equal(facts.firstSection, 'answer', 'the answer comes first');
    assert.match(facts.answer!, /better on \d+ of the \d+ criteria this run compared/);
    assert.deepEqual(facts.missingCharts, [], 'a four-runtime run draws every chart');
    assert.deepEqual(descendants(), [], 'no child process left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lab run scenarios/js-vs-c.yaml: C tenants run on every runner, their figures beside the JS ones', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-jsc-'));
  try {
    const out = await runScenario({ scenarioFile: join(projectRoot, 'scenarios/js-vs-c.yaml'), resultsRoot: root });
    const r = out.result;
    assert.deepEqual(r.runs.map((x) => x.runtime), ['process', 'wasm', 'wasmtime', 'container']);
    // The packaging each runner used for a C workload.
    const cPackaging: Record<string, string> = { process: 'native-static', wasm: 'wasm-component', wasmtime: 'wasm-component', container: 'oci-image-scratch' };
    for (const run of r.runs) {
      const what = `${run.runtime}: `;
      assert.equal(run.status, 'complete', what + run.error);
      const errors = Object.values(run.requests.errors).reduce((a, b) => a + b, 0);
      assert.equal(errors, 0, what + JSON.stringify(run.errorSamples));
      for (const w of ['hello', 'jwt-verify', 'ab-flag', 'telemetry']) {
        for (const name of [w, `${w}-c`]) assert.ok((run.latency.byWorkload[name]?.all.count ?? 0) > 0, `${what}${name} served requests`);
        const c = run.artifacts.find((a) => a.workload === `${w}-c`)!;
        const js = run.artifacts.find((a) => a.workload === w)!;
        assert.match(c.packaging, new RegExp(cPackaging[run.runtime]!), `${what}${w}-c packaging ${c.packaging}`);
        assert.ok(c.sizeBytes > 0 && js.sizeBytes > 0);
      }
      assert.ok(run.coldStart.activations.some((a) => a.workload.endsWith('-c')), `${what}C cold starts recorded`);
      assert.ok(run.memory && run.memory.instances.length > 0, what);
    }
    // The field's artifact-size claim, measured: a C component is a small fraction of the JS one.
    const wasm = r.runs.find((x) => x.runtime === 'wasm')!;
    const size = (w: string) => wasm.artifacts.find((a) => a.workload === w)!.sizeBytes;
    assert.ok(size('hello-c') * 50 < size('hello'), `hello-c ${size('hello-c')} B vs hello ${size('hello')} B`);
    // And the static C image is a tiny fraction of the Node one.
    const container = r.runs.find((x) => x.runtime === 'container')!;
    const image = (w: string) => container.artifacts.find((a) => a.workload === w)!.sizeBytes;
    assert.ok(image('hello-c') * 50 < image('hello'), `hello-c image ${image('hello-c')} B vs hello ${image('hello')} B`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('forced instance misses: measured cold share is r within the binomial 99 % interval', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-miss-'));
  try {
    const out = await runScenario({ scenarioFile: join(projectRoot, 'lab/app/testdata/forced-miss.yaml'), resultsRoot: root });
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
    setTimeout(() => abort.abort(), 6000);
    const out = await runScenario({ scenarioFile: join(projectRoot, 'lab/app/testdata/long-run.yaml'), resultsRoot: root, signal: abort.signal });
    const r = loadResult(out.jsonPath);
    assert.equal(r.status, 'interrupted');
    const run = r.runs[0]!;
    assert.equal(run.status, 'interrupted');
    assert.equal(r.runs.length, 1, 'the runtimes after the interruption did not start');
    assert.ok(run.requests.notSent > 0);
    assert.ok(run.requests.completed > 0);
    assert.deepEqual(descendants(), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('hostile.neighbours: every run is paired with a twin per neighbour, in order; the spinner is stopped at the guest deadline, the bomb by the memory limit; the probes run once', { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-neighbour-'));
  try {
    const out = await runScenario({ scenarioFile: join(projectRoot, 'lab/app/testdata/neighbour.yaml'), resultsRoot: root });
    assert.equal(out.result.runs.length, 2, 'the twins are attached, not extra runs');
    for (const run of out.result.runs) {
      assert.equal(run.status, 'complete', run.error);
      const [spin, bomb] = run.neighbourTwins ?? [];
      assert.ok(spin && bomb && run.neighbourTwins!.length === 2, `repetition ${run.repetition} has its two twins`);
      for (const twin of [spin, bomb]) {
        assert.equal(twin.status, 'complete', twin.error);
        assert.ok(twin.requests.completed > 0 && run.requests.completed > 0);
      }
      assert.equal(spin.neighbour.behaviour, 'spin');
      // One spin a second through the 4 s measured window, from its start.
      assert.equal(spin.sends.length, 4, JSON.stringify(spin.sends));
      for (const s of spin.sends) assert.deepEqual([s.status, s.outcome, s.by], [504, 'contained', 'deadline'], JSON.stringify(s));
      assert.ok(spin.sends[0]!.atMs >= 900, `the first spin comes with the measured window (${spin.sends[0]!.atMs} ms)`);
      // From 2 s into the window: two bombs, each refused by the store's memory limit.
      assert.equal(bomb.sends.length, 2, JSON.stringify(bomb.sends));
      assert.ok(bomb.sends[0]!.atMs >= 2900, `the first bomb comes 2 s into the window (${bomb.sends[0]!.atMs} ms)`);
      for (const s of bomb.sends) assert.deepEqual([s.outcome, s.by.replace(/ \(.*$/, '')], ['contained', 'memory limit'], JSON.stringify(s));
    }
    const [first, second] = out.result.runs;
    assert.ok(first!.probes && first!.probes.results.every((p) => p.outcome === 'denied'), JSON.stringify(first!.probes));
    assert.equal(second!.probes, undefined, 'the probes run in repetition 1 only');
    const html = readFileSync(join(out.dir, 'report.html'), 'utf8');
    assert.match(html, /A misbehaving neighbour: blast radius/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
