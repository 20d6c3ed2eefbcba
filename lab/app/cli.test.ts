import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distDir, projectRoot } from '../paths.js';
import { loadResult } from '../results/store.js';
import { ExitCode } from '../errors.js';

const cli = join(distDir, 'lab/app/cli.js');
const lab = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });

test('lab --help lists the commands; every command has --help', () => {
  const r = lab('--help');
  assert.equal(r.status, 0);
  for (const c of ['run', 'validate', 'workloads', 'bench']) {
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
    const h = lab(c, '--help');
    assert.equal(h.status, 0, `${c} --help`);
    assert.match(h.stdout, /usage:/);
  }
  assert.equal(lab('no-such-command').status, ExitCode.usage);
});

test('lab validate: shipped scenarios are valid; a bad one exits 3 naming file:line:column', () => {
  const ok = lab('validate', ...readdirSync(join(projectRoot, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`));
  assert.equal(ok.status, 0, ok.stderr);
  const bad = lab('validate', 'lab/app/testdata/bad-rate.yaml');
  assert.equal(bad.status, ExitCode.invalidInput);
  assert.match(bad.stderr, /lab\/app\/testdata\/bad-rate\.yaml:\d+:\d+: traffic\.rate/);
});

test('every --out makes its folder: simulate, report and gate into folders that do not exist yet', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-out-'));
  try {
    const baseline = 'results/baselines/smoke.json';
    const sim = lab('simulate', 'scenarios/smoke.yaml', '--from', baseline, '--out', join(root, 'sim', 'deep'));
    assert.equal(sim.status, 0, sim.stderr);
    assert.ok(existsSync(join(root, 'sim', 'deep', 'calibration.json')) && existsSync(join(root, 'sim', 'deep', 'simulated.json')));
    const md = lab('report', baseline, '--format', 'md', '--out', join(root, 'report', 'deep', 'summary.md'));
    assert.equal(md.status, 0, md.stderr);
    assert.ok(existsSync(join(root, 'report', 'deep', 'summary.md')));
    const gate = lab('gate', baseline, '--baseline', baseline, '--junit', join(root, 'gate', 'deep', 'gates.xml'));
    assert.ok(gate.status === ExitCode.ok || gate.status === ExitCode.gateInconclusive, gate.stderr);
    assert.ok(existsSync(join(root, 'gate', 'deep', 'gates.xml')));
    for (const r of [sim, md, gate]) assert.doesNotMatch(r.stderr, /internal error/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lab run --dry-run plans without running anything', () => {
  const r = lab('run', 'scenarios/smoke.yaml', '--dry-run');
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.ok(plan);
});

test('Ctrl-C (SIGINT to the process group) saves the finished part, exits 130, leaves nothing running', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-sigint-'));
  try {
    const child = spawn(process.execPath, [cli, 'run', 'lab/app/testdata/long-run.yaml', '--out', root], { cwd: projectRoot, detached: true, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    const pgid = child.pid!;
    await new Promise((r) => setTimeout(r, 7000));
    process.kill(-pgid, 'SIGINT'); // what a terminal does: every process of the group gets it
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, ExitCode.interrupted);
    const dir = join(root, 'long-run');
    const runDir = join(dir, readdirSync(dir)[0]!);
    assert.ok(existsSync(join(runDir, 'result.json')));
    const result = loadResult(join(runDir, 'result.json'));
    assert.equal(result.status, 'interrupted');
    assert.ok(result.runs[0]!.requests.completed > 0);
    assert.equal(result.runs.length, 1, 'the second runtime never started');
    await new Promise((r) => setTimeout(r, 300));
    const left = spawnSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', `processes left in the group: ${left}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lab run --only with a label the scenario lacks is a usage error naming the labels', () => {
  const r = lab('run', 'scenarios/smoke.yaml', '--only', 'wasm,dokker');
  assert.equal(r.status, ExitCode.usage);
  assert.match(r.stderr, /'dokker', not a runtime label of .*smoke\.yaml; its labels: process, wasm, wasmtime, container/);
});
