/**
 * Free TCP ports on 127.0.0.1 for servers the lab starts itself (reference hosts, test
 * registries, a test control plane). The kernel chooses them; all `count` listeners are held
 * open until every port is known, so one call never returns the same port twice (a port freed
 * and asked again can come back: two servers of one launch would then share it, the second
 * failing to bind while the first answers for it). Still free only until someone else binds it.
 */
import { createServer, type Server } from 'node:net';

export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = createServer();
      held.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
    }
    return held.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** One free port (see freePorts). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
