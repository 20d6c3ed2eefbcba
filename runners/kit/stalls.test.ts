/** The stall recorder: what it keeps, what it drops, and that the log drains. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StallRecord } from '../../lab/pop/contract.js';
import { StallLog, StallRecorder } from './stalls.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('a timed segment is kept from the threshold up; bookkeeping always', () => {
  const got: StallRecord[] = [];
  const r = new StallRecorder('main', (x) => got.push(x), 5);
  r.time('guest-call', 'tenant-a', () => busy(1));
  r.time('guest-call', 'tenant-b', () => busy(8));
  r.time('lab-stats', undefined, () => undefined);
  assert.deepEqual(got.map((x) => [x.cause, x.detail]), [['guest-call', 'tenant-b'], ['lab-stats', undefined]]);
  assert.ok(got[0]!.ms >= 8);
  // Wall-clock placement: within this test's lifetime.
  assert.ok(Math.abs(got[0]!.atEpochMs - Date.now()) < 5_000);
});

test('a blocked event loop that no timed segment explains is recorded as event-loop lag; a GC as gc', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const log = new StallLog(3);
  const at = (): number => performance.timeOrigin + performance.now();
  log.main.start();
  let blocked: [number, number];
  let timed: [number, number];
  try {
    await sleep(30);
    blocked = [at(), 0];
    busy(60);
    blocked[1] = at();
    await sleep(40);
    timed = [at(), 0];
    log.main.time('instantiate', 't', () => busy(60));
    timed[1] = at();
    await sleep(40);
    gc();
    await sleep(30);
  } finally {
    log.main.stop();
  }
  const t = log.timeline(true);
  const overlap = (s: StallRecord, [a, b]: [number, number]): number => Math.min(b, s.atEpochMs + s.ms) - Math.max(a, s.atEpochMs);
  const lag = t.stalls.filter((s) => s.cause === 'event-loop');
  assert.ok(lag.some((s) => overlap(s, blocked) >= 30), JSON.stringify(t.stalls));
  // The timed segment explains its own lag: no lag record covers most of it.
  assert.ok(!lag.some((s) => overlap(s, timed) >= 30), JSON.stringify(t.stalls));
  assert.equal(t.stalls.filter((s) => s.cause === 'instantiate').length, 1);
  assert.equal(t.totals['main/instantiate']!.count, 1);
  // Drained: the records are gone, the totals stay.
  const again = log.timeline(false);
  assert.equal(again.stalls.length, 0);
  assert.equal(again.totals['main/instantiate']!.count, 1);
});

test('a forced full GC is recorded as a major GC', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const got: StallRecord[] = [];
  // Threshold 0: a full GC of a small heap may take under a millisecond.
  const r = new StallRecorder('main', (x) => got.push(x), 0).start();
  try {
    gc();
    await sleep(20);
  } finally {
    r.stop();
  }
  assert.ok(got.some((s) => s.cause === 'gc' && s.detail === 'major'), JSON.stringify(got));
});
