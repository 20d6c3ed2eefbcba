/**
 * Checks, before any traffic, that the OCI runtime a scenario asks for (`ociRuntime`) is
 * registered with the engine and can start a container on this machine: one hardened container
 * (the network-namespace holder image, default limits), started and removed. A runtime that
 * cannot (crun on a cgroup hierarchy it refuses, gVisor on a kernel it does not support) fails
 * the runtime's prepare with one line saying why; the scenario's other runtimes go on.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { EnvironmentError } from '../../lab/errors.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';
import { ensureHolderImage } from './images/netns-holder.js';
import { containerLabels } from './labels.js';
import { SANDBOX_GID, SANDBOX_UID, sandboxSpec, type OciRuntime } from './host/sandbox.js';
import { SocketDirs } from './host/socket-dirs.js';

const run = promisify(execFile);

/** The runtime's version line (`crun version 1.8.1`), for the reproducibility record; throws a one-line reason when it cannot run here. */
export async function checkOciRuntime(docker: Docker, runtime: OciRuntime): Promise<string> {
  const info = (await docker.info()) as { Runtimes?: Record<string, { path?: string }> };
  const registered = info.Runtimes?.[runtime];
  if (!registered) {
    throw new EnvironmentError(`container runner: OCI runtime ${runtime} is not registered with the engine (registered: ${Object.keys(info.Runtimes ?? {}).join(', ')}); bash scripts/setup-docker.sh --with-tools installs and registers crun and runsc`);
  }
  const image = await ensureHolderImage(docker);
  // A tenant's hardened set-up with the default limits (gVisor's own threads count against pids
  // and its sentry needs memory: the holder's 1 pid and 6 MiB would fail it for that reason alone).
  const sockets = new SocketDirs(SANDBOX_UID, SANDBOX_GID);
  const dir = sockets.take().hostDir;
  const l = DEFAULT_TENANT_LIMITS;
  let c: Docker.Container | undefined;
  try {
    c = await docker.createContainer({ Image: image, Labels: containerLabels(`oci-check-${process.pid}`, process.pid, 'oci-check', runtime), ...sandboxSpec('hardened', { memoryMiB: l.memoryMiB, cpus: l.cpus, pids: l.pids }, dir, undefined, runtime) });
    await c.start();
  } catch (e) {
    const why = ((e as { json?: { message?: string } }).json?.message ?? (e as Error).message).split('\n')[0]!.replace(/^failed to create shim task: /, '');
    throw new EnvironmentError(`container runner: OCI runtime ${runtime} cannot start a container on this machine: ${why}`);
  } finally {
    await c?.remove({ force: true }).catch(() => {});
    sockets.close();
  }
  const path = registered.path ?? runtime;
  const version = await run(path, ['--version']).then((r) => r.stdout.split('\n')[0]!.trim(), () => 'version unknown');
  return version;
}
