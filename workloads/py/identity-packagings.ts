/**
 * The Python packagings for the identity check (workloads/identity.test.ts). Each takes a JS
 * workload and starts its Python port (the `py` workload whose manifest says `fixturesFrom: <js
 * name>`), so the check compares the Python bytes with the JS handler's direct call on every
 * fixture:
 *
 * - `py-direct-call`: the handler through the test harness (no transport), with the run-time
 *   rules guard on;
 * - `py-server`: the bare-process packaging (CPython and workloads/py/server.py) as a child
 *   process on 127.0.0.1.
 *
 * Both start by checking the handler rules (workloads/py/rules.py): a handler that breaks one
 * fails here with a message naming the workload and the rule. Its image and its component are
 * checked through every runner by the conformance suite.
 */
import { Harness } from '../c/harness-client.js';
import { startNativeServer } from '../c/native/launch.js';
import { portOf } from '../ports.js';
import { httpEndpoint, type Endpoint, type Packaging } from '../testkit/packagings.js';
import { listWorkloads, loadWorkload } from '../registry.js';
import type { Workload } from '../types.js';
import { buildPythonApp, pythonHarnessCommand } from './build.js';

/**
 * The harness of Python workload `port` as an Endpoint; headers come back exactly as the handler
 * set them. A handler that raises or breaks a rule at run time fails the call, naming the
 * workload and the guard's message (the rule).
 */
export async function pythonHarnessEndpoint(port: Workload): Promise<Endpoint> {
  const harness = new Harness(await pythonHarnessCommand(port));
  return {
    stop: () => harness.stop(),
    async call(req, body) {
      const headers = Object.entries(req.headers).map(([k, v]): [string, Uint8Array] => [k, Buffer.from(v, 'latin1')]);
      const r = await harness.call({ method: req.method, path: req.path, headers, body });
      if (r.failed) throw new Error(`workload ${port.name}: the handler failed: ${Buffer.from(r.body).toString()}`);
      return { status: r.status, headers: Object.fromEntries(r.headers), body: r.body };
    },
  };
}

/** Whether JS workload `w` has a Python port (the hostile one has none). */
function ported(w: Workload): boolean {
  return listWorkloads(undefined, 'py').some((n) => loadWorkload(n).manifest.fixturesFrom === w.name);
}

/** `py-direct-call`: the harness of the Python port. */
export const pyDirectCall: Packaging = {
  name: 'py-direct-call',
  http: false,
  covers: ported,
  start: (w) => pythonHarnessEndpoint(portOf(w, 'py')),
};

/** `py-server`: the bare-process packaging as a plain child process. */
export const pyServer: Packaging = {
  name: 'py-server',
  http: true,
  covers: ported,
  async start(w) {
    const server = await startNativeServer((await buildPythonApp(portOf(w, 'py'))).command);
    return httpEndpoint(server.url, server.stop);
  },
};

/** Every Python packaging, in the order the identity test runs them. */
export const pyPackagings: Packaging[] = [pyDirectCall, pyServer];
