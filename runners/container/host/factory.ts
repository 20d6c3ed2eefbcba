/**
 * The container substrate behind runners/pool.ts: activates a tenant's instance as a container
 * with one of four strategies (strategies.ts), records each engine call as a phase (create,
 * start, unpause, readiness, pull), and keeps the per-tenant reserve of containers made ahead
 * of need. What is not an engine call or a readiness wait is reported as the phase `runner`:
 * the runner's own overhead on the activation.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type { Phase, TenantAssignment } from '../../../lab/pop/contract.js';
import type { Activation, ActivationContext, InstanceFactory } from '../../kit/instance.js';
import { ContainerInstance } from './container-instance.js';
import { containerLabels } from '../labels.js';
import { logsTail } from './logs.js';
import type { PortAllocator } from '../ports.js';
import type { InstanceEndpoint } from './endpoint.js';
import { holderSpec, sandboxSpec, type ContainerLimits, type NetnsMode, type OciRuntime, type SandboxKind } from './sandbox.js';
import { CONTAINER_SOCKET, type SocketDirs } from './socket-dirs.js';
import { NotReadyError, waitReady } from './readiness.js';
import type { Strategy } from '../strategies.js';
import { containerCpuMs } from './cpu.js';
import type { EngineMeter, EnginePath } from './engine-cpu.js';

/**
 * How a tenant's image listens: on a unix socket whose path the runner passes in an env variable
 * (hardened sandbox), or on the host network, on a port the runner chooses and passes in an env
 * variable, or on a fixed one.
 */
export type ImageListen = { socketEnv: string } | { env: string } | { fixed: number };

/** The image a tenant runs. */
export interface TenantImage {
  /** Local reference (tag or id) to create containers from. */
  ref: string;
  listen: ImageListen;
}

/** A true artifact miss and the pull that repairs it (see artifact-miss.ts). */
export interface ArtifactMisses {
  /** Whether the next activation of `tenant` misses its artifact (seeded, deterministic). */
  next(tenant: TenantAssignment): boolean;
  /** Removes the image from the engine entirely; resolves whether that succeeded fully (no layer kept by a live container). */
  evict(ref: string): Promise<{ complete: boolean }>;
  /** Pulls the image back from the origin and tags it `ref` again. */
  pull(ref: string): Promise<void>;
}

/** Configuration of the factory. */
export interface ContainerFactoryOptions {
  docker: Docker;
  /** Run id put on every container label (the reaper removes by it). */
  runId: string;
  strategy: Strategy;
  /** Containers made ahead per tenant for pre-created, paused and warm. */
  reserve: number;
  ports: PortAllocator;
  /** How containers are confined, and their limits (sandbox.ts). */
  sandbox: SandboxKind;
  limits: ContainerLimits;
  /** Socket directories of hardened containers. */
  sockets: SocketDirs;
  /** Network namespaces of hardened containers: per tenant (joined, held by `holderImage` containers) or per instance. */
  netns: NetnsMode;
  /** The holder image (netns-holder.ts), needed for `netns: per-tenant`. */
  holderImage?: string;
  /** The OCI runtime of tenant containers (holders run under the engine's default: they only hold a namespace). */
  ociRuntime: OciRuntime;
  imageFor(tenant: TenantAssignment): TenantImage;
  /** A container without an HTTP response this long after its start is reported as never ready. */
  readyTimeoutMs: number;
  /** Readiness poll interval, ms. */
  pollMs: number;
  /** How often readiness asks the engine whether the container still runs, ms. */
  aliveEveryMs: number;
  /** Lines of log tail in failure messages. */
  logLines: number;
  misses?: ArtifactMisses;
  /** Meters the engine CPU of every create, start, unpause, pause and remove this factory asks for. */
  engine: EngineMeter;
}

/** A container made ahead of need. */
interface Reserved {
  container: Docker.Container;
  endpoint: InstanceEndpoint;
  state: 'created' | 'paused' | 'running';
  /** Gives the endpoint (port or socket directory) back; idempotent, called by whoever removes the container. */
  release: () => void;
}

/** Engine-call and wait phases, measured; the rest of the activation's time is the runner's. */
class PhaseClock {
  readonly phases: Phase[] = [];
  private readonly started = performance.now();

  async time<T>(name: string, f: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await f();
    } finally {
      this.phases.push({ name, ms: performance.now() - t });
    }
  }

  add(name: string, ms: number, cpuMs?: number): void {
    this.phases.push({ name, ms, ...(cpuMs !== undefined ? { cpuMs } : {}) });
  }

  /** Phases plus `runner`: wall time not spent in any measured phase. */
  finish(): Phase[] {
    const inside = this.phases.reduce((a, p) => a + p.ms, 0);
    return [...this.phases, { name: 'runner', ms: Math.max(0, performance.now() - this.started - inside) }];
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}

/** Creates container instances; one per PoP host. */
export class ContainerFactory implements InstanceFactory {
  private readonly reserves = new Map<string, Reserved[]>();
  private readonly fills = new Map<string, Promise<void>>();
  private readonly fixedPortsInUse = new Set<number>();
  private readonly live = new Set<ContainerInstance>();
  /** Each tenant's network-namespace holder container (hardened, per-tenant). */
  private readonly holders = new Map<string, Docker.Container>();
  private reserveSeq = 0;
  private closing = false;
  private fillSlots: number;
  private readonly fillWaiters: Array<() => void> = [];

  constructor(private readonly o: ContainerFactoryOptions) {
    this.fillSlots = Math.max(1, availableParallelism());
  }

  /**
   * Starts each tenant's network-namespace holder (hardened, per-tenant: before any traffic, as a
   * platform keeps a tenant's sandbox), then fills every tenant's reserve (strategies other than
   * cold); resolves when all are up, full or failed.
   */
  async start(tenants: TenantAssignment[]): Promise<void> {
    if (this.o.sandbox === 'hardened' && this.o.netns === 'per-tenant') {
      for (const t of tenants) await this.startHolder(t);
    }
    if (this.o.strategy === 'cold') return;
    await Promise.all(tenants.map((t) => this.fill(t)));
  }

  private async startHolder(t: TenantAssignment): Promise<void> {
    if (!this.o.holderImage) throw new Error('the per-tenant network namespace needs the holder image');
    const c = await this.o.engine.op('fill', 'create', () =>
      this.o.docker.createContainer({ Image: this.o.holderImage!, Labels: containerLabels(this.o.runId, process.pid, t.id, `${t.id}.netns`), ...holderSpec() }),
    );
    this.holders.set(t.id, c);
    try {
      await this.o.engine.op('fill', 'start', () => c.start());
    } catch (e) {
      throw new Error(`tenant ${t.id}: its network-namespace holder did not start: ${(e as Error).message}`);
    }
  }

  /** Holder containers running now, for the memory report. */
  holderCount(): number {
    return this.holders.size;
  }

  async activate(ctx: ActivationContext): Promise<Activation> {
    const clock = new PhaseClock();
    const image = this.o.imageFor(ctx.tenant);
    let reserved: Reserved | undefined;
    if (this.o.misses?.next(ctx.tenant)) {
      // The experiment's setup (not part of a cold start): remove the image so the pull is real.
      const { complete } = await this.call(clock, 'request', 'missSetup', () => this.o.misses!.evict(image.ref));
      const pull = complete ? 'pull' : 'pull-partial';
      await this.call(clock, 'request', pull, () => this.o.misses!.pull(image.ref));
    } else if (this.o.strategy !== 'cold') {
      reserved = this.reserves.get(ctx.tenant.id)?.shift();
      // An empty reserve falls back to a full cold path; the phases (create, start) show it.
      if (!reserved) clock.add('reserveEmpty', 0);
    }
    let r: Reserved;
    try {
      r = reserved ?? (await this.create(ctx.tenant, ctx.instanceId, image, clock, 'request'));
    } catch (e) {
      throw new Error(`cannot create the container of workload ${ctx.tenant.workload} (${image.ref}): ${(e as Error).message}`);
    }
    // Started on the request path (not by a reserve fill ahead of it): its start-up CPU is this activation's.
    const startedHere = r.state === 'created';
    try {
      if (r.state === 'created') await this.call(clock, 'request', 'start', () => r.container.start());
      else if (r.state === 'paused') await this.call(clock, 'request', 'unpause', () => r.container.unpause());
      const readinessMs = await this.ready(r, ctx.signal);
      clock.add('readiness', readinessMs, startedHere ? containerCpuMs(r.container.id) : undefined);
    } catch (e) {
      void this.discard(r);
      throw e;
    } finally {
      // Refill after the activation, not during it: a concurrent create would compete with this
      // start for dockerd and inflate the very phase being measured.
      if (this.o.strategy !== 'cold') void this.fill(ctx.tenant);
    }
    const instance = this.instance(r, ctx.instanceId);
    instance.watch(ctx.exited);
    return { instance, phases: clock.finish() };
  }

  /** Removes reserve containers; live instances are the pool's to dispose. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.fills.values()]);
    const all = [...this.reserves.values()].flat();
    this.reserves.clear();
    await Promise.allSettled(all.map((r) => this.discard(r)));
    // Last: the namespaces they hold are joined by the instances (the pool disposes those first).
    const holders = [...this.holders.values()];
    this.holders.clear();
    await Promise.allSettled(holders.map((c) => this.o.engine.op('disposal', 'remove', () => c.remove({ force: true }))));
  }

  /** Containers in the reserves now, per state: for the memory report. */
  reserveCount(): number {
    let n = 0;
    for (const list of this.reserves.values()) n += list.length;
    return n;
  }

  /** Live (handed-out) instances, for memory extras. */
  liveInstances(): ContainerInstance[] {
    return [...this.live];
  }

  // ---- containers ------------------------------------------------------------------------

  /** An engine call of an activation: timed as its phase, and metered for the engine's CPU. */
  private call<T>(clock: PhaseClock, path: EnginePath, name: string, f: () => Promise<T>): Promise<T> {
    return clock.time(name, () => this.o.engine.op(path, name, f));
  }

  /** The endpoint of a new container of `image`, its env variable, and how to give it back. */
  private async takeEndpoint(image: TenantImage): Promise<{ endpoint: InstanceEndpoint; env: string[]; socketDir?: string; release: () => void }> {
    const l = image.listen;
    if ('socketEnv' in l) {
      const d = this.o.sockets.take();
      return { endpoint: { socketPath: d.socketPath }, env: [`${l.socketEnv}=${CONTAINER_SOCKET}`], socketDir: d.hostDir, release: () => this.o.sockets.release(d) };
    }
    if ('env' in l) {
      const port = await this.o.ports.take();
      return { endpoint: { port }, env: [`${l.env}=${port}`], release: () => this.o.ports.release(port) };
    }
    const p = l.fixed;
    if (this.fixedPortsInUse.has(p)) {
      throw new Error(`image ${image.ref} listens on the fixed port ${p} and, on the host network, only one instance of it can run at a time; give the image's port variable (portEnv) so each container gets its own port`);
    }
    this.fixedPortsInUse.add(p);
    return { endpoint: { port: p }, env: [], release: () => this.fixedPortsInUse.delete(p) };
  }

  /** Creates a container (pulling the image from the origin first if it vanished from the engine). */
  private async create(tenant: TenantAssignment, instanceId: string, image: TenantImage, clock: PhaseClock, path: EnginePath): Promise<Reserved> {
    const ep = await this.takeEndpoint(image);
    let released = false;
    const release = (): void => {
      if (!released) ep.release();
      released = true;
    };
    const spec: Docker.ContainerCreateOptions = {
      Image: image.ref,
      Env: ep.env,
      Labels: containerLabels(this.o.runId, process.pid, tenant.id, instanceId),
      ...sandboxSpec(this.o.sandbox, this.o.limits, ep.socketDir, this.holders.get(tenant.id)?.id, this.o.ociRuntime),
    };
    try {
      let container: Docker.Container;
      try {
        container = await this.call(clock, path, 'create', () => this.o.docker.createContainer(spec));
      } catch (e) {
        // Another tenant's artifact miss may have removed a shared image: a pull repairs it.
        if (statusOf(e) !== 404 || !this.o.misses) throw e;
        await this.call(clock, path, 'pull', () => this.o.misses!.pull(image.ref));
        container = await this.call(clock, path, 'create', () => this.o.docker.createContainer(spec));
      }
      return { container, endpoint: ep.endpoint, state: 'created', release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Waits for the first HTTP response; a failure carries the container's log tail. */
  private async ready(r: Reserved, signal: AbortSignal): Promise<number> {
    try {
      return await waitReady({
        endpoint: r.endpoint,
        signal,
        timeoutMs: this.o.readyTimeoutMs,
        pollMs: this.o.pollMs,
        aliveEveryMs: this.o.aliveEveryMs,
        dead: async () => {
          try {
            const s = (await r.container.inspect()).State;
            return s.Running ? undefined : `container exited with code ${s.ExitCode} before its first response`;
          } catch (e) {
            return statusOf(e) === 404 ? 'container was removed before its first response' : undefined;
          }
        },
      });
    } catch (e) {
      if (e instanceof NotReadyError && e.reason !== 'aborted') {
        throw new Error(`${e.message}; last output: ${await logsTail(r.container, this.o.logLines)}`);
      }
      throw e;
    }
  }

  private instance(r: Reserved, id: string): ContainerInstance {
    let pid = 0;
    const inst = new ContainerInstance({
      id,
      container: r.container,
      endpoint: r.endpoint,
      logLines: this.o.logLines,
      released: () => {
        r.release();
        this.live.delete(inst);
      },
      remove: () => this.o.engine.op('disposal', 'remove', () => r.container.remove({ force: true })),
      pidOf: async () => (pid ||= (await r.container.inspect()).State.Pid),
    });
    this.live.add(inst);
    return inst;
  }

  private async discard(r: Reserved): Promise<void> {
    try {
      await this.o.engine.op('disposal', 'remove', () => r.container.remove({ force: true }));
    } catch {
      // Gone already, or the engine is going away: the reaper sweeps by label.
    } finally {
      r.release();
    }
  }

  // ---- reserve -----------------------------------------------------------------------------

  /** Keeps one tenant's reserve at its target, one container at a time, off the request path. */
  private fill(tenant: TenantAssignment): Promise<void> {
    const running = this.fills.get(tenant.id);
    if (running) return running;
    const p = (async () => {
      while (!this.closing && (this.reserves.get(tenant.id)?.length ?? 0) < this.o.reserve) {
        await this.acquireFillSlot();
        try {
          const r = await this.makeReserved(tenant);
          if (this.closing) {
            await this.discard(r);
            return;
          }
          let list = this.reserves.get(tenant.id);
          if (!list) this.reserves.set(tenant.id, (list = []));
          list.push(r);
        } catch (e) {
          // A broken image must not loop: the request path then takes the cold path and reports the failure.
          process.stderr.write(`container runner: reserve fill for tenant ${tenant.id} failed: ${(e as Error).message}\n`);
          return;
        } finally {
          this.releaseFillSlot();
        }
      }
    })().finally(() => this.fills.delete(tenant.id));
    this.fills.set(tenant.id, p);
    return p;
  }

  private async makeReserved(tenant: TenantAssignment): Promise<Reserved> {
    const image = this.o.imageFor(tenant);
    const r = await this.create(tenant, `${tenant.id}.r${++this.reserveSeq}`, image, new PhaseClock(), 'fill');
    if (this.o.strategy === 'pre-created') return r;
    const never = new AbortController().signal;
    try {
      await this.o.engine.op('fill', 'start', () => r.container.start());
      await this.ready(r, never);
      if (this.o.strategy === 'warm') return { ...r, state: 'running' };
      await this.o.engine.op('fill', 'pause', () => r.container.pause());
      // The engine records the pause asynchronously; an unpause before it shows answers 409.
      for (let i = 0; ; i++) {
        if ((await r.container.inspect()).State.Paused) break;
        if (i * this.o.pollMs > this.o.readyTimeoutMs) throw new Error('the engine never reported the container paused');
        await new Promise((res) => setTimeout(res, this.o.pollMs));
      }
      return { ...r, state: 'paused' };
    } catch (e) {
      await this.discard(r);
      throw e;
    }
  }

  private acquireFillSlot(): Promise<void> {
    if (this.fillSlots > 0) {
      this.fillSlots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.fillWaiters.push(resolve));
  }

  private releaseFillSlot(): void {
    const next = this.fillWaiters.shift();
    if (next) next();
    else this.fillSlots++;
  }
}

