/**
 * Packaging a workload's component: a handler that throws on its build-time warm-up call fails
 * the pre-initialised build with an error naming the workload and the handler's own message,
 * and the runtime goes on with the plain build only when the scenario chose `preinitFallback`
 * (the artifact then says why it is plain). Identity of pre-initialised components on every
 * fixture is the conformance suite's (`identity, preinit` of both Wasm runners).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkload } from '../../workloads/registry.js';
import type { Workload } from '../../workloads/types.js';
import { buildGuestComponent, ComponentizeError } from '../../workloads/js/component.js';
import { PROBE_WORLD } from '../../workloads/js/wit.js';
import { buildComponent } from './components.js';

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
  await assert.rejects(buildComponent(w, { cacheRoot: scratch }, { packaging: 'wasm-component-preinit', preinitFallback: false }), (e: unknown) => {
    assert.ok(e instanceof ComponentizeError, String(e));
    assert.match(e.message, /needs-config/);
    assert.match(e.message, /signing key not configured/);
    return true;
  });
});

test('with preinitFallback the plain build is served and the artifact says why; the plain build itself never calls the handler', async () => {
  const w = throwingWorkload();
  const logged: string[] = [];
  const c = await buildComponent(w, { cacheRoot: scratch, log: (m) => logged.push(m) }, { packaging: 'wasm-component-preinit', preinitFallback: true });
  assert.equal(c.packaging, 'wasm-component');
  assert.match(c.note ?? '', /wasm-component-preinit failed, plain build served \(preinitFallback\).*signing key not configured/s);
  assert.ok(logged.some((m) => m.startsWith('needs-config: wasm-component-preinit failed')), logged.join('\n'));
  const plain = await buildComponent(w, { cacheRoot: scratch });
  assert.equal(plain.packaging, 'wasm-component');
  assert.equal(plain.note, undefined);
  assert.equal(plain.digest, c.digest, 'the fallback serves the same bytes as the plain build');
});

test('one process builds against several WIT directories in turn (the splicer reads its preopens once, at its first start)', async () => {
  // The earlier tests started the splicer on this file's guest-world WIT; a probe-world guest in
  // another cache root reads a WIT directory that did not exist then (CI lost a build that way).
  const other = mkdtempSync(join(tmpdir(), 'lab-wit-'));
  try {
    const guest = 'export const incomingHandler = { handle(request, responseOut) { throw new Error("never called"); } };\n';
    const built = await buildGuestComponent('two-worlds', guest, { cacheRoot: other }, PROBE_WORLD);
    assert.ok(built.sizeBytes > 0);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
