/**
 * One table of policy cases (lab/policy/cases.ts) against the three places that carry the
 * keep-alive and queueing discipline out: the TypeScript pool (through the fake runner: the
 * pool and the PoP server over instances with set timings), the simulator (the same schedule
 * on its virtual clock), and the Rust Wasmtime host (a real component, instance reuse on).
 * Each request must be served cold or warm as the case says, and the evictions by cause must
 * match. The simulator is also checked to drive the very policy class the pool uses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { POLICY_CASES, type PolicyCase } from '../../lab/policy/cases.js';
import { InstancePolicy } from '../../lab/policy/instance-policy.js';
import { PopClient } from '../../lab/pop/client.js';
import { POP_HEADERS, type PopHandle, type Runner } from '../../lab/pop/contract.js';
import { hostModel } from '../../lab/sim/host-model.js';
import { createSimulation, type TracedRequest } from '../../lab/sim/host-sim.js';
import { constantCalibration } from '../../lab/sim/test-support.js';
import type { PlannedRequest, TrafficSchedule } from '../../lab/traffic/types.js';
import { fakeRunner } from '../fake/runner.js';
import { InstancePool } from '../kit/pool.js';
import { resolveOptions } from '../kit/options.js';
import { wasmtimeRunner } from '../wasmtime/runner.js';

const MIB = 1024 * 1024;
/** The workload the Wasmtime host serves: a JS component, whose cold start (ms) is far below the cases' gaps. */
const WORKLOAD = 'hello';

/** What a case's run produced, in the terms of its expectation. */
interface Outcome {
  served: ('cold' | 'warm')[];
  evictions: Record<string, number>;
}

/** The expectation's evictions with the causes it does not list as 0, to compare with what a host counted. */
function evictionsOf(c: PolicyCase, counted: Record<string, number>): Record<string, number> {
  const causes = new Set([...Object.keys(c.expect.evictions), ...Object.keys(counted).filter((k) => (counted[k] ?? 0) > 0)]);
  return Object.fromEntries([...causes].sort().map((k) => [k, counted[k] ?? 0]));
}

function expected(c: PolicyCase): Outcome {
  return { served: c.expect.served, evictions: evictionsOf(c, c.expect.evictions as Record<string, number>) };
}

/** Sends the case's schedule to a live PoP at its send times, one request at a time unless they overlap in time. */
async function drive(c: PolicyCase, pop: PopHandle): Promise<Outcome> {
  const start = performance.now();
  const answers = c.requests.map(async (r) => {
    await sleep(Math.max(0, start + r.atMs - performance.now()));
    const res = await fetch(`${pop.url}/t/${r.tenant}/`, { headers: r.forceCold ? { [POP_HEADERS.forceCold]: '1' } : {} });
    const text = await res.text();
    assert.equal(res.status, 200, `${r.tenant} at ${r.atMs} ms: ${text}`);
    return res.headers.get(POP_HEADERS.activation) === 'cold' ? 'cold' : 'warm';
  });
  const served = await Promise.all(answers);
  const stats = await new PopClient(pop.url).stats();
  return { served, evictions: evictionsOf(c, stats.counters.evictionsBy) };
}

async function withLaunch<T>(launch: (workDir: string) => Promise<PopHandle>, body: (pop: PopHandle) => Promise<T>): Promise<T> {
  const workDir = mkdtempSync(join(tmpdir(), 'lab-policy-'));
  const pop = await launch(workDir);
  try {
    return await body(pop);
  } finally {
    await pop.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const keepAlive = (c: PolicyCase, instanceBytes: number) => ({
  idleTimeoutSeconds: c.keepAlive.idleTimeoutSeconds,
  maxInstancesPerTenant: c.keepAlive.maxInstancesPerTenant,
  memoryBudgetMiB: (c.keepAlive.memoryBudgetInstances * instanceBytes) / MIB,
});

/** Runs case `c` on a live host of `runner`, each instance counted at `instanceBytes` against the budget. */
function onLive<O>(runner: Runner<O>, options: Record<string, unknown>, c: PolicyCase, instanceBytes: number): Promise<Outcome> {
  return withLaunch(
    (workDir) =>
      runner.launch({
        runId: 'policy',
        tenants: c.tenants.map((id) => ({ id, workload: WORKLOAD })),
        keepAlive: keepAlive(c, instanceBytes),
        options: resolveOptions(runner, options),
        requestTimeoutMs: 10_000,
        workDir,
      }),
    (pop) => drive(c, pop),
  );
}

/** The TypeScript pool, as every Node host runs it: the fake runner's instances take the case's times. */
const onPool = (c: PolicyCase): Promise<Outcome> => onLive(fakeRunner, { activationMs: c.activationMs, serviceMs: c.serviceMs, memoryBytes: MIB }, c, MIB);

/** The case's requests as a traffic schedule the simulator walks. */
function schedule(c: PolicyCase): TrafficSchedule {
  const tenants = c.tenants.map((id, i) => ({ id, workload: WORKLOAD, rank: i + 1, share: 1 / c.tenants.length }));
  let i = 0;
  return {
    seed: 1,
    tenants,
    spanMs: c.requests[c.requests.length - 1]!.atMs + 1,
    warmupMs: 0,
    next(out: PlannedRequest): boolean {
      const r = c.requests[i++];
      if (!r) return false;
      Object.assign(out, { atMs: r.atMs, tenant: c.tenants.indexOf(r.tenant), forceCold: r.forceCold === true, fixture: 0, warmup: false });
      return true;
    },
  };
}

function simulation(c: PolicyCase) {
  // A simulated cold request lasts its activation alone: calibration replays an activation at the
  // latency of the cold response, first request included (lab/sim/calibrate.ts). So the live
  // hosts' activation plus first service is the simulator's activation.
  const rc = constantCalibration('policy', [WORKLOAD], { serviceMs: c.serviceMs, activationMs: c.activationMs + c.serviceMs, memoryBytes: MIB });
  // Cores enough that no request waits for a CPU: the case is about the policy, not contention.
  const model = hostModel(rc, { cores: 16, keepAlive: keepAlive(c, MIB), timeoutMs: 10_000, artifactMissRate: 0, workloads: [WORKLOAD] });
  const traced: TracedRequest[] = [];
  return { sim: createSimulation(schedule(c), model, { seed: 1, trace: (r) => traced.push(r) }), traced };
}

/** The simulator on its own clock. */
function onSimulator(c: PolicyCase): Outcome {
  const { sim, traced } = simulation(c);
  const outcome = sim.run();
  traced.sort((a, b) => a.arrivalMs - b.arrivalMs);
  return { served: traced.map((r) => (r.cold ? 'cold' : 'warm')), evictions: evictionsOf(c, outcome.evictionsBy) };
}

/** The host's own per-instance estimate: what a fresh host measures before any request, as it does at start for a budget. */
async function wasmtimeInstanceBytes(): Promise<number> {
  return withLaunch(
    (workDir) => wasmtimeRunner.launch({ runId: 'policy-probe', tenants: [{ id: 'p', workload: WORKLOAD }], keepAlive: keepAlive(POLICY_CASES[0]!, 0), options: resolveOptions(wasmtimeRunner, { reuse: true }), requestTimeoutMs: 10_000, workDir }),
    async (pop) => (await new PopClient(pop.url).memory()).perInstanceUssBytes,
  );
}

/** The Rust host's pool, serving a real component with instance reuse on. */
const onWasmtime = (c: PolicyCase, instanceBytes: number): Promise<Outcome> => onLive(wasmtimeRunner, { reuse: true }, c, instanceBytes);

describe('policy cases: the TypeScript pool, the simulator and the Rust host agree', () => {
  let wasmtimeBytes: Promise<number> | undefined;
  for (const c of POLICY_CASES) {
    describe(c.name, () => {
      test('TypeScript pool', async () => assert.deepEqual(await onPool(c), expected(c)));
      test('simulator', () => assert.deepEqual(onSimulator(c), expected(c)));
      if (c.needsServiceTime) {
        test('Rust Wasmtime host', { skip: 'its requests take what the real guest takes, and the case needs a set service time' }, () => {});
      } else {
        test('Rust Wasmtime host', async () => assert.deepEqual(await onWasmtime(c, await (wasmtimeBytes ??= wasmtimeInstanceBytes())), expected(c)));
      }
    });
  }

  test('the simulator drives the very policy class the live pool uses (same object, not a copy)', () => {
    const { sim } = simulation(POLICY_CASES[0]!);
    const pool = new InstancePool({
      runtime: 'test',
      tenants: [{ id: 't1', workload: WORKLOAD }],
      keepAlive: keepAlive(POLICY_CASES[0]!, MIB),
      requestTimeoutMs: 1000,
      factory: { activate: () => Promise.reject(new Error('not used')) },
    });
    const poolPolicy = (pool as unknown as { policy: object }).policy;
    assert.equal(sim.policy.constructor, poolPolicy.constructor);
    assert.equal(sim.policy.constructor, InstancePolicy);
  });
});
