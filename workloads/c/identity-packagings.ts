/**
 * The C packagings for the identity check (workloads/identity.test.ts). Each takes a JS workload
 * and starts its C port (the workload whose manifest says `fixturesFrom: <js name>`), so the
 * check compares the C bytes with the JS handler's direct call on every fixture:
 *
 * - `c-direct-call`: the handler through the test harness (no transport);
 * - `c-native-server`: the static musl server as a child process on 127.0.0.1.
 *
 * Its image and its component are checked through every runner by the conformance suite.
 */
import { portOf } from '../ports.js';
import type { Workload } from '../registry.js';
import { httpEndpoint, type Packaging } from '../testkit/packagings.js';
import { buildCWorkload } from './build.js';
import { Harness } from './harness-client.js';
import { startNativeServer } from './native/launch.js';

/** The C port of JS workload `js`; throws when there is none. */
export function cPortOf(js: Workload): Workload {
  return portOf(js, 'c');
}

/** `c-direct-call`: the harness; headers come back exactly as the handler set them. */
export const cDirectCall: Packaging = {
  name: 'c-direct-call',
  http: false,
  async start(w) {
    const harness = new Harness((await buildCWorkload(cPortOf(w))).harness.path);
    return {
      stop: () => harness.stop(),
      async call(req, body) {
        const headers = Object.entries(req.headers).map(([k, v]): [string, Uint8Array] => [k, Buffer.from(v, 'latin1')]);
        const r = await harness.call({ method: req.method, path: req.path, headers, body });
        if (r.failed) throw new Error(`C handler of ${w.name} ran out of memory`);
        return { status: r.status, headers: Object.fromEntries(r.headers), body: r.body };
      },
    };
  },
};

/** `c-native-server`: the static server as a plain child process. */
export const cNativeServer: Packaging = {
  name: 'c-native-server',
  http: true,
  async start(w) {
    const server = await startNativeServer((await buildCWorkload(cPortOf(w))).server.path);
    return httpEndpoint(server.url, server.stop);
  },
};

/** Every C packaging, in the order the identity test runs them. */
export const cPackagings: Packaging[] = [cDirectCall, cNativeServer];
