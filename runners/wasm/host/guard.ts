/**
 * A deadline for synchronous guest code on the calling thread. V8 can stop a running script only
 * by terminating it from another thread; node:vm's `timeout` does exactly that (a watchdog thread
 * per call) and turns the termination back into an ordinary exception, so the thread and its
 * event loop survive. This is what lets the same-thread engine (`workers: 0`) keep loop
 * protection without an engine worker to terminate.
 */
import vm from 'node:vm';

/** A guarded call ran past its deadline and was terminated; whatever state it touched is suspect. */
export class GuardTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`guest did not return within ${timeoutMs} ms and was terminated`);
    this.name = 'GuardTimeoutError';
  }
}

// The script only calls back into this module: compiled once, its run is the cheap part.
const SLOT = '__labWasmGuardedCall';
const script = new vm.Script(`globalThis.${SLOT}()`, { filename: 'wasm-guard.js' });
const slots = globalThis as unknown as Record<string, (() => void) | undefined>;

/** Runs `fn` on this thread, terminated if it runs longer than `timeoutMs` (at least 1 ms). */
export function runGuarded<T>(fn: () => T, timeoutMs: number): T {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  let result: T | undefined;
  const previous = slots[SLOT];
  slots[SLOT] = () => {
    result = fn();
  };
  try {
    script.runInThisContext({ timeout: ms, displayErrors: false });
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new GuardTimeoutError(ms);
    throw e;
  } finally {
    slots[SLOT] = previous;
  }
  return result as T;
}
