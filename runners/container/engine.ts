/**
 * Access to the Docker engine. dockerode honours DOCKER_HOST (unix:// or tcp://); without it
 * the default unix socket is used. When nothing answers and the lab runs as root, it starts an
 * engine through scripts/setup-docker.sh (the same steps CI runs: install docker.io if missing,
 * start dockerd with loopback-only flags); otherwise it fails with an EnvironmentError that says
 * how to provide one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { EnvironmentError } from '../../lab/errors.js';
import { projectRoot } from '../../lab/paths.js';

/** The setup script that installs and starts an engine (also run by CI). */
export const setupDockerScript = join(projectRoot, 'scripts', 'setup-docker.sh');

/** An engine that answered, with its version for the reproducibility record. */
export interface Engine {
  docker: Docker;
  /** Engine version, e.g. `20.10.24+dfsg1`. */
  version: string;
  apiVersion: string;
  /** Where it was reached, for messages. */
  endpoint: string;
}

function endpointText(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

async function ping(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

let cached: Promise<Engine> | undefined;

/**
 * Connects to the engine, starting one when none answers and this process may (root). Cached
 * per process: every module of the runner shares one connection pool to dockerd.
 */
export function connectEngine(opts: { start?: boolean } = {}): Promise<Engine> {
  cached ??= (async () => {
    const docker = new Docker();
    if (!(await ping(docker))) {
      if (opts.start === false) throw noEngine('the lab was asked not to start one');
      if (process.getuid?.() !== 0) throw noEngine('starting one needs root');
      // The script is idempotent and never starts a second daemon beside a live one.
      const r = spawnSync('bash', [setupDockerScript], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
      if (r.status !== 0) throw noEngine(`${setupDockerScript} failed (exit ${r.status ?? r.signal})`);
      if (!(await ping(docker))) throw noEngine(`${setupDockerScript} finished but the engine still does not answer`);
    }
    const v = await docker.version();
    return { docker, version: v.Version, apiVersion: v.ApiVersion, endpoint: endpointText() };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

function noEngine(why: string): EnvironmentError {
  return new EnvironmentError(
    `container runner: no Docker engine answers at ${endpointText()} and ${why}. ` +
      `Provide one: run \`sudo bash scripts/setup-docker.sh\` (installs Debian's docker.io and starts dockerd with ` +
      `--bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --userland-proxy=false), ` +
      `or point DOCKER_HOST at a running engine.`,
  );
}

/** Reads a dockerode progress stream (build, import, pull, push) to its end; rejects on an `error` entry. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) => {
      if (err) return reject(err);
      const bad = out.find((o) => o.error !== undefined || o.errorDetail !== undefined);
      if (bad) return reject(new Error(String(bad.error ?? JSON.stringify(bad.errorDetail))));
      resolve(out);
    });
  });
}
