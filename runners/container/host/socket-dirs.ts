/**
 * Per-instance directories for the unix sockets of containers without a network. Each container
 * gets its own directory, bind-mounted at `/run/lab`, owned by the container's user and closed
 * to everyone else: a tenant sees its own socket and nothing of its neighbours'. The root,
 * `/tmp/lab-ctr-<host pid>-*`, is short on purpose (a socket path is limited to 107 bytes) and
 * removed when the host stops, or by its reaper when the host was killed.
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the socket directory is mounted inside the container, and the socket in it. */
export const CONTAINER_SOCKET_DIR = '/run/lab';
export const CONTAINER_SOCKET = `${CONTAINER_SOCKET_DIR}/http.sock`;

/** One instance's directory: the host side of the bind mount and the socket the host connects to. */
export interface SocketDir {
  hostDir: string;
  socketPath: string;
}

/** Hands out and removes socket directories under one root per host process. */
export class SocketDirs {
  readonly root: string;
  private seq = 0;

  /** `uid`/`gid`: the container user, who must be able to create its socket. */
  constructor(
    private readonly uid: number,
    private readonly gid: number,
  ) {
    this.root = mkdtempSync(join(tmpdir(), `lab-ctr-${process.pid}-`));
  }

  take(): SocketDir {
    const hostDir = join(this.root, String(++this.seq));
    mkdirSync(hostDir, { mode: 0o700 });
    chownSync(hostDir, this.uid, this.gid);
    return { hostDir, socketPath: join(hostDir, 'http.sock') };
  }

  release(d: SocketDir): void {
    rmSync(d.hostDir, { recursive: true, force: true });
  }

  /** Removes every directory (the host is stopping; its containers are gone or going). */
  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
