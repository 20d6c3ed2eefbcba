/**
 * The slow drip: the handler contract's extension (EdgeResponse.drip), the hostile tenants'
 * drip, and the two native packagings (Node server, C static server) pacing it for real: the
 * head at once, each slice after its pause, the server off the CPU meanwhile. The component
 * packagings are checked on the Wasm runners (runners/wasm, runners/wasmtime, the reference hosts).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { connect } from 'node:net';
import { runInNewContext } from 'node:vm';
import type { EdgeResponse } from '../lib/handler.js';
import { dripProblem, dripSlice, responseProblem } from '../packaging/node/adapter.js';
import { startNodeServer, type NodeServer } from '../packaging/node/launch.js';
import { ADAPTER_SOURCE } from '../js/guest-source.js';
import { buildCWorkload } from '../c/build.js';
import { startNativeServer, type NativeServer } from '../c/native/launch.js';
import { fixtureRequestBody, listWorkloads, loadWorkload } from '../registry.js';
import { importHandler } from '../testkit/packagings.js';
import { assertArrivedSpread, DRIP_HEADERS, dripLines, dripPath, processCpuMs, timedGet } from '../testkit/drip.js';
import { DEFAULT_DRIP } from '../../lab/scenario/types.js';
import { DRIP_CHUNKS, DRIP_PAUSE_MS, drip, handle } from './handler.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const get = (path: string, headers: Record<string, string>): EdgeResponse => handle({ method: 'GET', path, headers, body: new Uint8Array() });

describe('the handler extension: EdgeResponse.drip', () => {
  test('a drip is N lines of one width, cut by the packaging into exactly those lines', () => {
    const r = get(dripPath(12, 70), DRIP_HEADERS);
    assert.equal(r.status, 200);
    assert.deepEqual(r.drip, { chunks: 12, pauseMs: 70 });
    assert.deepEqual(text(r.body).split('\n').slice(0, -1), dripLines(12));
    for (let k = 0; k < 12; k++) {
      const [start, end] = dripSlice(r.body.length, 12, k);
      assert.equal(text(r.body.subarray(start, end)), `${dripLines(12)[k]}\n`, `slice ${k}`);
    }
  });

  test('defaults 50 x 200 ms; the caller bounds it, the pause is capped at an hour and chunks at least 1', () => {
    assert.deepEqual(get('/', DRIP_HEADERS).drip, { chunks: DRIP_CHUNKS, pauseMs: DRIP_PAUSE_MS });
    // The lab asks a drip neighbour for the same when its scenario names no pacing.
    assert.deepEqual({ chunks: DRIP_CHUNKS, pauseMs: DRIP_PAUSE_MS }, DEFAULT_DRIP);
    assert.deepEqual(get('/?chunks=0&ms=9999999', DRIP_HEADERS).drip, { chunks: 1, pauseMs: 3_600_000 });
    assert.deepEqual(get('/?chunks=x&ms=-1', DRIP_HEADERS).drip, { chunks: 50, pauseMs: 200 });
    assert.equal(text(drip(1, 0).body), 'drip 1/1\n');
  });

  test('slices cover the body once, in order, for any length', () => {
    for (const [length, chunks] of [[10, 3], [7, 7], [1, 1], [0, 1], [1000, 999], [5, 2]] as const) {
      let at = 0;
      for (let k = 0; k < chunks; k++) {
        const [start, end] = dripSlice(length, chunks, k);
        assert.equal(start, at, `${length}/${chunks} slice ${k} starts where the last ended`);
        assert.ok(end >= start);
        at = end;
      }
      assert.equal(at, length);
    }
  });

  // The Node packaging's check and the component adapter's (a verbatim JS text) must agree.
  const guest = runInNewContext(`${ADAPTER_SOURCE.replace('export const incomingHandler', 'const incomingHandler')}; ({ responseProblem, dripProblem })`, { TextEncoder, Uint8Array }) as {
    responseProblem(r: unknown): string | undefined;
    dripProblem(d: unknown, n: number): string | undefined;
  };
  const cases: [unknown, number, boolean][] = [
    [{ chunks: 3, pauseMs: 0 }, 3, true],
    [{ chunks: 1, pauseMs: 3_600_000 }, 0, true],
    [{ chunks: 2, pauseMs: 10 }, 1, false],
    [{ chunks: 0, pauseMs: 10 }, 5, false],
    [{ chunks: 1.5, pauseMs: 10 }, 5, false],
    [{ chunks: 2, pauseMs: -1 }, 5, false],
    [{ chunks: 2, pauseMs: 3_600_001 }, 5, false],
    [{ chunks: 2, pauseMs: '10' }, 5, false],
    [{ chunks: 2 }, 5, false],
    [null, 5, false],
    ['fast', 5, false],
  ];
  for (const [d, length, ok] of cases) {
    test(`drip ${JSON.stringify(d)} on ${length} bytes is ${ok ? 'accepted' : 'refused'} by the Node packaging and the component adapter alike`, () => {
      const node = dripProblem(d, length);
      assert.equal(node === undefined, ok, node);
      assert.equal(guest.dripProblem(d, length), node);
      const r = { status: 200, headers: {}, body: new Uint8Array(length), drip: d };
      assert.equal(responseProblem(r), node);
      assert.equal(guest.responseProblem(r), node);
    });
  }

  test('no ordinary workload sets it: their responses are what they were', async () => {
    for (const name of listWorkloads(undefined, 'js').filter((n) => !loadWorkload(n).manifest.hostile)) {
      const w = loadWorkload(name);
      const h = await importHandler(w.handlerPath);
      for (const f of w.fixtures) {
        const r = h({ method: f.request.method, path: f.request.path, headers: { ...f.request.headers }, body: fixtureRequestBody(f) });
        assert.equal('drip' in r, false, `${name}/${f.name}`);
      }
    }
  });
});

// A few short slices: the assertions are about spacing, not speed.
const CHUNKS = 5;
const PAUSE_MS = 80;

/** One drip through a packaging's HTTP server: slices spread over time, the head before them, the instance idle meanwhile. */
async function assertDrips(url: string, pid: number): Promise<void> {
  const cpuBefore = processCpuMs(pid)!;
  const started = performance.now();
  const r = await timedGet(`${url}${dripPath(CHUNKS, PAUSE_MS)}`, DRIP_HEADERS);
  const wallMs = performance.now() - started;
  const cpuMs = processCpuMs(pid)! - cpuBefore;
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String(dripLines(CHUNKS).join('\n').length + 1), 'the same head as without a drip');
  assertArrivedSpread(r, CHUNKS, PAUSE_MS);
  assert.ok(r.headAtMs < PAUSE_MS, `the head comes at once (${r.headAtMs.toFixed(0)} ms)`);
  // Sleeping, not spinning: well under half of the wall time on the CPU (ticks are 10 ms).
  assert.ok(cpuMs < wallMs / 2, `the server used ${cpuMs} ms of CPU in ${wallMs.toFixed(0)} ms`);
}

/** Asks for a drip and leaves 150 ms into it; the request must end in an abort. */
async function leaveMidDrip(url: string): Promise<void> {
  const cut = new AbortController();
  const left = fetch(`${url}${dripPath(50, 100)}`, { headers: DRIP_HEADERS, signal: cut.signal }).then((res) => res.text());
  setTimeout(() => cut.abort(), 150);
  await assert.rejects(left);
}

describe('packagings pace a drip', () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });

  test('Node server: timers between slices', async () => {
    const s: NodeServer = await startNodeServer(loadWorkload('hostile').handlerPath);
    stops.push(s.stop);
    await assertDrips(s.url, s.child.pid!);
    // A client that leaves mid-drip ends the drip, and the server goes on serving.
    await leaveMidDrip(s.url);
    assert.equal((await fetch(`${s.url}/`)).status, 200);
  });

  test('C static server: nanosleep between slices', async () => {
    const build = await buildCWorkload(loadWorkload('hostile-c'));
    const s: NativeServer = await startNativeServer(build.server.path);
    stops.push(s.stop);
    await assertDrips(s.url, s.child.pid!);
    await leaveMidDrip(s.url);
    // One thread: the next request waits for the drip to notice its peer left (at its next slice).
    assert.equal((await fetch(`${s.url}/`, { signal: AbortSignal.timeout(5000) })).status, 200);
    // A drip asked on a connection that is to close: the server closes it once the drip is out.
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const socket = connect(s.port, '127.0.0.1', () => socket.write(`GET ${dripPath(2, 50)} HTTP/1.1\r\nhost: x\r\nx-lab-hostile: drip\r\nconnection: close\r\n\r\n`));
      socket.on('data', () => {});
      socket.on('error', reject);
      socket.on('close', () => resolve(performance.now() - t));
      socket.setTimeout(5000, () => socket.destroy(new Error('the server kept the connection open after the drip')));
    });
    assert.ok(closedAfter < 2000, `closed after ${closedAfter.toFixed(0)} ms`);
  });
});
