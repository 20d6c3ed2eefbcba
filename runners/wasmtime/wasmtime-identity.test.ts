/**
 * The identity check on the Wasmtime host, every fixture of every workload: byte-identical
 * bodies (and equal status and handler headers) to a direct call of the handler. One host
 * serves all workloads as separate tenants, under WASI 0.2 semantics (a fresh instance each).
 * C workloads (components from workloads/c/) are compared with a direct call of the JS workload
 * they port (their `reference`): the same fixtures, the same bytes.
 */
import { after, before, describe } from 'node:test';
import { listWorkloads, loadWorkload } from '../../workloads/registry.js';
import { directCall, type Endpoint } from '../../workloads/testkit/packagings.js';
import { identityTests } from '../kit/wasm-testkit.js';
import { launchTestHost, type TestHost } from './test-support.js';

// JS workloads: C ports are checked by workloads/c/identity-packagings.ts.
const workloads = listWorkloads(undefined, 'js').map((n) => loadWorkload(n));

describe('wasmtime host gives the direct call\'s bytes', () => {
  let host: TestHost;
  const refs = new Map<string, Endpoint>();
  before(async () => {
    host = await launchTestHost(
      workloads.map((w) => ({ id: `id-${w.name}`, workload: w.name })),
      {},
      30_000,
    );
    for (const w of workloads) {
      refs.set(w.name, await directCall.start(w.reference === w.name ? w : loadWorkload(w.reference)));
    }
  });
  after(async () => host?.stop());

  identityTests(workloads, () => host.url, (w) => refs.get(w.name)!);
});
