import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../digest.js';
import { LabError } from '../errors.js';
import { projectRoot, resultsDir } from '../paths.js';
import type { FleetCalibrationRecord } from '../results/model.js';
import { fakeScenarioContext } from '../scenario/fake-context.js';
import { loadCalibration } from '../sim/calibrate.js';
import { loadFleet } from './load.js';
import { fleetOutcome, mergeShardResults, readShard } from './merge.js';
import { runShard } from './shard.js';

const calibrationPath = join(resultsDir, 'baselines', 'calibration.json');
const fleetFile = join(projectRoot, 'lab', 'fleet', 'testdata', 'tiny-fleet.yaml');

/** Runs every shard of K in process; returns the shard files. */
function shards(dir: string, count: number, sample?: number): string[] {
  const loaded = loadFleet(fleetFile, fakeScenarioContext());
  const calibration = loadCalibration(calibrationPath);
  const record: FleetCalibrationRecord = { origin: 'calibration file', path: calibrationPath, digest: sha256(readFileSync(calibrationPath, 'utf8')), calibrationVersion: calibration.calibrationVersion, source: calibration.source, note: 'the committed baseline (test)' };
  return Array.from({ length: count }, (_, index) => runShard({ loaded, calibration, calibrationRecord: record, shard: { index, count }, outDir: dir, ranIn: 'process', ...(sample !== undefined ? { sample } : {}) }).path);
}

test('the merge of 3 shards is byte-identical to one unsharded run with the same seed, PoPs in fleet order', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-fleet-merge-'));
  try {
    const one = mergeShardResults(shards(join(root, 'one'), 1).map(readShard));
    const three = mergeShardResults(shards(join(root, 'three'), 3).map(readShard));
    assert.equal(JSON.stringify(fleetOutcome(three)), JSON.stringify(fleetOutcome(one)));
    assert.deepEqual(one.pops.map((p) => p.id), ['small-1', 'small-2', 'small-3', 'small-4', 'small-5', 'big1']);
    assert.equal(three.execution.shards, 3);
    assert.deepEqual(three.execution.perShard.map((s) => s.pops), [2, 2, 2]);
    // Each shard says what its thread spent: CPU time, at most its wall time (10 ms ticks).
    for (const s of three.execution.perShard) assert.ok(s.cpuSeconds !== undefined && s.cpuSeconds >= 0 && s.cpuSeconds <= s.wallSeconds + 0.02, JSON.stringify(s));
    // The outcome is not empty: hosts found, the fleet's histograms merged, costs from the prices.
    const big = one.pops[5]!.runtimes['process']!;
    assert.ok(big.hosts! > 1 && big.binding.resource !== 'search bound', JSON.stringify(big.binding));
    assert.equal(one.totals['process']!.hosts, one.pops.reduce((a, p) => a + p.runtimes['process']!.hosts!, 0));
    assert.ok(one.latency['wasmtime']!.all.count > 1000 && one.latency['wasmtime']!.all.hdr.length > 0);
    assert.ok(one.totals['wasmtime']!.perMillionRequests! > 0);
    assert.equal(one.byClass['small']!['process']!.pops, 5);
    assert.equal(one.byClass['pops']!['process']!.pops, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('merge refuses a missing, a duplicate and a foreign shard, naming the files', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-fleet-merge-'));
  try {
    const files = shards(join(root, 'a'), 3, 3);
    assert.throws(() => mergeShardResults([files[0]!, files[2]!].map(readShard)), (e: Error) => e instanceof LabError && /missing shard 1 of 3 \(expected shard-1-of-3\.json\)/.test(e.message));
    const copy = join(root, 'copy-of-shard-0.json');
    copyFileSync(files[0]!, copy);
    assert.throws(() => mergeShardResults([...files, copy].map(readShard)), (e: Error) => e instanceof LabError && e.message.includes(`shard 0 of 3 is given twice: ${files[0]} and ${copy}`));
    // A shard of another fleet run (another sample here) is not part of this set.
    const other = shards(join(root, 'b'), 3, 6);
    assert.throws(() => mergeShardResults([files[0]!, files[1]!, other[2]!].map(readShard)), (e: Error) => e instanceof LabError && /are not shards of one fleet run: their PoP sample differ/.test(e.message));
    // A truncated shard (a PoP lost) is caught by the PoP count.
    const cut = JSON.parse(readFileSync(files[1]!, 'utf8'));
    cut.pops = [];
    writeFileSync(files[1]!, JSON.stringify(cut));
    assert.throws(() => mergeShardResults(files.map(readShard)), (e: Error) => e instanceof LabError && /the shards hold 2 PoPs, the fleet tiny-fleet has 3 \(sampled\)/.test(e.message));
    assert.throws(() => readShard(calibrationPath), LabError);
    assert.throws(() => mergeShardResults([]), LabError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
