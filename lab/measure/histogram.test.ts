import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHistogram, encodeHistogram, mergeInto, newHistogram, recordMs, summarise } from './histogram.js';

test('percentiles of a known uniform set are exact to HDR precision', () => {
  const h = newHistogram();
  for (let i = 1; i <= 1000; i++) recordMs(h, i); // 1..1000 ms
  const s = summarise(h);
  assert.equal(s.count, 1000);
  // 3 significant digits: relative error below 0.1 %.
  assert.ok(Math.abs(s.p50 - 500) / 500 < 1e-3, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.p99 - 990) / 990 < 1e-3, `p99 ${s.p99}`);
  assert.ok(Math.abs(s.max - 1000) / 1000 < 1e-3, `max ${s.max}`);
  assert.ok(Math.abs(s.min - 1) < 1e-3);
});

test('a 60 s stall and a 40 us hit fit in one histogram', () => {
  const h = newHistogram();
  recordMs(h, 0.04);
  recordMs(h, 60_000);
  const s = summarise(h);
  assert.ok(Math.abs(s.min - 0.04) < 1e-3);
  assert.ok(Math.abs(s.max - 60_000) / 60_000 < 1e-3);
});

test('encode/decode round-trips and merge adds counts', () => {
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 0; i < 100; i++) recordMs(a, 1 + i / 10);
  for (let i = 0; i < 50; i++) recordMs(b, 20 + i);
  const back = decodeHistogram(encodeHistogram(a));
  assert.equal(back.totalCount, 100);
  assert.equal(back.getValueAtPercentile(50), a.getValueAtPercentile(50));
  mergeInto(back, b);
  assert.equal(back.totalCount, 150);
  assert.equal(summarise(newHistogram()).count, 0);
  assert.equal(decodeHistogram('').totalCount, 0);
});
