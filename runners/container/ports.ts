/**
 * Host ports for containers on the host network. Every container binds 127.0.0.1:<port>, so the
 * host hands out distinct ports itself, below the ephemeral range (32768+ here: ports there
 * collide with client sockets), and checks each is free with a quick bind before using it.
 */
import { createServer } from 'node:net';

/** An inclusive range of TCP ports. */
export interface PortRange {
  first: number;
  last: number;
}

/** Whether 127.0.0.1:<port> can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Hands out free ports of a range round-robin; a port stays taken until released. */
export class PortAllocator {
  private readonly taken = new Set<number>();
  private next: number;

  constructor(private readonly range: PortRange) {
    if (!(Number.isInteger(range.first) && Number.isInteger(range.last) && range.first >= 1024 && range.last >= range.first && range.last < 65536)) {
      throw new RangeError(`port range ${range.first}-${range.last} is not a range of unprivileged ports`);
    }
    // Start at a pid-dependent offset so two hosts sharing a range rarely probe the same ports.
    this.next = range.first + (process.pid % (range.last - range.first + 1));
  }

  /** A free port, now taken; throws when the whole range is busy. */
  async take(): Promise<number> {
    const size = this.range.last - this.range.first + 1;
    for (let i = 0; i < size; i++) {
      const port = this.next;
      this.next = port >= this.range.last ? this.range.first : port + 1;
      if (this.taken.has(port)) continue;
      this.taken.add(port);
      if (await portIsFree(port)) return port;
      this.taken.delete(port);
    }
    throw new Error(`no free port left in ${this.range.first}-${this.range.last} (${this.taken.size} held by this host)`);
  }

  /** Gives a port back. */
  release(port: number): void {
    this.taken.delete(port);
  }
}
