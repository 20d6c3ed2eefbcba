/**
 * The host side of a Node PoP host process (forked by the lab with an IPC channel): builds the
 * pool, serves the PoP protocol on 127.0.0.1, reports `ready` (or `error`) to the lab, and shuts
 * down in order when the channel closes (the lab stopped it, or died even by SIGKILL) or on a
 * signal. Nothing a host starts outlives it.
 */
import type { InstancePool } from './pool.js';
import { startPopServer, type PopServer } from './pop-server.js';

/** What a host builds before it serves. */
export interface HostParts {
  pool: InstancePool;
  /** Closed after the pool (engines, worker threads...). */
  close?: () => Promise<void>;
}

type HostMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

/** Runs a PoP host: `build` reads the plan and makes the pool; everything else is shared. */
export async function runPopHost(name: string, build: () => Promise<HostParts>): Promise<void> {
  const send = (m: HostMessage): void => {
    process.send?.(m);
  };
  let parts: HostParts | undefined;
  let server: PopServer | undefined;
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server?.close();
    await parts?.pool.close();
    await parts?.close?.();
    process.exit(code);
  };
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  try {
    parts = await build();
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
