/**
 * What the instance pool needs from a substrate, and nothing more. A bare child process, an
 * in-process Wasm component instance and a Docker container all fit: an instance is anything
 * that can answer one request at a time, be disposed, and (optionally) be measured.
 */
import type { Phase, TenantAssignment } from '../../lab/pop/contract.js';

/** A tenant request as the PoP forwards it to an instance (body already read: edge requests are small). */
export interface InstanceRequest {
  method: string;
  /** Path the guest sees, with query string. */
  path: string;
  /** Lower-case header names; hop-by-hop and lab control headers already removed. */
  headers: Record<string, string>;
  body: Uint8Array;
  /**
   * performance.now() at which the request's deadline passes. A substrate that runs guests in
   * its own thread needs it to bound a synchronous guest itself (the pool's timer cannot fire
   * while that thread is blocked). Absent = no deadline known.
   */
  deadlineAt?: number;
}

/**
 * Rejected by `Instance.handle` when the substrate stopped the guest at a per-call deadline of
 * its own (the scenario's `limits.cpuMsPerRequest`): the pool answers it as the timeout it is
 * (504), as it answers its own request deadline, not as a crash.
 */
export class GuestDeadlineError extends Error {
  override readonly name = 'GuestDeadlineError';
}

/**
 * An instance's response, fully buffered. Buffering keeps a crash or a deadline mid-body a
 * clean 5xx instead of a truncated 200, and costs nothing measurable for edge-sized bodies.
 */
export interface InstanceResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  /** performance.now() when the first byte of the response reached the host. */
  firstByteAt: number;
  /** Milliseconds spent inside the guest's own handler, when the substrate can tell (the PoP reports it in `server-timing`). */
  guestMs?: number;
}

/** Memory of one instance as its substrate measures it, bytes. */
export interface InstanceMemoryFigures {
  ussBytes: number;
  pssBytes: number;
  rssBytes: number;
}

/** Why an instance is being disposed; mirrors the policy's eviction causes plus shutdown. */
export type DisposeCause = 'idle' | 'memory' | 'command' | 'crash' | 'forced' | 'timeout' | 'shutdown' | 'failed-activation';

/** A live instance of one tenant's workload. */
export interface Instance {
  /** Unique across the PoP; chosen by the pool and handed to the factory. */
  readonly id: string;
  /** OS process id, when the instance is (or has) its own process: for memory and for leak checks. */
  readonly pid?: number;
  /**
   * Answers one request; the pool never sends a second before the first settled. Rejects if
   * the instance died or broke (the message says how: `instance crashed (exit code 1)`).
   * On `signal` abort it should stop waiting promptly; the pool then disposes the instance.
   */
  handle(req: InstanceRequest, signal: AbortSignal): Promise<InstanceResponse>;
  /** Stops the instance and frees everything it holds; idempotent; never rejects for an already-dead instance. */
  dispose(cause: DisposeCause): Promise<void>;
  /** Measures the instance now (may take a few milliseconds). */
  memory?(): Promise<InstanceMemoryFigures>;
}

/** What the pool hands the factory for one activation. */
export interface ActivationContext {
  tenant: TenantAssignment;
  /** Id the new instance must carry. */
  instanceId: string;
  /** Why the instance is made: for a request waiting on it, or to fill a spare pool off the request path. Absent = request. */
  purpose?: 'request' | 'spare';
  /** Aborted when the activation must give up (request deadline, shutdown): clean up whatever was started. */
  signal: AbortSignal;
  /**
   * The factory calls this when the instance dies on its own (not through `dispose`) after
   * `activate` resolved (before that, `activate` rejects instead): the pool removes it (cause
   * `crash`) and fails its in-flight request. `reason` reads like `instance crashed (exit code 1)`.
   */
  exited(reason: string): void;
}

/** A freshly activated instance and how long each step took. */
export interface Activation {
  instance: Instance;
  /** Substrate-specific phases up to "ready" (process: spawn, init; container: create, start, ...). */
  phases: Phase[];
}

/** Creates instances of a substrate. */
export interface InstanceFactory {
  /** Activates one instance; rejects (after cleaning up) on failure or abort. */
  activate(ctx: ActivationContext): Promise<Activation>;
  /** Memory to assume for an instance of `tenant` before any has been measured, bytes (0 if unknown). */
  memoryEstimateBytes?(tenant: TenantAssignment): number;
}
