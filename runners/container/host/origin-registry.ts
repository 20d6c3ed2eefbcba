/**
 * The local origin registry: Debian's `docker-registry` (distribution 2.8) run by the lab with a
 * config of its own, listening on 127.0.0.1 only (the packaged config listens on every interface
 * with htpasswd auth), storage under the lab's cache so pushed blobs survive between runs. The
 * engine treats 127.0.0.0/8 registries as insecure by default, so no daemon flag is needed.
 * It is where an artifact miss pulls from, for containers and for Wasm components alike.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError } from '../../../lab/errors.js';
import { cacheDir } from '../../../lab/paths.js';
import { PortAllocator, type PortRange } from '../ports.js';
import { stopChild } from '../../../lab/proc/stop-child.js';

/** A running origin registry. */
export interface OriginRegistry {
  /** `127.0.0.1:<port>`: the registry host part of image references. */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops the registry process; idempotent. */
  stop(): Promise<void>;
}

/** Where the registry keeps blobs (shared by every run; content-addressed). */
export const originStorageDir = join(cacheDir, 'container', 'origin-registry');

/** Ports tried for the registry: below the ephemeral range, apart from the containers' range. */
export const ORIGIN_PORTS: PortRange = { first: 25000, last: 25999 };

function registryBinary(): string {
  const found = spawnSync('bash', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new EnvironmentError('container runner: the origin registry needs Debian\'s docker-registry: run `bash scripts/setup-docker.sh --with-tools` (apt-get install docker-registry)');
  return found;
}

/** The registry config: loopback only, filesystem storage, deletes allowed (a miss may remove blobs in tests). */
export function registryConfig(port: number, storage: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

/** Starts a registry and resolves once GET /v2/ answers 200; bounded by `readyTimeoutMs`. */
export async function startOriginRegistry(opts: { readyTimeoutMs?: number; ports?: PortRange } = {}): Promise<OriginRegistry> {
  const bin = registryBinary();
  const port = await new PortAllocator(opts.ports ?? ORIGIN_PORTS).take();
  const runDir = join(cacheDir, 'container', 'origin-run', String(process.pid));
  mkdirSync(runDir, { recursive: true });
  mkdirSync(originStorageDir, { recursive: true });
  const configPath = join(runDir, 'config.yml');
  writeFileSync(configPath, registryConfig(port, originStorageDir));
  const logPath = join(runDir, 'registry.log');
  const log = openSync(logPath, 'w');
  const child: ChildProcess = spawn(bin, ['serve', configPath], { stdio: ['ignore', log, log] });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => stopChild(child);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
  for (;;) {
    if (child.exitCode !== null) throw new EnvironmentError(`container runner: origin registry exited at start (code ${child.exitCode}): ${readFileSync(logPath, 'utf8').trim().slice(-500)}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EnvironmentError(`container runner: origin registry on ${url} did not answer within ${opts.readyTimeoutMs ?? 10_000} ms: ${readFileSync(logPath, 'utf8').trim().slice(-500)}`);
    }
    await sleep(20);
  }
  return { host: `127.0.0.1:${port}`, url, stop };
}
