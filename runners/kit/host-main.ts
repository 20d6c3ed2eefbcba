/**
 * The host side of a Node PoP host process (launched by kit/launch.ts with an IPC channel):
 * reads its plan from the file named by its one argument, builds the pool, serves the PoP
 * protocol on 127.0.0.1, reports `ready` (or `error`) to the lab, and shuts down in order when
 * the channel closes (the lab stopped it, or died even by SIGKILL) or on a signal. Nothing a
 * host starts outlives it.
 */
import { readFileSync } from 'node:fs';
import type { InstancePool } from './pool.js';
import { startPopServer, type PopServer } from './pop-server.js';
import { StallLog } from './stalls.js';

/** What a host builds before it serves. */
export interface HostParts {
  pool: InstancePool;
  /** Closed after the pool (engines, worker threads...). */
  close?: () => Promise<void>;
}

/**
 * Registers a clean-up for the host's shutdown (after the server and the pool, last registered
 * first). It runs even when `build` fails part-way, so what a build started before failing (a
 * reaper, a registry) is stopped too.
 */
export type AtShutdown = (close: () => Promise<unknown>) => void;

type HostMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

/**
 * Runs a PoP host: `build` makes the pool from the plan the lab wrote; everything else is shared.
 * `stalls` records the main thread's pauses from the start; a build hands it to its pool (and
 * its engine threads forward theirs into it).
 */
export async function runPopHost<Plan>(name: string, build: (plan: Plan, atShutdown: AtShutdown, stalls: StallLog) => Promise<HostParts>): Promise<void> {
  const send = (m: HostMessage): void => {
    process.send?.(m);
  };
  let parts: HostParts | undefined;
  let server: PopServer | undefined;
  let stopping = false;
  const deferred: Array<() => Promise<unknown>> = [];
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server?.close();
    await parts?.pool.close();
    await parts?.close?.();
    // One failing clean-up must not keep the others from running.
    for (const close of deferred.reverse()) await close().catch((e: unknown) => process.stderr.write(`${name} host: clean-up failed: ${String(e)}\n`));
    process.exit(code);
  };
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  const stalls = new StallLog();
  stalls.main.start();
  try {
    const planFile = process.argv[2];
    if (!planFile) throw new Error(`usage: node <${name} host script> <plan.json> (the runner launches it)`);
    parts = await build(JSON.parse(readFileSync(planFile, 'utf8')) as Plan, (close) => deferred.push(close), stalls);
    // Spares first: the endpoint answers health only once the PoP is in its starting state.
    await parts.pool.start();
    if (!stopping) {
      server = await startPopServer(parts.pool);
      process.stdout.write(`listening ${server.url}\n`);
      send({ type: 'ready', url: server.url });
    }
  } catch (e) {
    process.stderr.write(`${name} host: ${(e as Error).stack ?? String(e)}\n`);
    send({ type: 'error', message: (e as Error).message });
    await shutdown(1);
  }
}
