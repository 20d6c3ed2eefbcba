/**
 * The component packagings pace a drip: the JS guest awaits a StarlingMonkey timer between
 * slices (componentize-js runs the event loop until the async handle() settles), the C glue
 * blocks on a wasi:clocks pollable. The lab's own Wasm hosts buffer a response before
 * forwarding it (runners/wasm, runners/wasmtime tests), so the pacing is seen here, on the
 * reference hosts that serve the same components and stream: the client gets the slices spread
 * over time, and with no deadline of their own nothing stops a drip before its end.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PopHandle, Runner } from '../../lab/pop/contract.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { classifyContainment } from '../../lab/isolation/containment.js';
import { assertArrivedSpread, DRIP_HEADERS, dripPath, timedGet } from '../../workloads/testkit/drip.js';
import { resolveOptions } from '../kit/options.js';
import { jcoServeRunner } from '../jco-serve/runner.js';
import { wasmtimeServeRunner } from '../wasmtime-serve/runner.js';

const [CHUNKS, PAUSE_MS] = [4, 80];

for (const runner of [jcoServeRunner, wasmtimeServeRunner] as Runner[]) {
  describe(`${runner.name} streams what a component drips`, () => {
    test('JS and C components: the first slice with the head, the others spread over the pauses, and the drip runs to its end', async () => {
      const workDir = mkdtempSync(join(tmpdir(), `lab-${runner.name}-drip-`));
      const tenants = [
        { id: 'h-js', workload: 'hostile' },
        { id: 'h-c', workload: 'hostile-c' },
      ];
      const h: PopHandle = await runner.launch({ runId: `${runner.name}-drip`, tenants, keepAlive: { idleTimeoutSeconds: 0, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 }, limits: { ...DEFAULT_TENANT_LIMITS, cpuMsPerRequest: 50 }, options: resolveOptions(runner, {}), requestTimeoutMs: 5000, workDir });
      try {
        for (const workload of ['hostile', 'hostile-c']) {
          const url = h.plain!.urls[workload]!;
          const r = await timedGet(`${url}${dripPath(CHUNKS, PAUSE_MS)}`, DRIP_HEADERS);
          assert.equal(r.status, 200, `${workload}: ${r.body}`);
          assertArrivedSpread(r, CHUNKS, PAUSE_MS);
          // The scenario's 50 ms per-request limit means nothing to a reference host: the drip is not contained.
          assert.deepEqual(classifyContainment(r.status, null, r.body, { behaviour: 'drip' }), { outcome: 'not-contained', by: `ran to its end (${CHUNKS} of ${CHUNKS} slices)` });
        }
      } finally {
        await h.stop();
        rmSync(workDir, { recursive: true, force: true });
      }
    });
  });
}
