/**
 * One tenant instance that is a container: it answers requests over HTTP on its endpoint (a
 * unix socket, or 127.0.0.1:<port> on the host network), reports its own death (and an OOM kill
 * as such) through the engine's wait endpoint, is removed on dispose, and measures its memory
 * through its cgroup.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type { DisposeCause, Instance, InstanceMemoryFigures, InstanceRequest, InstanceResponse } from '../../kit/instance.js';
import { requestTarget, type InstanceEndpoint } from './endpoint.js';
import { logsTail } from './logs.js';
import { measureContainer, type ContainerMemory } from './memory.js';

/** How long a failed request waits for the engine to report the container's end (its exit is reported asynchronously). */
const EXIT_REPORT_MS = 2000;

/** What the instance needs to know about its container. */
export interface ContainerInstanceParts {
  id: string;
  container: Docker.Container;
  endpoint: InstanceEndpoint;
  /** Pid of the container's init process (for memory), asked of the engine once when first needed. */
  pidOf(): Promise<number>;
  /** Called once the container is removed (gives the port or socket directory back). */
  released(): void;
  /** Removes the container (force: a running one is killed), through the engine meter. */
  remove(): Promise<unknown>;
  /** Lines of log tail in crash reports. */
  logLines: number;
}

/** A running container serving one tenant. */
export class ContainerInstance implements Instance {
  readonly id: string;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private disposed: Promise<void> | undefined;
  private disposing = false;
  private lastMemory: ContainerMemory | undefined;
  /** Resolves, once the container stopped, with why (see `watch`). */
  private exitReason: Promise<string> | undefined;

  constructor(private readonly parts: ContainerInstanceParts) {
    this.id = parts.id;
  }

  /** Watches the container; `exited` is called if it stops while not being disposed. */
  watch(exited: (reason: string) => void): void {
    this.exitReason = this.parts.container.wait({ condition: 'not-running' }).then(
      async (r: { StatusCode?: number }) => {
        const tail = await logsTail(this.parts.container, this.parts.logLines);
        // The kernel's OOM kill inside the container's memory cgroup is the limit doing its job: named as such.
        const oom = await this.parts.container.inspect().then((i) => i.State.OOMKilled, () => false);
        return oom
          ? `instance killed by its cgroup memory limit (out of memory, exit code ${r.StatusCode ?? '?'}); last output: ${tail}`
          : `instance crashed (container exited with code ${r.StatusCode ?? '?'}); last output: ${tail}`;
      },
      (e: unknown) => `instance lost (engine wait failed: ${(e as Error).message})`,
    );
    void this.exitReason.then((reason) => {
      if (!this.disposing) exited(reason);
    });
  }

  /**
   * Why a request failed at the transport: the container's own end (an OOM kill, a crash) when
   * the engine reports it within a moment, since a dropped connection is only its symptom.
   */
  private async transportFailure(e: Error): Promise<Error> {
    const symptom = new Error(`instance did not answer: ${e.message}`);
    if (!this.exitReason) return symptom;
    let timer: NodeJS.Timeout | undefined;
    const reason = await Promise.race([this.exitReason, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), EXIT_REPORT_MS)))]);
    clearTimeout(timer);
    return reason === undefined ? symptom : new Error(reason);
  }

  handle(req: InstanceRequest, signal: AbortSignal): Promise<InstanceResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers, 'content-length': req.body.byteLength };
      const r = request({ ...requestTarget(this.parts.endpoint), method: req.method, path: req.path, headers, agent: this.agent }, (res) => {
        const firstByteAt = performance.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks), firstByteAt });
        });
      });
      const onAbort = (): void => {
        r.destroy(new Error('request aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      r.on('close', () => signal.removeEventListener('abort', onAbort));
      r.on('error', (e) => {
        if (signal.aborted) reject(new Error(`instance did not answer: ${e.message}`));
        else void this.transportFailure(e).then(reject);
      });
      r.end(req.body);
    });
  }

  dispose(_cause: DisposeCause): Promise<void> {
    this.disposed ??= (async () => {
      this.disposing = true;
      this.agent.destroy();
      try {
        await this.parts.remove();
      } catch (e) {
        // Already gone (removed by the reaper or the engine) is the goal reached.
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      } finally {
        this.parts.released();
      }
    })();
    return this.disposed;
  }

  async memory(): Promise<InstanceMemoryFigures> {
    this.lastMemory = await measureContainer(await this.parts.pidOf());
    return { ussBytes: this.lastMemory.ussBytes, pssBytes: this.lastMemory.pssBytes, rssBytes: this.lastMemory.rssBytes };
  }

  /** The figures of the last `memory()` call beyond USS/PSS/RSS (shim, cgroup usage). */
  lastMeasured(): ContainerMemory | undefined {
    return this.lastMemory;
  }
}
