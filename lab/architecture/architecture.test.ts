/**
 * The house plan, checked: no import circles anywhere, and every layering rule of rules.ts holds
 * on this checkout's sources. The checks themselves are tested on small made-up trees, so a rule
 * that could never fail would be noticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectRoot } from '../paths.js';
import { checkRules, findCircles, formatViolation, readImportGraph } from './import-graph.js';
import { LAYER_RULES, SOURCE_FOLDERS, runnerFolder } from './rules.js';

/** A throw-away tree of TypeScript files: path -> source. */
function tree(files: Record<string, string>): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'lab-arch-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('this checkout has no import circle', () => {
  const circles = findCircles(readImportGraph(projectRoot, SOURCE_FOLDERS));
  assert.deepEqual(circles, [], circles.map((c) => c.join(' <-> ')).join('\n'));
});

test('this checkout keeps every layering rule', () => {
  const graph = readImportGraph(projectRoot, SOURCE_FOLDERS);
  // The graph must be the real one: the core, the application and every runner are in it.
  assert.ok(graph.files.includes('lab/app/cli.ts') && graph.files.includes('lab/pop/contract.ts') && graph.files.includes('runners/registry.ts'));
  assert.ok(graph.edges.length > 500, `only ${graph.edges.length} imports read`);
  const violations = checkRules(graph, LAYER_RULES);
  assert.deepEqual(violations.map(formatViolation), []);
});

test('a new circle is found, type-only imports and dynamic imports included', () => {
  const t = tree({
    'lab/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
    'lab/b.ts': "import type { C } from './c.js';\nexport const b = 1; export type B = C;\n",
    'lab/c.ts': "export type C = number;\nexport const load = () => import('./a.js');\n",
    'lab/d.ts': "import { a } from './a.js';\nexport const d = a;\n",
  });
  try {
    assert.deepEqual(findCircles(readImportGraph(t.root, ['lab'])), [['lab/a.ts', 'lab/b.ts', 'lab/c.ts']]);
  } finally {
    t.done();
  }
});

test('imports inside strings and comments are not imports', () => {
  const t = tree({
    'lab/a.ts': "// import { x } from '../runners/x.js';\nexport const src = `import { y } from '../runners/y.js'`;\n",
  });
  try {
    assert.deepEqual(readImportGraph(t.root, ['lab']).edges, []);
  } finally {
    t.done();
  }
});

test('a core file importing a runner, a report or the application breaks a rule; the application may import them', () => {
  const t = tree({
    'lab/sim/x.ts': "import { r } from '../../runners/wasm/runner.js';\nimport { h } from '../../reports/html.js';\nimport { c } from '../app/cli.js';\n",
    'lab/app/run.ts': "import { r } from '../../runners/registry.js';\nimport { h } from '../../reports/html.js';\n",
    'lab/index.ts': "import { run } from './app/run.js';\n",
    'runners/wasm/runner.ts': 'export const r = 1;\n',
    'runners/registry.ts': 'export const r = 1;\n',
    'reports/html.ts': "import { w } from '../workloads/registry.js';\nexport const h = 1;\n",
    'workloads/registry.ts': "import { r } from '../runners/registry.js';\nexport const w = 1;\n",
    'lab/app/cli.ts': 'export const c = 1;\n',
  });
  try {
    const v = checkRules(readImportGraph(t.root, SOURCE_FOLDERS), LAYER_RULES).map((x) => `${x.edge.from} -> ${x.edge.to}: ${x.rule}`);
    assert.deepEqual(v.sort(), [
      'lab/sim/x.ts -> lab/app/cli.ts: core imports no application, runner, report or workload',
      'lab/sim/x.ts -> reports/html.ts: core imports no application, runner, report or workload',
      'lab/sim/x.ts -> runners/wasm/runner.ts: core imports no application, runner, report or workload',
      'reports/html.ts -> workloads/registry.ts: reports read only the core',
      'workloads/registry.ts -> runners/registry.ts: workloads import no application, runner or report',
    ]);
  } finally {
    t.done();
  }
});

test('runners stay in their own folders; a host does not load its lab side; engine libraries stay where they belong', () => {
  const t = tree({
    'runners/wasmtime/runner.ts': "import { b } from '../wasm/artifacts/transpile.js';\nimport { k } from '../kit/pool.js';\nimport { c } from '../components/components.js';\n",
    'runners/wasm/artifacts/transpile.ts': 'export const b = 1;\n',
    'runners/wasm/host/main.ts': "import { r } from '../runner.js';\nimport { o } from '../options.js';\n",
    'runners/wasm/runner.ts': 'export const r = 1;\n',
    'runners/wasm/options.ts': 'export const o = 1;\n',
    'runners/kit/pool.ts': 'export const k = 1;\n',
    'runners/components/components.ts': "import Docker from 'dockerode';\nexport const c = 1;\n",
    'lab/app/cli.ts': "import { run } from '../../runners/kit/pool.js';\nimport * as vega from 'vega';\n",
  });
  try {
    const v = checkRules(readImportGraph(t.root, SOURCE_FOLDERS), LAYER_RULES).map((x) => `${x.edge.from} -> ${x.edge.to}: ${x.rule}`);
    assert.deepEqual(v.sort(), [
      'lab/app/cli.ts -> vega: vega only in reports',
      'runners/components/components.ts -> dockerode: dockerode only in the container runner',
      "runners/wasm/host/main.ts -> runners/wasm/runner.ts: a runner's host side does not import its lab side",
      'runners/wasmtime/runner.ts -> runners/wasm/artifacts/transpile.ts: a runner imports no other runner',
    ]);
  } finally {
    t.done();
  }
});

test('runner folders: the kit is shared, every other folder of runners/ is one runner', () => {
  assert.equal(runnerFolder('runners/wasm/host/engine.ts'), 'wasm');
  assert.equal(runnerFolder('runners/kit/pool.ts'), undefined);
  assert.equal(runnerFolder('runners/components/components.ts'), undefined);
  assert.equal(runnerFolder('runners/registry.ts'), undefined);
});
