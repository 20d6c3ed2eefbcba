/**
 * Stopping a helper process the lab started (a native or Node test server, the origin
 * registry): SIGTERM, then SIGKILL when it has not exited after a grace period, so a hung child
 * can never keep a run or a test from finishing.
 */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM `child`, SIGKILL it after `graceMs`; resolves once it has exited (at once if it already had). */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const grace = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(grace);
}
