/**
 * The Wasm packaging for the identity check (workloads/identity.test.ts): a workload's handler
 * as a component, served by a real `wasm` runner host, reached over HTTP through the PoP's
 * tenant route. Everything between the fixture and the handler is what production runs use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpEndpoint, type Packaging } from '../../workloads/testkit/packagings.js';
import { resolveOptions } from '../kit/options.js';
import { wasmRunner } from './runner.js';

/** Tenant id the packaging serves its one workload under. */
const TENANT = 'identity';

/** `wasm-component`: one host per workload, one engine thread, one tenant. */
export const wasmPackaging: Packaging = {
  name: 'wasm-component',
  http: true,
  async start(w) {
    const workDir = mkdtempSync(join(tmpdir(), 'lab-wasm-identity-'));
    const handle = await wasmRunner.launch({
      runId: `identity-${w.name}`,
      tenants: [{ id: TENANT, workload: w.name }],
      keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      options: resolveOptions(wasmRunner, { workers: 1 }),
      requestTimeoutMs: 30_000,
      workDir,
    });
    return httpEndpoint(
      handle.url,
      async () => {
        await handle.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
      `/t/${TENANT}`,
    );
  },
};
