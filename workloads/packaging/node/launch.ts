/**
 * Starting the Node packaging as a child process and knowing when it serves. Used by the
 * identity tests and available to runners; the server itself stays a plain entry script.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { distDir } from '../../../lab/paths.js';
import { stopChild } from '../../../lab/proc/stop-child.js';

/** The compiled server entry script. */
export const nodeServerScript = join(distDir, 'workloads', 'packaging', 'node', 'server.js');

/** A running Node packaging instance. */
export interface NodeServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  child: ChildProcess;
  /** Ends the child (SIGTERM, then SIGKILL after a grace period); idempotent. */
  stop(): Promise<void>;
}

export interface StartNodeServerOptions {
  /** Extra environment (PORT, HOST...). PORT defaults to 0. */
  env?: Record<string, string>;
  /** How long to wait for the `listening` line before giving up; generous, this is not a measurement. */
  readyTimeoutMs?: number;
}

const LISTENING = /^listening (?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/m;

/** Spawns `node server.js <handlerPath>` and resolves once it prints its `listening` line. */
export function startNodeServer(handlerPath: string, options: StartNodeServerOptions = {}): Promise<NodeServer> {
  const child = spawn(process.execPath, [nodeServerScript, handlerPath], {
    env: { ...process.env, PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = (): Promise<void> => stopChild(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`node server for ${handlerPath} not listening after ${options.readyTimeoutMs ?? 10000} ms; stderr: ${stderr.trim()}`));
    }, options.readyTimeoutMs ?? 10000);
    // Only the tail is kept: a failing handler under load logs one line per request.
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    const onStdout = (d: Buffer): void => {
      stdout += d.toString();
      const m = LISTENING.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      // Keep draining stdout so the child can never block on a full pipe, but stop buffering it.
      child.stdout!.off('data', onStdout).on('data', () => {});
      const host = m[1] ?? m[2]!;
      const port = Number(m[3]);
      resolve({ url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, child, stop });
    };
    child.stdout!.on('data', onStdout);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the node server for ${handlerPath}: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node server for ${handlerPath} exited before listening (code ${code}, signal ${signal}); stderr: ${stderr.trim()}`));
    });
  });
}
