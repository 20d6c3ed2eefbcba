/**
 * The `fake` runner: the PoP protocol over in-process fake instances with fixed timings, all in
 * the lab's own process. For end-to-end tests of the lab itself; it measures nothing real. It is
 * also the smallest complete runner: options, prepare, launch over the shared pool and server.
 */
import { sha256 } from '../../lab/digest.js';
import type { LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { checkOptions, numberOption, parsed, type NumericOption } from '../kit/options.js';
import { InstancePool } from '../kit/pool.js';
import { startPopServer } from '../kit/pop-server.js';
import { FakeFactory } from './factory.js';

const OPTIONS: Record<string, NumericOption> = {
  activationMs: { kind: 'number', min: 0 },
  serviceMs: { kind: 'number', min: 0 },
  memoryBytes: { kind: 'integer', min: 0 },
  spares: { kind: 'integer', min: 0 },
};

/** The fake runner's options: fixed activation and service times, a declared instance size, spares. */
export interface FakeOptions {
  activationMs: number;
  serviceMs: number;
  memoryBytes: number;
  spares: number;
}

/** Options: `activationMs`, `serviceMs` (default 0: instant), `memoryBytes` reported per instance (default 0), `spares` (default 0). */
export const fakeRunner: Runner<FakeOptions> = {
  name: 'fake',

  parseOptions: (raw) =>
    parsed(checkOptions('fake', raw, OPTIONS), () => ({
      activationMs: numberOption(raw, 'activationMs', 0),
      serviceMs: numberOption(raw, 'serviceMs', 0),
      memoryBytes: numberOption(raw, 'memoryBytes', 0),
      spares: numberOption(raw, 'spares', 0),
    })),

  conformance: {
    cannot: {
      identity: 'fake instances run no handler: every request is answered with a JSON echo of the tenant and path',
      'crash-answered': 'fake instances have fixed timings and never fail',
      'hang-answered': 'fake instances have fixed timings and always answer',
      'escape-probes': 'fake instances run no handler, so no probe runs',
    },
    // A declared size, so the memory budget has something to count.
    options: { memoryBytes: 1024 * 1024 },
  },

  async prepare(workloads: string[]): Promise<PreparedRuntime> {
    // No artifact exists: digests are of the workload name, so records stay well-formed and stable.
    return {
      artifacts: workloads.map((w) => ({ workload: w, packaging: 'fake', digest: sha256(`fake:${w}`), sourceDigest: sha256(`fake-source:${w}`), sizeBytes: 0 })),
      versions: { fake: '1' },
    };
  },

  async launch(plan: LaunchPlan<FakeOptions>): Promise<PopHandle> {
    const o = plan.options;
    const pool = new InstancePool({
      runtime: 'fake',
      tenants: plan.tenants,
      keepAlive: plan.keepAlive,
      requestTimeoutMs: plan.requestTimeoutMs,
      spares: o.spares,
      factory: new FakeFactory({ activationMs: o.activationMs, serviceMs: o.serviceMs, memoryBytes: o.memoryBytes }),
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
