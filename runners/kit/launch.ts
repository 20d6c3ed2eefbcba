/**
 * The one way a runner launches its PoP host: the plan is written as JSON into the run's work
 * folder and handed to the host as its only argument; the host is a Node script forked with an
 * IPC channel (hosts built on host-main.ts) or a native binary spawned with piped stdin and
 * stdout (the Rust Wasmtime host). Either way the host says `{type:'ready', url}` or
 * `{type:'error', message}` (an IPC message, or one JSON line on stdout), its output goes to
 * `<runner>-host.log` beside the plan, and it exits when its channel to the lab closes (IPC
 * disconnect, or EOF on stdin), so even a SIGKILL of the lab leaves nothing running. Start-up
 * failures read the same for every runner: what went wrong and the tail of the host's log.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EnvironmentError } from '../../lab/errors.js';
import type { PopHandle } from '../../lab/pop/contract.js';
import { PopClient } from '../../lab/pop/client.js';

/** How long `stop` lets a host shut its instances down before killing it, unless the runner says otherwise. */
const STOP_GRACE_MS = 10_000;
/** Lines of the host log quoted in a start-up failure. */
const LOG_TAIL_LINES = 20;
/** How long a host that failed to start may take down what it started before SIGKILL. */
const FAILED_START_GRACE_MS = 5_000;

/** A launched PoP host, with its pid for leak checks. */
export interface HostPopHandle extends PopHandle {
  hostPid: number;
}

/** How the host announces it serves: `{type:'ready', url}` or `{type:'error', message}`. */
type ReadyChannel = 'ipc' | 'stdout-json';

/** What a host process is. */
export type HostProgram =
  /** A Node entry script (compiled, beside the runner), forked with an IPC channel. */
  | { kind: 'node'; script: string | URL; execArgv?: string[] }
  /** A native executable, spawned with stdin and stdout piped. */
  | { kind: 'native'; binary: string };

/** Everything `launchHost` needs. */
export interface HostSpec {
  /** Runner name: names the plan and log files and every message. */
  runner: string;
  program: HostProgram;
  /** The host's plan: written to `<workDir>/<runner>-host.plan.json`, the host's one argument. */
  plan: unknown;
  workDir: string;
  /** Deadline for the host to serve, milliseconds (generous: start-up is not a measurement). */
  startTimeoutMs: number;
  /** How long `stop` lets the host dispose of its instances before SIGKILL (default 10 s). */
  stopGraceMs?: number;
  /** False for a host that serves no PoP protocol (a supervisor of reference servers): no `/_lab/health` check. */
  checkHealth?: boolean;
}

/** Where the plan and the log of a runner's host go in its work folder. */
export function hostFiles(workDir: string, runner: string): { planPath: string; logPath: string } {
  return { planPath: join(workDir, `${runner}-host.plan.json`), logPath: join(workDir, `${runner}-host.log`) };
}

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

/**
 * Stops a host that never served. SIGTERM first: it may already own processes of its own (a
 * supervisor's reference servers run in detached groups, which die only by its hand), and a
 * SIGKILL would leave them running; SIGKILL after a grace if it does not exit.
 */
function stopFailedHost(host: ChildProcess): void {
  host.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited(host)) host.kill('SIGKILL');
  }, FAILED_START_GRACE_MS);
  timer.unref();
  host.once('exit', () => clearTimeout(timer));
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
      if (!hasExited(host)) stopFailedHost(host);
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
async function stopHost(host: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(host)) return;
  const exited = new Promise<void>((r) => host.once('exit', () => r()));
  if (host.connected) host.disconnect();
  else if (host.stdin && !host.stdin.destroyed) host.stdin.end();
  else host.kill('SIGTERM');
  const timer = setTimeout(() => host.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts the host, waits until it serves (its health checked) and returns its handle; a host that fails to start is killed. */
export async function launchHost(spec: HostSpec): Promise<HostPopHandle> {
  mkdirSync(spec.workDir, { recursive: true });
  const { planPath, logPath } = hostFiles(spec.workDir, spec.runner);
  writeFileSync(planPath, `${JSON.stringify(spec.plan, null, 2)}\n`);
  const log = openSync(logPath, 'a');
  let host: ChildProcess;
  try {
    // Its own process group: a terminal's Ctrl-C reaches the lab only, which then stops the host
    // in order (partial results stay consistent); if the lab dies instead, the channel closing
    // stops the host all the same.
    host =
      spec.program.kind === 'node'
        ? fork(spec.program.script, [planPath], { stdio: ['ignore', log, log, 'ipc'], execArgv: spec.program.execArgv ?? [], detached: true, serialization: 'json' })
        : spawn(spec.program.binary, [planPath], { stdio: ['pipe', 'pipe', log], detached: true });
  } finally {
    closeSync(log);
  }
  const graceMs = spec.stopGraceMs ?? STOP_GRACE_MS;
  const url = await waitReady(spec.runner, host, spec.program.kind === 'node' ? 'ipc' : 'stdout-json', spec.startTimeoutMs, logPath);
  try {
    if (spec.checkHealth !== false) await new PopClient(url).waitHealthy(spec.startTimeoutMs);
  } catch (e) {
    await stopHost(host, graceMs);
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return { url, hostPid: host.pid!, stop: () => (stopped ??= stopHost(host, graceMs)) };
}
