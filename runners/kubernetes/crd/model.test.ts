import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { committedSpinAppModel, crdProvenance, CRD_FILE, generateSpinAppModel, pinnedCrdDigest } from './generate.js';
import { SpinApp } from './model/core.spinkube.dev/v1alpha1/SpinApp.js';

test('the pinned SpinApp CRD is the file its provenance names (bytes unchanged)', () => {
  const p = crdProvenance();
  assert.equal(pinnedCrdDigest(), p.sha256, `${CRD_FILE} changed: update provenance.json with where it came from, and regenerate the model`);
  const crd = parse(readFileSync(CRD_FILE, 'utf8')) as { spec: { group: string; names: { kind: string }; versions: { name: string }[] } };
  assert.equal(crd.spec.group, 'core.spinkube.dev');
  assert.equal(crd.spec.names.kind, 'SpinApp');
  assert.deepEqual(crd.spec.versions.map((v) => v.name), ['v1alpha1']);
});

test('the committed SpinApp model is exactly what crd-generate makes of the pinned CRD', async () => {
  const generated = await generateSpinAppModel();
  const committed = committedSpinAppModel();
  assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort());
  for (const [path, text] of generated) assert.ok(committed.get(path) === text, `${path} differs from its generation: run node dist/runners/kubernetes/crd/generate.js`);
});

test('the model validates by the CRD schema: its required fields, its patterns', () => {
  const ok = new SpinApp({ metadata: { name: 'a' }, spec: { image: 'r/x:1', executor: 'containerd-shim-spin', replicas: 0, resources: { limits: { cpu: '500m', memory: '128Mi' } } } });
  ok.validate();
  assert.throws(() => new SpinApp({ metadata: { name: 'a' }, spec: { image: 'r/x:1' } } as never).validate(), /executor/);
  assert.throws(() => new SpinApp({ metadata: { name: 'a' }, spec: { image: 'r/x:1', executor: 'e', resources: { limits: { cpu: 'lots' } } } }).validate(), /cpu must match pattern/);
});
