import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { SpinApp } from '../../../runners/kubernetes/crd/model/core.spinkube.dev/v1alpha1/SpinApp.js';
import { distDir, projectRoot } from '../../paths.js';
import { ExitCode } from '../../errors.js';

const MODELS: Record<string, new (d: never) => { validate(): void }> = { ConfigMap, Deployment, Job, Namespace, Service, ClusterRole, Role, SpinApp };
const lab = (...args: string[]) => spawnSync(process.execPath, [join(distDir, 'lab/app/cli.js'), ...args], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((f) => (f.isDirectory() ? yamlFiles(join(dir, f.name)) : f.name.endsWith('.yaml') ? [join(dir, f.name)] : []));
}

test('lab export kubernetes scenarios/pop-16gb.yaml: every file read back validates; the generator shards are the plan, to the Services', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-export-'));
  try {
    const out = join(root, 'm');
    const r = lab('export', 'kubernetes', 'scenarios/pop-16gb.yaml', '--out', out, '--generators', '3', '--run-id', 'pop-16gb-test');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+ objects in 36 files, all valid/);
    const kinds: Record<string, number> = {};
    let requests = 0;
    for (const f of yamlFiles(out)) {
      for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
        const obj = doc.toJSON() as { kind: string; binaryData?: Record<string, string> };
        const Model = MODELS[obj.kind];
        assert.ok(Model, `${f}: unexpected kind ${obj.kind}`);
        new Model(obj as never).validate();
        kinds[obj.kind] = (kinds[obj.kind] ?? 0) + 1;
        for (const b64 of Object.values(obj.binaryData ?? {})) {
          const bytes = Buffer.from(b64, 'base64');
          assert.equal(bytes.subarray(0, 8).toString('latin1'), 'LABJOB1\n');
          const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString('utf8')) as { route: string; count: number; tenants: { baseUrl: string }[] };
          assert.equal(header.route, 'plain');
          assert.ok(header.tenants.every((t) => /^http:\/\/lab-[0-9a-f]{8}-t\d{4}-(spin|ctr)\.edge-pop-lab\.svc\.cluster\.local$/.test(t.baseUrl)), header.tenants[0]?.baseUrl);
          requests += header.count;
        }
      }
    }
    assert.deepEqual(kinds, { Namespace: 1, Role: 1, ClusterRole: 1, SpinApp: 16, Deployment: 16, Service: 16, ConfigMap: 6, Job: 2 });
    // Both sides' shards together: the plan twice (the dry run plans the same requests).
    const plan = JSON.parse(lab('run', 'scenarios/pop-16gb.yaml', '--dry-run').stdout) as { requests: number };
    assert.equal(requests, 2 * plan.requests);
    const artifacts = JSON.parse(readFileSync(join(out, 'artifacts.json'), 'utf8')) as { artifacts: Record<string, string> };
    assert.match(artifacts.artifacts['wasm/hello']!, /^127\.0\.0\.1:5000\/edge-pop-lab\/spin\/hello:wasm-component-[0-9a-f]{12}$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failed export changes nothing it was to replace; an unreadable --fleet calibration is named', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-export-'));
  try {
    const out = join(root, 'm');
    writeFileSync(join(root, 'keep'), '');
    const bad = lab('export', 'kubernetes', 'scenarios/smoke.yaml', '--out', root, '--namespace', 'Not_A_Label');
    assert.equal(bad.status, ExitCode.invalidInput);
    assert.match(bad.stderr, /--namespace: "Not_A_Label" is not a DNS-1123 label/);
    assert.ok(existsSync(join(root, 'keep')));
    assert.ok(!existsSync(out));
    assert.equal(lab('export', 'kubernetes', '--fleet', 'scenarios/fleet-4000.yaml').status, ExitCode.usage, 'the fleet Job needs its calibration, shards and image');
    const fleet = lab('export', 'kubernetes', '--fleet', 'scenarios/fleet-4000.yaml', '--calibration', 'no-such.json', '--shards', '4', '--image', 'r/lab:1', '--out', root);
    assert.equal(fleet.status, ExitCode.invalidInput);
    assert.match(fleet.stderr, /--calibration: cannot read no-such\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
