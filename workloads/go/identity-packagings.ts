/**
 * The Go packagings for the identity check (workloads/identity.test.ts). Each takes a JS workload
 * and starts its Go port (the workload whose manifest says `fixturesFrom: <js name>` and
 * `language: go`), so the check compares the Go bytes with the JS handler's direct call on every
 * fixture:
 *
 * - `go-direct-call`: the handler through the test harness (the C harness's framing, no transport);
 * - `go-native-server`: the static net/http server as a child process on 127.0.0.1.
 *
 * Its image and its component are checked through every runner by the conformance suite. The
 * hostile workload has no Go port, so these packagings do not cover it.
 */
import { listWorkloads, loadWorkload, type Workload } from '../registry.js';
import { httpEndpoint, type Packaging } from '../testkit/packagings.js';
import { Harness } from '../c/harness-client.js';
import { startNativeServer } from '../c/native/launch.js';
import { buildGoWorkload } from './build.js';

/** The Go port of JS workload `js`, or undefined when there is none. */
export function goPortOf(js: Workload): Workload | undefined {
  return listWorkloads(undefined, 'go')
    .map((n) => loadWorkload(n))
    .find((w) => w.manifest.fixturesFrom === js.name);
}

function port(js: Workload): Workload {
  const p = goPortOf(js);
  if (!p) throw new Error(`JS workload ${js.name} has no Go port (a workload with "language": "go", "fixturesFrom": "${js.name}")`);
  return p;
}

/** `go-direct-call`: the harness; headers come back exactly as the handler set them. */
export const goDirectCall: Packaging = {
  name: 'go-direct-call',
  http: false,
  covers: (w) => goPortOf(w) !== undefined,
  async start(w) {
    const harness = new Harness((await buildGoWorkload(port(w))).harness.path);
    return {
      stop: () => harness.stop(),
      async call(req, body) {
        const headers = Object.entries(req.headers).map(([k, v]): [string, Uint8Array] => [k, Buffer.from(v, 'latin1')]);
        const r = await harness.call({ method: req.method, path: req.path, headers, body });
        return { status: r.status, headers: Object.fromEntries(r.headers), body: r.body };
      },
    };
  },
};

/** `go-native-server`: the static net/http server as a plain child process. */
export const goNativeServer: Packaging = {
  name: 'go-native-server',
  http: true,
  covers: (w) => goPortOf(w) !== undefined,
  async start(w) {
    const server = await startNativeServer((await buildGoWorkload(port(w))).server.path);
    return httpEndpoint(server.url, server.stop);
  },
};

/** Every Go packaging, in the order the identity test runs them. */
export const goPackagings: Packaging[] = [goDirectCall, goNativeServer];
