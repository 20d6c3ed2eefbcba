/**
 * The `fake` runner: the PoP protocol over in-process fake instances with fixed timings, all in
 * the lab's own process. For end-to-end tests of the lab itself; it measures nothing real.
 */
import { sha256 } from '../../lab/digest.js';
import { ExitCode, LabError } from '../../lab/errors.js';
import type { LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { checkOptions, numberOption, type NumericOption } from '../kit/options.js';
import { InstancePool } from '../kit/pool.js';
import { startPopServer } from '../kit/pop-server.js';
import { FakeFactory } from './factory.js';

const OPTIONS: Record<string, NumericOption> = {
  activationMs: { kind: 'number', min: 0 },
  serviceMs: { kind: 'number', min: 0 },
  memoryBytes: { kind: 'integer', min: 0 },
  spares: { kind: 'integer', min: 0 },
};

/** Options: `activationMs`, `serviceMs` (default 0: instant), `memoryBytes` reported per instance (default 0), `spares` (default 0). */
export const fakeRunner: Runner = {
  name: 'fake',

  validateOptions(options: Record<string, unknown>): string[] {
    return checkOptions('fake', options, OPTIONS);
  },

  async prepare(workloads: string[]): Promise<PreparedRuntime> {
    // No artifact exists: digests are of the workload name, so records stay well-formed and stable.
    return {
      artifacts: workloads.map((w) => ({ workload: w, packaging: 'fake', digest: sha256(`fake:${w}`), sourceDigest: sha256(`fake-source:${w}`), sizeBytes: 0 })),
      versions: { fake: '1' },
    };
  },

  async launch(plan: LaunchPlan): Promise<PopHandle> {
    const problems = checkOptions('fake', plan.options, OPTIONS);
    if (problems.length > 0) throw new LabError(`fake runner: ${problems.join('; ')}`, ExitCode.invalidInput);
    const pool = new InstancePool({
      runtime: 'fake',
      tenants: plan.tenants,
      keepAlive: plan.keepAlive,
      requestTimeoutMs: plan.requestTimeoutMs,
      spares: numberOption(plan.options, 'spares', 0),
      factory: new FakeFactory({
        activationMs: numberOption(plan.options, 'activationMs', 0),
        serviceMs: numberOption(plan.options, 'serviceMs', 0),
        memoryBytes: numberOption(plan.options, 'memoryBytes', 0),
      }),
      memory: { method: 'fake runner: declared per-instance size from the memoryBytes option, not measured', fixedOverheadBytes: async () => 0 },
    });
    await pool.start();
    const server = await startPopServer(pool);
    let stopped: Promise<void> | undefined;
    return {
      url: server.url,
      stop: () =>
        (stopped ??= (async () => {
          await server.close();
          await pool.close();
        })()),
    };
  },
};
