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
import type { RunResult } from '../lab/results/model.js';
import { renderReport } from './html.js';
import { NO_VALIDATION } from './html/simulation.js';
import { languageSplit, workloadLanguage } from './language.js';
import { FIXTURE_RUNTIMES, fixtureResult, simulatedFixture, type FixtureRuntime } from '../lab/results/testdata/fixture.js';
import { analyse } from './analysis.js';
import { pairwiseRatios } from './criteria.js';
import { sectionText } from './testdata/report-check.js';
import { PROBE_IDS } from '../lab/isolation/probes.js';

const WASM = FIXTURE_RUNTIMES[1]!;

test('markdown summary: verdict, gates with verdicts, figures with intervals', () => {
  const md = renderMarkdown(fixtureResult({ gates: [`wasm.coldStart.p50 < ${WASM.coldStartMedianMs * 4}ms`] }));
  assert.match(md, /### Verdict/);
  assert.match(md, /\| Cold start \| Wasm wins: [\d.]+× \[[\d.]+, [\d.]+\] lower \(Wasm wasm [\d.]+ ms .* vs the bare process \(no container in this run\) process [\d.]+ ms/);
  assert.match(md, /Throughput is not a verdict row/);
  assert.match(md, /✅ pass/);
  assert.match(md, /\| `latency\.p99` \| [\d.]+ ms \[[\d.]+ ms, [\d.]+ ms\] \(n=\d+\)/);
  assert.ok(md.length < 65_000, 'fits a GitHub comment');
});

test('markdown of a one-runtime run says what is missing', () => {
  const md = renderMarkdown(fixtureResult({ runtimes: [FIXTURE_RUNTIMES[0]!] }));
  assert.match(md, /Not covered by this run/);
  assert.match(md, /not compared in this run: no Wasm component measured it \(process [\d.]+ ms/);
  assert.match(md, /No answer from this run/);
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

/** A live result with JS workloads and their C ports: the C side is 1000x smaller, 10x faster to start, 4x leaner. */
const C_SCALE = { cold: 0.1, memory: 0.25, warm: 0.5, artifactBytes: 12_000 };
const mixedResult = (): RunResult => {
  const r = fixtureResult({
    workloads: ['hello', 'jwt-verify', 'hello-c', 'jwt-verify-c', 'mystery', 'mystery-c'],
    workloadScale: { 'hello-c': C_SCALE, 'jwt-verify-c': C_SCALE, 'mystery-c': C_SCALE },
  });
  // The result records the languages of the workloads it ran; `mystery*` stand for a result that does not.
  const rec = (language: string, languageName: string) => ({ language, languageName, sourceDigest: 'sha256:0' });
  return { ...r, kind: 'live', workloads: { hello: rec('js', 'JS'), 'jwt-verify': rec('js', 'JS'), 'hello-c': rec('c', 'C'), 'jwt-verify-c': rec('c', 'C') } };
};

const JS_LABEL = { id: 'js', name: 'JS' };
const C_LABEL = { id: 'c', name: 'C' };

test('workload language: as the result records it, else the -c suffix', () => {
  const r = mixedResult();
  assert.deepEqual(workloadLanguage('hello-c', r), { language: C_LABEL, inferred: false });
  assert.deepEqual(workloadLanguage('jwt-verify', r), { language: JS_LABEL, inferred: false });
  assert.deepEqual(workloadLanguage('mystery-c', r), { language: C_LABEL, inferred: true });
  assert.deepEqual(workloadLanguage('mystery', r), { language: JS_LABEL, inferred: true });
  // The record wins over the name.
  assert.deepEqual(workloadLanguage('odd-c', { workloads: { 'odd-c': { language: 'js', languageName: 'JS', sourceDigest: 'sha256:0' } } }), { language: JS_LABEL, inferred: false });
});

test('per-language split: JS and C figures per runtime, from artifacts, activations, instances and histograms', () => {
  const r = mixedResult();
  const split = languageSplit(r, ['process', 'wasm']);
  assert.deepEqual(split.languages, [JS_LABEL, C_LABEL]);
  assert.deepEqual(split.inferred, ['mystery', 'mystery-c']);
  assert.equal(split.rows.length, 4);
  for (const label of ['process', 'wasm']) {
    const js = split.rows.find((x) => x.label === label && x.language.id === 'js')!;
    const c = split.rows.find((x) => x.label === label && x.language.id === 'c')!;
    assert.deepEqual(c.workloads, ['hello-c', 'jwt-verify-c', 'mystery-c']);
    assert.equal(c.artifactBytes.value, 12_000);
    assert.equal(js.artifactBytes.value, FIXTURE_RUNTIMES.find((x) => x.label === label)!.artifactBytes);
    assert.ok(c.coldStartP50Ms.n > 0 && js.coldStartP50Ms.n > 0);
    assert.ok(c.coldStartP50Ms.value < js.coldStartP50Ms.value / 4, `${label}: C cold start ${c.coldStartP50Ms.value} vs JS ${js.coldStartP50Ms.value}`);
    assert.ok(c.coldStartP99Ms.value >= c.coldStartP50Ms.value);
    assert.ok(c.memoryPerInstanceBytes.value < js.memoryPerInstanceBytes.value / 2, `${label}: C memory`);
    assert.ok(c.warmP50Ms.value < js.warmP50Ms.value, `${label}: C warm p50`);
    // The two languages share the run's throughput out between them.
    const run = r.runs.find((x) => x.label === label)!;
    assert.ok(Math.abs((js.throughputPerCore.value + c.throughputPerCore.value) * r.repro.cores - run.throughputRps) < 1e-9);
  }
});

test('per-language split in the HTML report and the Markdown summary', async () => {
  const r = mixedResult();
  const html = await renderReport(r);
  const text = sectionText(html, 'languages');
  assert.match(text, /process JS hello, jwt-verify, mystery [\d.]+ KiB/);
  assert.match(text, /C hello-c, jwt-verify-c, mystery-c 11\.7 KiB \(n = 3\)/);
  assert.match(text, /inferred from the name .*: mystery, mystery-c/);
  const md = renderMarkdown(r);
  assert.match(md, /### Per language/);
  assert.match(md, /\| wasm \| C \| 11\.7 KiB \| [\d.]+ (ms|µs) \|/);
  assert.match(md, /\| wasm \| JS \| 11 MiB \|/);
  // One language: no table, one sentence.
  const jsOnly = await renderReport(fixtureResult());
  assert.match(sectionText(jsOnly, 'languages'), /Every workload of this run is JS: no per-language split/);
  assert.doesNotMatch(renderMarkdown(fixtureResult()), /Per language/);
});

test('a report without a simulation has no simulation section and renders as before', async () => {
  const r = { ...fixtureResult(), kind: 'live' as const };
  const html = await renderReport(r);
  assert.equal(html, await renderReport(r, {}));
  assert.doesNotMatch(html, /id="simulation"|id="chart-sweep"/);
});

test('measured next to simulated: figures, validation error beside each prediction, density, sweep plot', async () => {
  const live = { ...fixtureResult(), kind: 'live' as const };
  const sim = simulatedFixture(live);
  const html = await renderReport(live, { simulated: sim });
  const text = sectionText(html, 'simulation');
  // Measured (with interval) and simulated (point) p99 on one row, the validation's p99 error beside it.
  for (const [i, label] of ['process', 'wasm'].entries()) {
    const simRun = sim.runs.find((x) => x.label === label)!;
    const simP99 = simRun.latency.all.p99;
    const liveP99 = live.runs.find((x) => x.label === label)!.latency.all.p99;
    assert.notEqual(Math.round(simP99), Math.round(liveP99));
    const fmt = (ms: number) => (ms < 1 ? `${Number((ms * 1000).toPrecision(3))} µs` : `${Number(ms.toPrecision(3))} ms`);
    assert.match(text, new RegExp(`latency p99 ${fmt(liveP99).replace('.', '\\.')} \\[[^\\]]+\\] ${fmt(simP99).replace('.', '\\.')} −${6.6 + i} %`), `${label} p99 row`);
    assert.match(text, new RegExp(`cold-start rate [\\d.]+ % \\[[^\\]]+\\] ${Number((simRun.coldStart.rate * 100).toPrecision(3))} % \\+${1.25 * (i + 1)} pts`), `${label} cold-start row`);
  }
  assert.match(text, /RAM per instance \(USS\) [\d.]+ MiB \[[^\]]+\] [\d.]+ MiB not validated/);
  assert.match(text, /peak memory [\d.]+ MiB \(\d+ live instances\) [\d.]+ GiB \+4 %/);
  // Scales of both sides are stated.
  assert.match(text, /live slice, 6 tenants at 40 req\/s/);
  assert.match(text, /full modelled host, 2,000 tenants at 1,000 req\/s/);
  // The validation: its scenario and date, its errors against goals.
  assert.match(text, /Latest simulator validation Scenario validate-sim-steady , 2025-01-14T10:00:00\.000Z/);
  assert.match(text, /process \+3\.1 % 10 ms measured → 10\.3 ms simulated −6\.6 % 100 ms measured → 93\.4 ms simulated \+1\.25 pts/);
  assert.doesNotMatch(text, /no validation run yet/);
  // Density at the SLO the scenario states, in the form it chose, with the binding resource, the memory-only
  // figure (memory.density, with its interval) and the figures at that point.
  assert.match(text, /carries with warm p99 ≤ 50 ms and cold-start rate ≤ 5 % \(the scenario states it as warm p99 plus a cold-start budget\)/);
  assert.match(text, /process 1,050 memory at 1070 tenants the SLO breaks \(warm p99 ≤ 50 ms\) [\d,.]+ \[[^\]]+\] 250 ms \/ 125 ms \/ 750 ms 5 % 21 % 39 GiB 1,050 instances 5 not validated out of sample \(lab validate-sim [^)]*\) wasm 4,200 cpu at 4220 tenants/);
  // The curve behind it, drawn.
  assert.match(html, /<figure class="chart" id="chart-density"><figcaption><strong>Density: the simulated curve behind tenants per host\.<\/strong>[^]*?<div class="svg"><svg/);
  assert.match(sectionText(html, 'answer'), /Tenants per modelled host at warm p99 ≤ 50 ms and cold-start rate ≤ 5 % \(simulated; binding resource in brackets\): process 1,050 \(memory\); wasm 4,200 \(cpu\)\./);
  // The sweep plot, rendered to SVG like the other charts.
  assert.match(html, /<figure class="chart" id="chart-sweep"><figcaption><strong>Simulated sweep of tenants\.<\/strong>[^]*?<div class="svg"><svg/);
  // Placed after the headline figures, before the claims.
  assert.ok(html.indexOf('id="figures"') < html.indexOf('id="simulation"') && html.indexOf('id="simulation"') < html.indexOf('id="claims"'));
});

test('cost, hand-computed: 200 tenants per PoP, 10 PoPs, 2 EUR per host-hour, 0.5 req/s per tenant, at the simulated density', async () => {
  const live = { ...fixtureResult(), kind: 'live' as const };
  live.scenario = { ...live.scenario, resolved: { ...live.scenario.resolved, cost: { hostPerHour: 2, currency: 'EUR', pops: 10 } } };
  const sim = simulatedFixture(live);
  const text = sectionText(await renderReport(live, { simulated: sim }), 'cost');
  // wasm 4,200 per host: 1 host per PoP, 10 in the fleet, 2 / (4,200 x 0.5 x 3,600) x 1e6 = 0.265 EUR per million requests,
  // 2 x 730 / 4,200 = 0.348 EUR per tenant-month, 10 x 2 x 730 = 14,600 EUR a month. process 1,050: 1.06 and 1.39 EUR.
  assert.match(text, /wasm 4,200 simulated at the SLO 1 10 0\.265 EUR 0\.348 EUR 14,600 EUR/);
  assert.match(text, /process 1,050 simulated at the SLO 1 10 1\.06 EUR 1\.39 EUR 14,600 EUR/);
  assert.match(text, /Assumed, not measured: host price 2 EUR per hour and 10 PoPs, as the scenario states them/);
  assert.match(renderMarkdown(live, sim), /Cost per million requests at that density \(simulated at the SLO, host 2\.00 EUR\/h; assumptions in the cost section\): process 1\.06 EUR; wasm 0\.265 EUR\./);
  // Without a simulation: the memory-bound density (memory.density) with its interval, said to be that; no price: no section.
  const memoryOnly = sectionText(await renderReport(live), 'cost');
  assert.match(memoryOnly, /wasm [\d,]+ \[[\d,]+, [\d,]+\] memory-bound 1 10 [\d.]+ EUR \[[\d.]+ EUR, [\d.]+ EUR\]/);
  assert.match(memoryOnly, /memory-bound tenants per host: host memory over RAM per instance, at no latency objective/);
  assert.doesNotMatch(await renderReport({ ...fixtureResult(), kind: 'live' as const }), /id="cost"/);
});

test('density rests on the out-of-sample validation: within its bounds it is quoted, outside them the figure is flagged, absent it is said', async () => {
  const live = { ...fixtureResult(), kind: 'live' as const };
  const sim = simulatedFixture(live);
  const error = (measured: number, simulated: number) => ({ measured, simulated, absolute: simulated - measured, relative: (simulated - measured) / measured });
  const unvalidated = await renderReport(live, { simulated: sim });
  assert.match(sectionText(unvalidated, 'answer'), /The simulator is not validated out of sample yet\./);
  assert.match(sectionText(unvalidated, 'simulation'), /not validated out of sample \(lab validate-sim scenarios\/validate-sim-shifted\.yaml --calibrate-from scenarios\/validate-sim-steady\.yaml\)/);
  sim.outOfSample = {
    path: 'results/validation/validate-sim-shifted/2025-01-15T10-00-00-000Z.json',
    scenario: 'validate-sim-shifted',
    at: '2025-01-15T10:00:00.000Z',
    errors: {
      process: { p50Ms: error(10, 10.5), p99Ms: error(100, 91), coldStartRatePct: error(4, 4.2), peakMemoryBytes: error(1, 1) },
      wasm: { p50Ms: error(10, 10.5), p99Ms: error(677, 233), coldStartRatePct: error(4, 4.2), peakMemoryBytes: error(1, 1) },
    },
    goals: { p99Relative: 0.15, coldStartRatePoints: 3 },
    met: { process: true, wasm: false },
    outOfSample: { calibratedFrom: { scenario: 'validate-sim-steady', runId: 'steady-1', path: 'results/validate-sim-steady/x/result.json' } },
  };
  const html = await renderReport(live, { simulated: sim });
  const text = sectionText(html, 'simulation');
  assert.match(text, /out of sample p99 −9 %, cold-start rate \+0\.2 pts \(within bounds 15 % \/ 3 pts\)/);
  assert.match(text, /outside the out-of-sample bounds: p99 −65\.6 %, cold-start rate \+0\.2 pts \(bounds 15 % \/ 3 pts\); the figure rests on a model that missed/);
  assert.match(html, /<span class="fail">outside the out-of-sample bounds/);
  assert.match(sectionText(html, 'answer'), /Resting on a model outside its out-of-sample bounds: wasm\./);
});

test('a simulation without validation says so explicitly, and one without sweep draws no sweep', async () => {
  const live = { ...fixtureResult(), kind: 'live' as const };
  const html = await renderReport(live, { simulated: simulatedFixture(live, { validation: false, sweep: false }) });
  const text = sectionText(html, 'simulation');
  assert.ok(text.includes(NO_VALIDATION), text);
  assert.ok(text.includes('no validation run yet: run `lab validate-sim <scenario>`'));
  assert.match(text, /latency p99 .* no validation run yet/);
  assert.doesNotMatch(html, /chart-sweep/);
  const failed = await renderReport(live, { simulationError: 'the simulation failed: calibration lacks wasm' });
  assert.match(sectionText(failed, 'simulation'), /could not be shown: the simulation failed: calibration lacks wasm/);
});


test('stall evidence: pauses by cause, bookkeeping, suspect seconds with their verdict; runs without a record say so', async () => {
  const r = fixtureResult();
  const [first, ...rest] = r.runs;
  const stalled: RunResult = {
    ...r,
    runs: [
      {
        ...first!,
        stalls: {
          thresholdMs: 2,
          suspectRatio: 10,
          entries: [{ atMs: 1200, ms: 180, thread: 'worker-0', cause: 'gc', bookkeeping: false, detail: 'major' }],
          entriesDropped: 0,
          byCause: { gc: { count: 3, ms: 200, maxMs: 180 }, 'lab-stats': { count: 40, ms: 8, maxMs: 0.5 } },
          bookkeeping: { count: 40, ms: 8, maxMs: 0.5 },
          suspectSeconds: [
            { second: 16, p50Ms: 5, p99Ms: 210, pauses: [{ thread: 'worker-0', cause: 'gc', ms: 180 }], explained: true },
            { second: 30, p50Ms: 5, p99Ms: 300, pauses: [], explained: false },
          ],
        },
      },
      ...rest,
    ],
  };
  const text = sectionText(await renderReport(stalled), 'stalls');
  assert.match(text, /gc 3× 200 ms \(longest 180 ms\)/);
  assert.match(text, /40 segments, 8 ms/);
  assert.match(text, /1 unexplained/);
  assert.match(text, /worker-0 gc 180 ms/);
  assert.match(text, /not recorded by this host/);
  const md = renderMarkdown(stalled);
  assert.match(md, /### Stall evidence/);
  assert.match(md, new RegExp(`\\| ${first!.label}#${first!.repetition} \\| 2 \\| 1 \\| worker-0 gc 180 ms \\|`));
});

test('isolation: the probe matrix with its evidence, and a verdict by counts (fewest allowed wins; equal counts tie)', async () => {
  const r = fixtureResult();
  const labels = [...new Set(r.runs.map((x) => x.label))];
  assert.ok(labels.length >= 2, 'the fixture has two runtimes');
  const plain = sectionText(await renderReport(r), 'isolation');
  assert.match(plain, /Not measured in this run/);
  assert.match(renderMarkdown(r), /Isolation/);
  const records = (outcome: 'allowed' | 'denied', detail: string) =>
    PROBE_IDS.flatMap((probe) => ['hostile', 'hostile-c'].map((workload) => ({ workload, probe, outcome, detail })));
  const withProbes = (first: ReturnType<typeof records>, second: ReturnType<typeof records>): RunResult => ({
    ...r,
    runs: r.runs.map((x) => (x.repetition !== 1 ? x : { ...x, probes: { artifacts: [], results: x.label === labels[0] ? first : second } })),
  });
  const open = withProbes(records('allowed', 'returned the planted secret'), records('denied', 'ENOENT'));
  const text = sectionText(await renderReport(open), 'isolation');
  assert.match(text, new RegExp(`${labels[0]} hostile allowed returned the planted secret`));
  assert.match(text, new RegExp(`${labels[1]} hostile-c denied ENOENT`));
  const verdict = sectionText(await renderReport(open), 'verdict');
  const n = PROBE_IDS.length * 2;
  assert.deepEqual(labels.slice(0, 2), ['process', 'wasm']);
  assert.match(verdict, new RegExp(`Isolation Wasm wins wasm 0 of ${n} process ${n} of ${n}`));
  const closed = sectionText(await renderReport(withProbes(records('denied', 'no-capability'), records('denied', 'ENOENT'))), 'verdict');
  assert.match(closed, new RegExp(`Isolation no difference wasm 0 of ${n} process 0 of ${n}`));
});

test('blast radius: the neighbours beside a misbehaving tenant against their clean twin, with what stopped its requests', async () => {
  const r = fixtureResult();
  const label = r.runs[0]!.label;
  const twinned: RunResult = {
    ...r,
    runs: r.runs.map((x) =>
      x.label !== label
        ? x
        : {
            ...x,
            neighbourTwins: [
              {
                neighbour: { workload: 'hostile', behaviour: 'spin', fromSeconds: 0, everySeconds: 1 },
                status: 'complete',
                requests: x.requests,
                latency: x.latency,
                sends: [
                  { atMs: 3000, ms: 10004, status: 504, outcome: 'contained', by: 'deadline' },
                  { atMs: 4000, ms: 10003, status: 504, outcome: 'contained', by: 'deadline' },
                ],
              },
              {
                neighbour: { workload: 'hostile-c', behaviour: 'bomb', fromSeconds: 1, everySeconds: 2 },
                status: 'complete',
                requests: x.requests,
                latency: x.latency,
                sends: [{ atMs: 4000, ms: 120, status: 200, outcome: 'not-contained', by: "reached the lab's cap: bomb reached-cap 1024" }],
              },
            ],
          },
    ),
  };
  const text = sectionText(await renderReport(twinned), 'isolation');
  assert.match(text, /A misbehaving neighbour: blast radius/);
  // The twins here have the clean run's own latencies: the ratio is 1 exactly.
  assert.match(text, new RegExp(`${label} hostile spin every 1 s \\d+: deadline \\d+ stopped after 10003 ms \\(median\\) .* 1(\\.00)?× `));
  assert.match(text, new RegExp(`${label} hostile-c bomb from 1 s every 2 s \\d+: not-contained \\d+ .* 1(\\.00)?× `));
  assert.doesNotMatch(sectionText(await renderReport(r), 'isolation'), /blast radius/);
});

test("the lab's own survival is shown beside hostile tenants: planned runs recorded, what was left behind", async () => {
  const r = fixtureResult();
  const hostile: RunResult = { ...r, scenario: { ...r.scenario, resolved: { ...r.scenario.resolved, hostile: { probes: true, workloads: ['hostile'], neighbours: [] } } } };
  const clean = sectionText(await renderReport({ ...hostile, survival: { planned: r.runs.length, recorded: r.runs.length, leftBehind: [], unchecked: [] } }), 'isolation');
  assert.match(clean, new RegExp(`The lab's own survival Run ${r.status}; all ${r.runs.length} planned runs recorded; nothing it started left behind\\.`));
  const dirty = sectionText(await renderReport({ ...hostile, survival: { planned: r.runs.length + 2, recorded: r.runs.length, leftBehind: ['container /t1 (running)'], unchecked: [] } }), 'isolation');
  assert.match(dirty, /2 of \d+ planned runs not recorded .* left behind: container \/t1 \(running\)/);
  assert.doesNotMatch(sectionText(await renderReport(r), 'isolation'), /survival/, 'not without hostile tenants');
});

test('the verdict asks Wasm or containers: the best of each side, the bare process as reference, every pair below; throughput is no verdict row', async () => {
  const [process, wasm] = FIXTURE_RUNTIMES as [FixtureRuntime, FixtureRuntime];
  const runtimes: FixtureRuntime[] = [
    process,
    wasm,
    { ...wasm, label: 'wasmtime', runtime: 'wasmtime', coldStartMedianMs: 1, memoryPerInstanceBytes: 1024 * 1024 },
    { ...process, label: 'container', runtime: 'container', coldStartMedianMs: 300, memoryPerInstanceBytes: 12 * 1024 * 1024, packaging: 'oci-image-scratch' },
    { ...process, label: 'container-runsc', runtime: 'container', coldStartMedianMs: 600, memoryPerInstanceBytes: 20 * 1024 * 1024, packaging: 'oci-image-scratch' },
  ];
  const r = fixtureResult({ runtimes });
  const a = analyse(r);
  const cold = a.criteria.find((c) => c.criterion.name === 'Cold start')!;
  assert.equal(cold.wasm?.label, 'wasmtime', 'the best Wasm runtime');
  assert.equal(cold.counterpart?.label, 'container', 'the best container, not the bare process');
  assert.equal(cold.reference?.label, 'process');
  assert.equal(cold.outcome, 'winner');
  assert.equal(cold.winner, 'wasmtime');
  assert.ok(cold.ratio && cold.ratio.lo! > 100, `container / wasmtime cold start ${JSON.stringify(cold.ratio)}`);
  assert.match(cold.text, /^Wasm wins: [\d.]+× \[[\d.]+, [\d.]+\] lower \(Wasm wasmtime .* vs the best container container .*; reference: bare process process /);
  assert.deepEqual(cold.runtimes.map((s) => s.label), ['wasmtime', 'wasm', 'process', 'container', 'container-runsc']);
  assert.ok(!a.criteria.some((c) => /throughput/i.test(c.criterion.name)), 'an open-loop run decides no throughput');
  const html = await renderReport(r);
  const verdict = sectionText(html, 'verdict');
  assert.match(verdict, /Cold start Wasm wins wasmtime [\d.]+ ms .* container [\d.]+ ms .*× .* process [\d.]+ ms/);
  assert.match(verdict, /Every runtime, and every pair's ratio/);
  assert.match(verdict, /Throughput is not a verdict row/);
  // The pairwise matrix: row / column; the slowest over the fastest is the largest cold-start ratio.
  const m = pairwiseRatios(r, cold.runtimes.map((s) => s.label), cold.metric!, a.opts);
  assert.ok(m['container-runsc']!.wasmtime!.value > m.container!.wasmtime!.value);
  assert.ok(Math.abs(m.wasmtime!.container!.value * m.container!.wasmtime!.value - 1) < 1e-9);
});

test('caveats are said once per table: two repetitions are named once under the headline figures and once under the verdict, each cell points at its own', async () => {
  const html = await renderReport(fixtureResult({ repetitions: 2 }));
  const figures = sectionText(html, 'figures');
  assert.equal(figures.split('two repetitions only').length - 1, 1, 'once under the headline table');
  assert.match(html, /<sup class="note" title="caveat">1<\/sup>/);
  assert.equal(sectionText(html, 'verdict').split('two repetitions only').length - 1, 1, 'once under the verdict table');
});

test('field claims: each claim is said once, on the first of its runtimes\' rows', async () => {
  // A second Wasm runtime, so a Wasm claim has two rows.
  const r = fixtureResult({ runtimes: [...FIXTURE_RUNTIMES, { ...WASM, label: 'wasm-b' }] });
  const a = await analyse(r);
  const html = await renderReport(r);
  const claims = sectionText(html, 'claims');
  const repeated = [...new Set(a.claims.map((c) => c.claim.id))].map((id) => a.claims.find((c) => c.claim.id === id)!.claim.claim);
  assert.ok(a.claims.length > repeated.length, 'the fixture has claims with several runtimes');
  for (const text of repeated) assert.equal(claims.split(text).length - 1, 1, `said once: ${text}`);
});
