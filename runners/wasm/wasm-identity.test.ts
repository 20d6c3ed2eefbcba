/**
 * The identity check for the Wasm packaging on every fixture of every workload: byte-identical
 * bodies (and equal status and handler headers) to a direct call of the handler. One host
 * serves all workloads as separate tenants, as a PoP would.
 */
import { after, before, describe } from 'node:test';
import { listWorkloads, loadWorkload } from '../../workloads/registry.js';
import { directCall, type Endpoint } from '../../workloads/testkit/packagings.js';
import { identityTests } from '../kit/wasm-testkit.js';
import { launchTestHost, type TestHost } from './test-support.js';

// JS workloads; the C components' identity is checked by the c-wasm-component packaging (workloads/c/).
const workloads = listWorkloads(undefined, 'js').map((n) => loadWorkload(n));

describe('wasm packaging gives the direct call\'s bytes', () => {
  let host: TestHost;
  const refs = new Map<string, Endpoint>();
  before(async () => {
    host = await launchTestHost(
      workloads.map((w) => ({ id: `id-${w.name}`, workload: w.name })),
      { workers: 2 },
      30_000,
    );
    for (const w of workloads) refs.set(w.name, await directCall.start(w));
  });
  after(async () => host?.stop());

  identityTests(workloads, () => host.url, (w) => refs.get(w.name)!);
});
