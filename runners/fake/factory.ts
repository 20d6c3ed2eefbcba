/**
 * In-process fake instances with fixed activation and service times: lets the lab's own logic
 * (orchestration, results, gates) be tested end to end without real processes.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TenantAssignment } from '../../lab/pop/contract.js';
import type { Activation, ActivationContext, Instance, InstanceFactory, InstanceMemoryFigures, InstanceRequest, InstanceResponse } from '../kit/instance.js';

/** Behaviour of every fake instance. */
export interface FakeTimings {
  /** Time an activation takes, milliseconds. */
  activationMs: number;
  /** Time one request takes, milliseconds. */
  serviceMs: number;
  /** Size each instance reports, bytes (declared, not measured: it is a fake). */
  memoryBytes: number;
}

const encoder = new TextEncoder();

class FakeInstance implements Instance {
  private disposed = false;

  constructor(
    readonly id: string,
    private readonly tenant: TenantAssignment,
    private readonly timings: FakeTimings,
  ) {}

  async handle(req: InstanceRequest, signal: AbortSignal): Promise<InstanceResponse> {
    if (this.disposed) throw new Error('instance disposed');
    await sleep(this.timings.serviceMs, undefined, { signal });
    const body = encoder.encode(JSON.stringify({ tenant: this.tenant.id, workload: this.tenant.workload, instance: this.id, method: req.method, path: req.path }));
    return { status: 200, headers: { 'content-type': 'application/json' }, body, firstByteAt: performance.now() };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  async memory(): Promise<InstanceMemoryFigures> {
    const b = this.timings.memoryBytes;
    return { ussBytes: b, pssBytes: b, rssBytes: b };
  }
}

/** Activates fake instances after `activationMs`. */
export class FakeFactory implements InstanceFactory {
  constructor(private readonly timings: FakeTimings) {}

  async activate(ctx: ActivationContext): Promise<Activation> {
    const started = performance.now();
    await sleep(this.timings.activationMs, undefined, { signal: ctx.signal });
    return { instance: new FakeInstance(ctx.instanceId, ctx.tenant, this.timings), phases: [{ name: 'init', ms: performance.now() - started }] };
  }

  memoryEstimateBytes(): number {
    return this.timings.memoryBytes;
  }
}
