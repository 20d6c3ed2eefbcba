/**
 * The container packaging for the identity check (workloads/identity.test.ts): the workload's
 * scratch image run as a container on the host network, answering on 127.0.0.1:<port>. The
 * check then proves the container answers every fixture exactly as a direct call does.
 */
import type { Packaging } from '../../workloads/testkit/packagings.js';
import { httpEndpoint } from '../../workloads/testkit/packagings.js';
import { connectEngine } from './engine.js';
import { ensureWorkloadImage } from './images/images.js';
import { containerLabels } from './labels.js';
import { logsTail } from './host/logs.js';
import { PortAllocator } from './ports.js';
import { waitReady } from './host/readiness.js';

const ports = new PortAllocator({ first: 27000, last: 27999 });
/** Generous: a check, not a measurement. */
const READY_TIMEOUT_MS = 30_000;

/** The `oci-image-scratch` image of a workload as a running container. */
export const containerPackaging: Packaging = {
  name: 'container-oci-image-scratch',
  http: true,
  async start(w) {
    const { docker } = await connectEngine();
    const img = await ensureWorkloadImage(docker, w, 'oci-image-scratch');
    const port = await ports.take();
    const container = await docker.createContainer({
      Image: img.ref,
      Env: [`PORT=${port}`],
      Labels: containerLabels(`identity.${process.pid}`, process.pid, w.name, w.name),
      HostConfig: { NetworkMode: 'host' },
    });
    const stop = async (): Promise<void> => {
      await container.remove({ force: true }).catch(() => {});
      ports.release(port);
    };
    try {
      await container.start();
      await waitReady({
        port,
        signal: new AbortController().signal,
        timeoutMs: READY_TIMEOUT_MS,
        pollMs: 1,
        aliveEveryMs: 100,
        dead: async () => ((await container.inspect()).State.Running ? undefined : 'container exited'),
      });
    } catch (e) {
      const tail = await logsTail(container, 20);
      await stop();
      throw new Error(`container of ${w.name} did not serve: ${(e as Error).message}; last output: ${tail}`);
    }
    return httpEndpoint(`http://127.0.0.1:${port}`, stop);
  },
};
