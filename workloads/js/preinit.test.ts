/**
 * Pre-initialisation at build time (`wasm-component-preinit`): a handler that throws on its
 * warm-up call fails the build with an error naming the workload and the handler's own message;
 * the plain build of the same handler still builds (the failure is the warm-up's, not the
 * handler's text). Identity of pre-initialised components on every fixture is the conformance
 * suite's (`identity, preinit` of both Wasm runners).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkload } from '../registry.js';
import type { Workload } from '../types.js';
import { buildJsComponent, ComponentizeError } from './component.js';

const scratch = mkdtempSync(join(tmpdir(), 'lab-preinit-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A workload like `hello` whose handler throws until it is configured, which a build-time call never is. */
function throwingWorkload(): Workload {
  const hello = loadWorkload('hello');
  const handlerPath = join(scratch, 'handler.js');
  writeFileSync(handlerPath, "let configured = false;\nexport function handle(req) {\n  if (!configured) throw new Error('signing key not configured');\n  return { status: 200, headers: {}, body: new Uint8Array(0) };\n}\n");
  return { ...hello, name: 'needs-config', handlerPath, sourceDigest: 'sha256:test' };
}

test('a handler that throws on its warm-up call fails the pre-initialised build, naming the workload and the error', async () => {
  const w = throwingWorkload();
  await assert.rejects(buildJsComponent(w, { packaging: 'wasm-component-preinit', cacheRoot: scratch }), (e: unknown) => {
    assert.ok(e instanceof ComponentizeError, String(e));
    assert.match(e.message, /needs-config/);
    assert.match(e.message, /signing key not configured/);
    return true;
  });
  const plain = await buildJsComponent(w, { cacheRoot: scratch });
  assert.equal(plain.packaging, 'wasm-component');
});
