/**
 * Entry script of a supervisor host: `node supervise.js <plan.json>`, launched by kit/launch.ts
 * like every host. It starts the plan's servers (reference hosts such as `wasmtime serve`, which
 * know nothing of the lab), says `ready` once each accepts connections, and stops them all when
 * its channel to the lab closes, so a server that would outlive the lab (they do not watch their
 * parent) is still taken down with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitListening } from './endpoint.js';

/** One server to supervise. */
export interface SupervisedServer {
  name: string;
  command: string[];
  /** Variables added to the supervisor's environment for this server. */
  env?: Record<string, string>;
  /** Where it will accept connections once it serves. */
  url: string;
}

/** The supervisor's plan. */
export interface SupervisorPlan {
  servers: SupervisedServer[];
  startTimeoutMs: number;
}

const children: ChildProcess[] = [];
let stopping = false;

/** Signals the whole process group of `child`: a server may run its work in children of its own (jco serve does). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is gone already.
  }
}

/** Whether any process of `child`'s group is still alive. */
function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of children) signalGroup(c, 'SIGTERM');
  // A grace for an orderly exit, then every process left in the groups is killed.
  for (let waited = 0; waited < 2000 && children.some(groupAlive); waited += 50) await sleep(50);
  for (const c of children) signalGroup(c, 'SIGKILL');
  process.exit(code);
}

process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

async function main(): Promise<void> {
  const planFile = process.argv[2];
  if (!planFile) throw new Error('usage: node supervise.js <plan.json> (a runner launches it)');
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as SupervisorPlan;
  for (const s of plan.servers) {
    // Its output goes to the supervisor's own log, which the launcher quotes on a failure; a group
    // of its own, so stopping it stops whatever it started.
    const child = spawn(s.command[0]!, s.command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: { ...process.env, ...s.env } });
    children.push(child);
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `exited (${code !== null ? `exit code ${code}` : `signal ${signal}`})`;
      if (!stopping) process.stderr.write(`${s.name}: ${exited}\n`);
    });
    await waitListening(s.url, plan.startTimeoutMs, s.name, () => exited);
  }
  // A server whose port another process held saw its address answer and was counted as
  // listening, then failed to bind and exited: its requests would go to that other process.
  const gone = plan.servers.filter((_, i) => children[i]!.exitCode !== null || children[i]!.signalCode !== null);
  if (gone.length > 0) throw new Error(`${gone.map((s) => `${s.name} (${s.url})`).join(', ')} exited during start-up: its port was probably taken by another process`);
  process.send?.({ type: 'ready', url: plan.servers[0]!.url });
}

main().catch((e: unknown) => {
  process.stderr.write(`supervisor: ${(e as Error).stack ?? String(e)}\n`);
  process.send?.({ type: 'error', message: (e as Error).message });
  void shutdown(1);
});
