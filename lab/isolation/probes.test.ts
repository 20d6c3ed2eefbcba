import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeProbe, probeRequest, writtenPath, type ProbeTargets } from './probes.js';

const targets: ProbeTargets = {
  hostFile: '/tmp/lab-canary-x/host-secret',
  hostSecret: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
  hostPid: 4242,
  hostCmdline: new TextEncoder().encode('node\0lab'),
  outsideDir: '/tmp/lab-canary-x/outside',
  token: 'c0ffee',
  controlPort: 8123,
  neighbour: { pid: 4343, port: 8124, socket: '/tmp/lab-canary-x/neighbour/http.sock', secret: 'feedface' },
};

test('probe requests carry their arguments percent-encoded', () => {
  assert.deepEqual(probeRequest('host-file', targets, 'h1'), { path: '/?path=%2Ftmp%2Flab-canary-x%2Fhost-secret', headers: { 'x-lab-hostile': 'read-file' } });
  assert.equal(probeRequest('host-process', targets, 'h1').path, '/?path=%2Fproc%2F4242%2Fcmdline');
  assert.equal(probeRequest('write-outside', targets, 'h1').path, `/?path=${encodeURIComponent(writtenPath(targets, 'h1'))}&token=c0ffee`);
  assert.deepEqual(probeRequest('control-port', targets, 'h1'), { path: '/?port=8123', headers: { 'x-lab-hostile': 'connect' } });
  assert.equal(probeRequest('neighbour-port', targets, 'h1').path, '/?port=8124');
  assert.deepEqual(probeRequest('neighbour-socket', targets, 'h1'), { path: '/?socket=%2Ftmp%2Flab-canary-x%2Fneighbour%2Fhttp.sock', headers: { 'x-lab-hostile': 'connect' } });
  assert.deepEqual(probeRequest('neighbour-env', targets, 'h1'), { path: '/?path=%2Fproc%2F4343%2Fenviron', headers: { 'x-lab-hostile': 'read-file' } });
});

test("a neighbour counts as reached only when its secret came back", () => {
  assert.equal(judgeProbe('neighbour-port', targets, 200, 'allowed HTTP/1.0 200 neighbour-feedface\n').outcome, 'allowed');
  assert.equal(judgeProbe('neighbour-socket', targets, 200, 'allowed HTTP/1.0 200 neighbour-feedface\n').outcome, 'allowed');
  assert.equal(judgeProbe('neighbour-port', targets, 200, 'allowed HTTP/1.1 404 Not Found\n').outcome, 'inconclusive', 'something else on that port');
  assert.deepEqual(judgeProbe('neighbour-socket', targets, 200, 'denied ENOENT\n'), { probe: 'neighbour-socket', outcome: 'denied', detail: 'ENOENT' });
  const environ = Buffer.from('LAB_NEIGHBOUR_SECRET=feedface\0').toString('hex');
  assert.equal(judgeProbe('neighbour-env', targets, 200, `allowed ${environ}\n`).outcome, 'allowed');
  assert.equal(judgeProbe('neighbour-env', targets, 200, `allowed ${Buffer.from('PATH=/bin\0').toString('hex')}\n`).outcome, 'denied', "another process's environment: its own pid namespace");
});

test('a read counts as allowed only when it returned the planted bytes', () => {
  assert.equal(judgeProbe('host-file', targets, 200, 'allowed deadbeef\n').outcome, 'allowed');
  assert.equal(judgeProbe('host-file', targets, 200, 'allowed 00\n').outcome, 'inconclusive', 'another file is no evidence either way');
  assert.deepEqual(judgeProbe('host-file', targets, 200, 'denied ENOENT\n'), { probe: 'host-file', outcome: 'denied', detail: 'ENOENT' });
  assert.equal(judgeProbe('host-process', targets, 200, `allowed ${Buffer.from('node\0lab').toString('hex')}\n`).outcome, 'allowed');
  assert.equal(judgeProbe('host-process', targets, 200, 'allowed 2f62696e\n').outcome, 'denied', 'another process table is its own pid namespace');
});

test('the disk decides a write, whatever the tenant says', () => {
  assert.equal(judgeProbe('write-outside', targets, 200, 'denied EACCES\n', 'c0ffee').outcome, 'allowed');
  assert.equal(judgeProbe('write-outside', targets, 200, 'allowed\n').outcome, 'denied', 'it wrote into its own filesystem view');
  assert.equal(judgeProbe('write-outside', targets, 200, 'denied EROFS\n').outcome, 'denied');
});

test('the control port counts as reached only on an HTTP status line; anything but a probe line is inconclusive', () => {
  assert.equal(judgeProbe('control-port', targets, 200, 'allowed HTTP/1.1 200 OK\n').outcome, 'allowed');
  assert.equal(judgeProbe('control-port', targets, 200, 'allowed SSH-2.0\n').outcome, 'inconclusive');
  assert.equal(judgeProbe('control-port', targets, 200, 'denied no-capability\n').outcome, 'denied');
  const crashed = judgeProbe('control-port', targets, 502, 'tenant h1: instance crashed');
  assert.equal(crashed.outcome, 'inconclusive');
  assert.match(crashed.detail, /502/);
});
