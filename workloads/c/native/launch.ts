/**
 * Starting a C workload's static server (workloads/c/native/server.c) as a child process and
 * knowing when it serves: the same `listening 127.0.0.1:<port>` contract as the Node packaging.
 * Any server keeping that contract starts the same way (an interpreter and its script: argv).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from '../../../lab/proc/stop-child.js';

/** A running native server. */
export interface NativeServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period; idempotent. */
  stop(): Promise<void>;
}

const LISTENING = /^listening 127\.\d+\.\d+\.\d+:(\d+)$/m;

/** Spawns `program` (a binary, or an argv) with PORT=0 (or `env`) and resolves once it prints its listening line. */
export function startNativeServer(program: string | string[], env: Record<string, string> = {}, readyTimeoutMs = 10_000): Promise<NativeServer> {
  const argv = typeof program === 'string' ? [program] : program;
  const binary = argv.join(' ');
  const child = spawn(argv[0]!, argv.slice(1), { env: { PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (): Promise<void> => stopChild(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${binary} not listening after ${readyTimeoutMs} ms; stderr: ${err.trim()}`));
    }, readyTimeoutMs);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = LISTENING.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({ url: `http://127.0.0.1:${port}`, port, child, stop });
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${binary}: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited before listening (${code ?? signal}); stderr: ${err.trim()}`));
    });
  });
}
