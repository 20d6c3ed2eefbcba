/**
 * Instances of the `process` runner: one bare Node child process per instance, running the
 * workload's Node packaging server, forked with an IPC channel so that (1) it reports its port
 * when ready and (2) it exits by itself when this host goes away, even on SIGKILL.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import type { InstanceCgroups } from './cgroups.js';
import { readFileSync } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { readSmapsRollup } from '../../kit/memory/smaps.js';
import type { Activation, ActivationContext, DisposeCause, Instance, InstanceFactory, InstanceMemoryFigures, InstanceRequest, InstanceResponse } from '../../kit/instance.js';

/**
 * How long a broken connection waits for the child's exit to be reported: the socket usually
 * breaks a moment before the exit event, and the error should say how the instance died.
 */
const EXIT_REPORT_GRACE_MS = 1000;

/** Where the factory finds its programs. */
export interface ProcessFactoryOptions {
  /** The Node packaging entry script (`workloads/packaging/node/server.js`, compiled). */
  serverScript: string;
  /** Compiled handler module per workload name (JS workloads: run by the Node packaging server). */
  handlers: Record<string, string>;
  /**
   * Argv per workload name whose bare process serves HTTP itself: a compiled workload's static
   * server (its path alone), or an interpreter with its packaging script (Python).
   */
  commands?: Record<string, string[]>;
  /** Said in activation errors: where the children's stderr goes. */
  logHint?: string;
  /** `confine: cgroup`: each instance's cgroups and the joiner it starts through (cgexec.c). */
  cgroups?: { groups: InstanceCgroups; cgexec: string };
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by the kernel for its cgroup's memory limit (`confine: cgroup`). */
  oom?: boolean;
}

function describeExit(e: ExitInfo): string {
  // The limit doing its job, named as the container runner names it.
  if (e.oom) return `instance killed by its cgroup memory limit (out of memory, ${e.code !== null ? `exit code ${e.code}` : `signal ${e.signal ?? '?'}`})`;
  if (e.code !== null) return `instance ${e.code === 0 ? 'exited unexpectedly' : 'crashed'} (exit code ${e.code})`;
  return `instance crashed (killed by ${e.signal ?? 'an unknown signal'})`;
}

function exitPromise(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A child that never started may emit 'error' without 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
}

function responseHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}

/** Ticks per second of /proc's utime and stime: the kernel's USER_HZ, fixed at 100 in the Linux userspace ABI. */
const USER_HZ = 100;

/**
 * CPU time (user + system, all threads) the process has used so far, ms, from /proc/<pid>/stat;
 * undefined where /proc is unavailable. One small synchronous read: it runs once per
 * activation, and the figure must be taken at ready, before the first request adds to it.
 */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may contain spaces), starting at field 3 (state): utime is field 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** One child process serving one tenant's workload. */
class ProcessInstance implements Instance {
  readonly pid: number;
  /** One connection, kept alive: the pool sends one request at a time, like a front proxy's upstream pool. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private disposing = false;

  constructor(
    readonly id: string,
    private readonly child: ChildProcess,
    private readonly port: number,
    private readonly exited: Promise<ExitInfo>,
  ) {
    this.pid = child.pid!;
  }

  handle(req: InstanceRequest, signal: AbortSignal): Promise<InstanceResponse> {
    return this.send(req, signal, true);
  }

  private send(req: InstanceRequest, signal: AbortSignal, mayRetry: boolean): Promise<InstanceResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        if (signal.aborted) return reject(new Error('request aborted'));
        void this.explain(e).then(reject);
      };
      const r = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: req.method,
          path: req.path,
          headers: { ...req.headers, 'content-length': String(req.body.byteLength) },
          agent: this.agent,
          signal,
        },
        (res) => {
          const firstByteAt = performance.now();
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('response aborted')));
          res.on('end', () => {
            if (!res.complete) return fail(new Error('response truncated'));
            if (settled) return;
            settled = true;
            resolve({ status: res.statusCode ?? 502, headers: responseHeaders(res.headers), body: Buffer.concat(chunks), firstByteAt });
          });
        },
      );
      r.on('error', (e: NodeJS.ErrnoException) => {
        // A kept-alive connection the child closed just as we reused it: the documented Node
        // race (see http.ClientRequest.reusedSocket). The request never reached the handler.
        if (mayRetry && !settled && r.reusedSocket && e.code === 'ECONNRESET' && this.alive()) {
          settled = true;
          this.send(req, signal, false).then(resolve, reject);
          return;
        }
        fail(e);
      });
      r.end(req.body);
    });
  }

  /** Turns a transport error into what happened to the instance, waiting briefly for its exit. */
  private async explain(e: Error): Promise<Error> {
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([this.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), EXIT_REPORT_GRACE_MS)))]);
    clearTimeout(timer);
    return new Error(exit ? describeExit(exit) : `instance connection failed: ${e.message}`);
  }

  private alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async dispose(_cause: DisposeCause): Promise<void> {
    this.disposing = true;
    this.agent.destroy();
    // SIGKILL: instance state is disposable by definition, and a hung child ignores anything gentler.
    if (this.alive()) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Whether the exit was asked for (so it is not a crash). */
  isDisposing(): boolean {
    return this.disposing;
  }

  async memory(): Promise<InstanceMemoryFigures> {
    const m = await readSmapsRollup(this.pid);
    return { ussBytes: m.ussBytes, pssBytes: m.pssBytes, rssBytes: m.rssBytes };
  }
}

/**
 * Turns a native server's `listening 127.0.0.1:<port>` line into the same 'ready' message a
 * forked Node packaging sends over IPC, so both kinds of instance activate alike.
 */
function readyFromStdout(child: ChildProcess): void {
  let text = '';
  const onData = (chunk: Buffer): void => {
    text += chunk.toString('latin1');
    const m = /^listening 127\.0\.0\.1:(\d+)$/m.exec(text);
    if (!m) return;
    child.stdout?.off('data', onData);
    child.stdout?.resume(); // nothing more is expected; never let a full pipe block the server
    child.emit('message', { type: 'ready', port: Number(m[1]) });
  };
  child.stdout?.on('data', onData);
}

/** Forks the Node packaging server (or spawns a native server) for each activation; phases `spawn` (fork until the process exists) and `init` (until it reports ready, with the instance's CPU time up to then as `cpuMs`). */
export class ProcessFactory implements InstanceFactory {
  constructor(private readonly opts: ProcessFactoryOptions) {}

  activate(ctx: ActivationContext): Promise<Activation> {
    const native = this.opts.commands?.[ctx.tenant.workload];
    const handler = this.opts.handlers[ctx.tenant.workload];
    if (!handler && !native) return Promise.reject(new Error(`no compiled handler or native server known for workload ${ctx.tenant.workload}`));
    if (ctx.signal.aborted) return Promise.reject(new Error('activation aborted'));
    const started = performance.now();
    const g = this.opts.cgroups;
    // Confined: the instance starts through the joiner, inside its cgroups from its first instruction.
    const viaCgexec = g ? [...g.groups.create(ctx.instanceId), '--'] : undefined;
    const child = native
      ? // A server of its own (a static executable, an interpreter) is the instance itself. Its
        // stdin is a pipe from this host: end-of-file there makes it exit, so it cannot outlive the host.
        spawn(viaCgexec ? g!.cgexec : native[0]!, viaCgexec ? [...viaCgexec, ...native] : native.slice(1), { env: { PORT: '0', HOST: '127.0.0.1', LAB_EXIT_WITH_PARENT: '1' }, stdio: ['pipe', 'pipe', 'inherit'] })
      : fork(this.opts.serverScript, [handler!], {
          env: { ...process.env, PORT: '0' },
          // The host's own flags (inspector, test runner...) are not the instance's business.
          ...(viaCgexec ? { execPath: g!.cgexec, execArgv: [...viaCgexec, process.execPath] } : { execArgv: [] }),
          // stdout only repeats the ready message; stderr goes to the host's log.
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
          serialization: 'json',
        });
    if (native) readyFromStdout(child);
    // The OOM flag is read before the cgroups go; then whatever is left in them is killed.
    const exited = g
      ? exitPromise(child).then((e) => {
          const info = { ...e, oom: g.groups.oomKilled(ctx.instanceId) };
          void g.groups.remove(ctx.instanceId);
          return info;
        })
      : exitPromise(child);
    return new Promise<Activation>((resolve, reject) => {
      let spawnedAt: number | undefined;
      const cleanup = (): void => {
        child.off('spawn', onSpawn);
        child.off('message', onMessage);
        child.off('error', onError);
        child.off('exit', onEarlyExit);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const giveUp = (why: string): void => {
        cleanup();
        child.kill('SIGKILL');
        // Settle only once the child is gone, so an aborted activation leaves nothing behind.
        void exited.then(() => reject(new Error(why)));
      };
      const onSpawn = (): void => {
        spawnedAt = performance.now();
      };
      const onError = (e: Error): void => giveUp(`cannot start the instance: ${e.message}`);
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        reject(new Error(`instance exited during activation (${code !== null ? `exit code ${code}` : `signal ${signal}`})${this.opts.logHint ? `; its stderr is in ${this.opts.logHint}` : ''}`));
      };
      const onAbort = (): void => giveUp('activation aborted');
      const onMessage = (m: unknown): void => {
        const msg = m as { type?: unknown; port?: unknown };
        if (msg?.type !== 'ready' || typeof msg.port !== 'number') return;
        const readyAt = performance.now();
        const cpuMs = processCpuMs(child.pid);
        cleanup();
        const instance = new ProcessInstance(ctx.instanceId, child, msg.port, exited);
        child.once('exit', () => {
          if (!instance.isDisposing()) void exited.then((e) => ctx.exited(describeExit(e)));
        });
        const spawned = spawnedAt ?? readyAt;
        resolve({
          instance,
          phases: [
            { name: 'spawn', ms: spawned - started },
            // The process did not exist before spawn: its CPU time so far is the activation's.
            { name: 'init', ms: readyAt - spawned, ...(cpuMs !== undefined ? { cpuMs } : {}) },
          ],
        });
      };
      child.once('spawn', onSpawn);
      child.on('message', onMessage);
      child.once('error', onError);
      child.once('exit', onEarlyExit);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
