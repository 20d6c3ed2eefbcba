import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../errors.js';
import { distDir, projectRoot } from '../../paths.js';
import { loadFleetResult } from '../../results/store.js';

const cli = join(distDir, 'lab/app/cli.js');
const lab = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const tiny = 'lab/fleet/testdata/tiny-fleet.yaml';

test('lab simulate --fleet: shards on worker threads, merged into fleet.json with its HTML and Markdown report and the per-PoP CSV; lab report renders it again; lab merge names a missing shard', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-fleet-cli-'));
  try {
    const out = join(root, 'run');
    const r = lab('simulate', '--fleet', tiny, '--workers', '2', '--shards', '3', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Fleet tiny-fleet: 6 PoPs, /);
    assert.match(r.stdout, /calibration: .*results\/baselines\/calibration\.json/);
    for (const f of ['fleet.json', 'fleet-pops.csv', 'report.html', 'report.md', 'shards/shard-0-of-3.json', 'shards/shard-2-of-3.json']) assert.ok(existsSync(join(out, f)), f);
    const result = loadFleetResult(join(out, 'fleet.json'));
    assert.equal(result.calibration.origin, 'baseline');
    assert.match(result.calibration.note, /committed baseline .*calibration\.json, fitted from run smoke-/);
    assert.deepEqual([result.execution.shards, result.execution.workers], [3, 2]);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const id of ['answer', 'totals', 'binding', 'classes', 'pops', 'trust', 'assumptions', 'execution', 'repro']) assert.match(html, new RegExp(`<section id="${id}">`), id);
    assert.match(html, /<code>big1<\/code>/);
    assert.doesNotMatch(html, /<script(?! type="application\/json")/);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /### Fleet totals per runtime/);
    assert.equal(readFileSync(join(out, 'fleet-pops.csv'), 'utf8').trim().split('\n').length, 1 + 6 * 2);
    const again = lab('report', join(out, 'fleet.json'), '--format', 'md', '--out', '-');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, md);
    assert.equal(lab('report', join(out, 'fleet.json'), '--format', 'junit').status, ExitCode.usage);
    // A fleet result is no run result: lab gate says what reads it.
    const gate = lab('gate', join(out, 'fleet.json'));
    assert.equal(gate.status, ExitCode.invalidInput, gate.stderr);
    assert.match(gate.stderr, /is a fleet result, not a run result: lab report renders it/);
    rmSync(join(out, 'shards', 'shard-1-of-3.json'));
    const merge = lab('merge', join(out, 'shards'), '--out', join(root, 'merged'));
    assert.equal(merge.status, ExitCode.invalidInput);
    assert.match(merge.stderr, /missing shard 1 of 3 \(expected shard-1-of-3\.json\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lab simulate --fleet: a bad fleet file exits 3 at file:line:column; the shard command needs its calibration file', () => {
  const bad = lab('simulate', '--fleet', 'lab/fleet/testdata/unknown-key.yaml');
  assert.equal(bad.status, ExitCode.invalidInput);
  assert.match(bad.stderr, /lab\/fleet\/testdata\/unknown-key\.yaml:9:15: classes\[0\]\.spread\.tenant: unknown key 'tenant'/);
  const noCal = lab('simulate', '--fleet', tiny, '--shard', '0/2', '--out', join(tmpdir(), 'never'));
  assert.equal(noCal.status, ExitCode.usage);
  assert.match(noCal.stderr, /give --calibration <file> and --out <dir>/);
  assert.equal(lab('simulate', '--fleet', tiny, '--shard', '2/2', '--calibration', 'results/baselines/calibration.json', '--out', join(tmpdir(), 'never')).status, ExitCode.invalidInput);
  const valid = lab('validate', tiny, 'scenarios/fleet-4000.yaml');
  assert.equal(valid.status, 0, valid.stderr);
});

test('lab simulate --fleet --from <result.json>: calibrated once from the live result into the fleet folder, every shard reading that file', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-fleet-from-'));
  try {
    const r = lab('simulate', '--fleet', tiny, '--from', 'results/baselines/smoke.json', '--sample', '2', '--workers', '1', '--shards', '2', '--out', root, '--json');
    assert.equal(r.status, 0, r.stderr);
    const result = loadFleetResult(r.stdout.trim());
    assert.equal(result.calibration.origin, 'result');
    assert.equal(result.calibration.path, join(root, 'calibration.json'));
    assert.ok(existsSync(join(root, 'calibration.json')));
    assert.match(result.calibration.note, /^the live result .*results\/baselines\/smoke\.json \(run smoke-/);
    assert.equal(result.pops.length, 2);
    assert.equal(result.fleet.sample, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
