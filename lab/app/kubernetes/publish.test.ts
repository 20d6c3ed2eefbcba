/**
 * `lab publish` against real registries on 127.0.0.1: Debian's docker-registry (the container
 * runner's origin registry, here with a fresh storage each), once writable, once read-only (a
 * registry that refuses every push), and a port where nothing listens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { registryConfig } from '../../../runners/container/host/origin-registry.js';
import { resolveComponent } from '../../../runners/components/components.js';
import { RegistryError } from '../../../runners/kit/oci/distribution.js';
import { spinArtifact, SPIN_MEDIA_TYPES } from '../../../runners/kit/oci/spin-app.js';
import { splitImageRef } from '../../../runners/kubernetes/manifests/refs.js';
import { publish } from './publish.js';
import { freePort } from '../../proc/free-ports.js';

/** A docker-registry of its own on 127.0.0.1; `readonly` refuses every write. */
async function registry(readonly = false): Promise<{ host: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-publish-registry-'));
  const port = await freePort();
  let config = registryConfig(port, join(dir, 'storage'));
  if (readonly) config = config.replace('  delete:\n    enabled: true\n', '  delete:\n    enabled: true\n  maintenance:\n    readonly:\n      enabled: true\n');
  writeFileSync(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not yet
    }
    if (i > 200) {
      await stop();
      throw new Error('docker-registry did not start');
    }
    await sleep(25);
  }
  return { host: `127.0.0.1:${port}`, stop };
}

test('publish round trip: images, Spin apps and the engine image pushed, pulled back, digests equal', { timeout: 900_000 }, async () => {
  const reg = await registry();
  try {
    const out = await publish({ registry: reg.host, workloads: ['hello', 'hello-c'], sides: ['wasm', 'container'] });
    assert.deepEqual(out.map((a) => `${a.kind} ${a.workload ?? ''}`), ['container-image hello', 'spin-app hello', 'container-image hello-c', 'spin-app hello-c', 'engine-image ']);
    for (const a of out) {
      assert.equal(a.pulledDigest, a.pushedDigest, a.ref);
      assert.ok(a.blobsChecked >= 2, `${a.ref}: config and at least one layer read back`);
      assert.ok(a.ref.startsWith(`${reg.host}/edge-pop-lab/`), a.ref);
    }
    // The Spin app as `spin registry push` lays it out, and the same digest as the artifact built apart.
    const app = out.find((a) => a.kind === 'spin-app' && a.workload === 'hello')!;
    const { repository, tag } = splitImageRef(app.ref);
    const res = await fetch(`http://${reg.host}/v2/${repository}/manifests/${tag}`, { headers: { accept: SPIN_MEDIA_TYPES.manifest } });
    const manifest = (await res.json()) as { mediaType: string; config: { mediaType: string }; layers: { mediaType: string; digest: string }[] };
    assert.equal(manifest.mediaType, SPIN_MEDIA_TYPES.manifest);
    assert.equal(manifest.config.mediaType, SPIN_MEDIA_TYPES.config);
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), [SPIN_MEDIA_TYPES.wasmLayer, SPIN_MEDIA_TYPES.lockedApp]);
    const component = readFileSync((await resolveComponent('hello', undefined)).file);
    assert.equal(app.pulledDigest, spinArtifact('hello', tag, component).digest);
    const locked = (await (await fetch(`http://${reg.host}/v2/${repository}/blobs/${manifest.layers[1]!.digest}`)).json()) as { components: { source: { digest: string } }[]; triggers: { trigger_config: { route: string } }[] };
    assert.equal(locked.components[0]!.source.digest, manifest.layers[0]!.digest, 'the locked app names its component by its layer digest');
    assert.equal(locked.triggers[0]!.trigger_config.route, '/...');
    // A second publish finds every blob there and changes no digest.
    const again = await publish({ registry: reg.host, workloads: ['hello'], sides: ['wasm'], engine: false });
    assert.equal(again[0]!.pulledDigest, app.pulledDigest);
  } finally {
    await reg.stop();
  }
});

test('a registry that refuses a push, or is not there: one error naming it', { timeout: 300_000 }, async () => {
  const ro = await registry(true);
  try {
    await assert.rejects(publish({ registry: ro.host, workloads: ['hello'], sides: ['wasm'], engine: false }), (e: unknown) => {
      assert.ok(e instanceof RegistryError, String(e));
      assert.match(e.message, new RegExp(`^registry ${ro.host.replace(/\./g, '\\.')}: blob upload to edge-pop-lab/spin/hello refused: HTTP 405`));
      return true;
    });
    await assert.rejects(publish({ registry: ro.host, workloads: ['hello'], sides: ['container'], engine: false }), (e: unknown) => {
      assert.ok(e instanceof RegistryError, String(e));
      assert.match(e.message, new RegExp(`^registry ${ro.host.replace(/\./g, '\\.')}: the push of .*edge-pop-lab/hello:.* failed`));
      return true;
    });
  } finally {
    await ro.stop();
  }
  const nobody = `127.0.0.1:${await freePort()}`;
  await assert.rejects(publish({ registry: nobody, workloads: ['hello'], sides: ['wasm'], engine: false }), new RegExp(`^RegistryError: registry ${nobody.replace(/\./g, '\\.')}: the API check \\(GET /v2/\\): cannot be reached`));
});
