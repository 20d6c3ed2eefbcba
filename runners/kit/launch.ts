/**
 * The lab side of a runner's PoP host process: waits until the host says it serves (an IPC
 * message from a Node host, or a JSON line on stdout from a native one), checks /_lab/health,
 * and stops it in order. Every runner whose host is a process of its own uses this, so start-up
 * failures read the same everywhere: what went wrong and the tail of the host's log.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { EnvironmentError } from '../../lab/errors.js';
import type { PopHandle } from '../../lab/pop/contract.js';
import { PopClient } from '../../lab/pop/client.js';

/** How long `stop` lets a host shut its instances down before killing it. */
const STOP_GRACE_MS = 10_000;
/** Lines of the host log quoted in a start-up failure. */
const LOG_TAIL_LINES = 20;

/** A launched PoP host, with its pid for leak checks. */
export interface HostPopHandle extends PopHandle {
  hostPid: number;
}

/** How the host announces it serves: `{type:'ready', url}` or `{type:'error', message}`. */
export type ReadyChannel = 'ipc' | 'stdout-json';

interface ReadyMessage {
  type?: unknown;
  url?: unknown;
  message?: unknown;
}

/** The last lines of a log file, or a note that there is none. */
export function logTail(path: string, lines = LOG_TAIL_LINES): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves with the URL the host announces; kills it and rejects on an error, an early exit or the timeout. */
function waitReady(runner: string, host: ChildProcess, channel: ReadyChannel, timeoutMs: number, logPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = channel === 'stdout-json' && host.stdout ? createInterface({ input: host.stdout }) : undefined;
    const done = (): void => {
      clearTimeout(timer);
      host.off('message', onMessage);
      host.off('exit', onExit);
      if (lines) {
        lines.close();
        // Nothing more is read from stdout; drain it so a chatty host never blocks on a full pipe.
        host.stdout?.resume();
      }
    };
    const fail = (why: string): void => {
      done();
      if (!hasExited(host)) host.kill('SIGKILL');
      reject(new EnvironmentError(`${runner} runner: PoP host ${why}; last lines of ${logPath}:\n${logTail(logPath)}`));
    };
    const onMessage = (m: unknown): void => {
      const msg = m as ReadyMessage | null;
      if (msg?.type === 'ready' && typeof msg.url === 'string') {
        done();
        resolve(msg.url);
      } else if (msg?.type === 'error') fail(`failed to start: ${String(msg.message)}`);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited during start-up (${code !== null ? `exit code ${code}` : `signal ${signal}`})`);
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    if (lines) {
      lines.once('line', (line) => {
        let msg: ReadyMessage;
        try {
          msg = JSON.parse(line) as ReadyMessage;
        } catch {
          return fail(`printed an unexpected line: ${line}`);
        }
        if (msg.type === 'ready' && typeof msg.url === 'string') onMessage(msg);
        else fail(`failed to start: ${String(msg.message ?? line)}`);
      });
    } else host.on('message', onMessage);
    host.once('exit', onExit);
  });
}

/**
 * Stops a host: closing its IPC channel (Node hosts) or its stdin (native hosts) makes it dispose
 * every instance and exit; SIGKILL if it hangs.
 */
async function stopHost(host: ChildProcess): Promise<void> {
  if (hasExited(host)) return;
  const exited = new Promise<void>((r) => host.once('exit', () => r()));
  if (host.connected) host.disconnect();
  else if (host.stdin && !host.stdin.destroyed) host.stdin.end();
  else host.kill('SIGTERM');
  const timer = setTimeout(() => host.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Waits for a freshly started host to serve and returns its handle; a host that fails to start is killed. */
export async function attachHost(runner: string, host: ChildProcess, opts: { channel: ReadyChannel; logPath: string; startTimeoutMs: number }): Promise<HostPopHandle> {
  const url = await waitReady(runner, host, opts.channel, opts.startTimeoutMs, opts.logPath);
  try {
    await new PopClient(url).waitHealthy(opts.startTimeoutMs);
  } catch (e) {
    await stopHost(host);
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return { url, hostPid: host.pid!, stop: () => (stopped ??= stopHost(host)) };
}
