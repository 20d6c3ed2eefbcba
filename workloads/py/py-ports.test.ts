/**
 * The Python ports: the corner cases where a port drifts from JS (testkit/corner-cases.ts)
 * through the harness, byte for byte; the handler rules, static (rules.py, before any build) and
 * at run time (the harness's guard), each failing with a message naming the workload and the
 * rule; and the bare-process build's promises (cached by content, an image of the standard
 * library only, a loud failure for a workload of another language).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workloadsDir } from '../../lab/paths.js';
import { fixtureRequestBody, loadWorkload } from '../registry.js';
import type { Workload } from '../types.js';
import { CORNER_CASES } from '../testkit/corner-cases.js';
import { testCornerCases } from '../c/port-suites.js';
import { buildPythonApp, checkPythonRules, PYTHON, PythonBuildError, PythonRuleError, pythonHarnessCommand } from './build.js';
import { pythonHarnessEndpoint } from './identity-packagings.js';

const scratch = mkdtempSync(join(tmpdir(), 'lab-py-ports-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// The corner cases every port faces (C, Go, Python), through the harness with the rules guard on.
for (const name of Object.keys(CORNER_CASES)) {
  testCornerCases(name, `${name}-py`, CORNER_CASES[name]!, () => pythonHarnessCommand(loadWorkload(`${name}-py`)));
}

/** A Python port of `hello` with this handler source, in a scratch workloads folder of its own. */
function scratchPort(name: string, source: string): Workload {
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  cpSync(join(workloadsDir, 'hello'), join(root, 'hello'), { recursive: true });
  mkdirSync(join(root, name));
  writeFileSync(join(root, name, 'handler.py'), source);
  writeFileSync(join(root, name, 'workload.json'), JSON.stringify({ name, description: 'a rule-breaking test handler', language: 'py', fixturesFrom: 'hello', bodyLimitBytes: 0, traffic: ['get-root'] }));
  return loadWorkload(name, root);
}

const GREETING = "    return 200, {'content-type': 'text/plain; charset=utf-8'}, b'hello from edge-pop-lab\\n'\n";

describe('the handler rules', () => {
  const breakers: Array<{ name: string; source: string; rule: string; what: RegExp }> = [
    { name: 'clock-py', source: `import time\n\ndef handle(req):\n    t = time.time()\n${GREETING}`, rule: 'no clock', what: /handler\.py:1: breaks the rule "no clock": imports time/ },
    { name: 'network-py', source: `def handle(req):\n    import socket\n    socket.create_connection(('127.0.0.1', 9))\n${GREETING}`, rule: 'no network', what: /handler\.py:2: breaks the rule "no network": imports socket/ },
    { name: 'random-py', source: `from random import random\n\ndef handle(req):\n${GREETING}`, rule: 'no randomness', what: /handler\.py:1: breaks the rule "no randomness": imports random/ },
    { name: 'file-py', source: `def handle(req):\n    open('/etc/hostname').read()\n${GREETING}`, rule: 'no I/O', what: /handler\.py:2: breaks the rule "no I\/O": uses open/ },
  ];
  for (const b of breakers) {
    test(`a handler that breaks "${b.rule}" has no artifact: the message names the workload and the rule`, async () => {
      const w = scratchPort(b.name, b.source);
      const named = (e: unknown): boolean => {
        assert.ok(e instanceof PythonRuleError, String(e));
        assert.match(e.message, new RegExp(`^workload ${b.name}: `));
        assert.match(e.message, b.what);
        return true;
      };
      await assert.rejects(checkPythonRules(w), named);
      // Every packaging checks first: the identity test's harness and the bare process alike.
      await assert.rejects(pythonHarnessCommand(w), named);
      await assert.rejects(buildPythonApp(w, { cacheRoot: join(scratch, 'cache') }), named);
    });
  }

  test('a handler that passes the static check but reaches the network at run time fails its identity call, naming the workload and the rule', async () => {
    // No import statement and no forbidden name: only the run-time guard can see this one.
    const w = scratchPort('sneaky-py', `import re\n\ndef handle(req):\n    importer = re.enum.sys.modules['builtins'].__dict__['__imp' + 'ort__']\n    importer('soc' + 'ket')\n${GREETING}`);
    await checkPythonRules(w);
    const e = await pythonHarnessEndpoint(w);
    try {
      const f = w.fixtures[0]!;
      await assert.rejects(e.call(f.request, fixtureRequestBody(f)), /^Error: workload sneaky-py: the handler failed: handler-threw: RuleBreach: handler breaks the rule "no network": imports socket/);
    } finally {
      await e.stop();
    }
  });

  test('a handler that opens a file through a back door fails at run time with "no I/O"', async () => {
    const w = scratchPort('backdoor-py', `import re\n\ndef handle(req):\n    re.enum.sys.modules['io'].open('/etc/hostname').read()\n${GREETING}`);
    await checkPythonRules(w);
    const e = await pythonHarnessEndpoint(w);
    try {
      const f = w.fixtures[0]!;
      await assert.rejects(e.call(f.request, fixtureRequestBody(f)), /workload backdoor-py: the handler failed: .*breaks the rule "no I\/O": open\('\/etc\/hostname'/);
    } finally {
      await e.stop();
    }
  });

  test('the four ports keep the rules', async () => {
    for (const name of ['hello-py', 'jwt-verify-py', 'ab-flag-py', 'telemetry-py']) await checkPythonRules(loadWorkload(name));
  });
});

test('each handler.py repeats its manifest\'s bodyLimitBytes and fixedNow (a handler cannot read the manifest)', () => {
  for (const name of ['hello-py', 'jwt-verify-py', 'ab-flag-py', 'telemetry-py']) {
    const w = loadWorkload(name);
    const source = readFileSync(w.sourcePath, 'utf8');
    assert.equal(Number(/^BODY_LIMIT_BYTES = (\d+)$/m.exec(source)?.[1]), w.manifest.bodyLimitBytes, name);
    const fixedNow = /^FIXED_NOW = (\d+)$/m.exec(source)?.[1];
    assert.equal(fixedNow === undefined ? undefined : Number(fixedNow), w.manifest.fixedNow, name);
  }
});

describe('the bare-process build', () => {
  test('cached by content; the image holds the interpreter, its libraries, standard library modules and the app, nothing else', async () => {
    const root = join(scratch, 'cache-test');
    const w = loadWorkload('jwt-verify-py');
    const first = await buildPythonApp(w, { cacheRoot: root });
    const second = await buildPythonApp(w, { cacheRoot: root });
    assert.deepEqual(second, first);
    assert.equal(first.file.digest, w.sourceDigest, 'the artifact is the handler as written');
    assert.equal(first.runtime.path, PYTHON);
    assert.match(first.runtime.version, /^3\.11\./);
    const paths = first.image.files.map((f) => f.imagePath);
    assert.ok(paths.includes(PYTHON) && paths.includes('/app/server.pyc') && paths.includes('/app/handler.pyc'), paths.join(' '));
    for (const p of paths) assert.match(p, /^(\/usr\/bin\/python3\.11|\/app\/[a-z_]+\.pyc|\/usr\/lib\/python3\.11\/.+\.(pyc|so)|\/usr\/lib\/python3\.11\/lib-dynload\/\.keep|\/(usr\/)?lib(64|\/x86_64-linux-gnu)\/[^/]+\.so[.0-9]*)$/, `unexpected image file ${p}`);
    assert.ok(!paths.some((p) => /\/(http|email|asyncio|urllib)\//.test(p)), 'no HTTP library: the server is socket and selectors');
    for (const f of first.image.files) assert.ok(existsSync(f.hostPath), f.hostPath);
  });

  test('a JS workload built as Python fails naming the workload and the step', async () => {
    await assert.rejects(buildPythonApp(loadWorkload('hello')), (e: unknown) => e instanceof PythonBuildError && /Python workload hello: checking the manifest failed: language is "js"/.test(e.message));
  });
});
