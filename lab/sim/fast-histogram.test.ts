import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHistogram, recordMs } from '../measure/histogram.js';
import { seededRng } from '../traffic/rng.js';
import { FastHistogram } from './fast-histogram.js';

test('the fast histogram has the HDR layout: same percentiles, same counts, after conversion too', () => {
  const rng = seededRng(99);
  const fast = new FastHistogram();
  const hdr = newHistogram();
  // Values across six decades, from sub-microsecond to minutes, to cross many buckets.
  for (let i = 0; i < 20_000; i++) {
    const ms = Math.exp(rng.next() * 18 - 8);
    fast.recordMs(ms);
    recordMs(hdr, ms);
  }
  const converted = fast.toHdr();
  assert.equal(converted.totalCount, hdr.totalCount);
  for (const p of [0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 100]) {
    const want = Math.round(hdr.getValueAtPercentile(p)) / 1000;
    assert.equal(fast.percentileMs(p), want, `p${p}`);
    assert.equal(Math.round(converted.getValueAtPercentile(p)) / 1000, want, `converted p${p}`);
  }
  assert.equal(converted.minNonZeroValue, hdr.minNonZeroValue);
});

test('reset empties it', () => {
  const f = new FastHistogram();
  f.recordMs(3);
  f.reset();
  assert.equal(f.total, 0);
  assert.equal(f.percentileMs(50), 0);
  f.recordMs(7);
  assert.equal(f.percentileMs(50), 7.003);
});

test('hdrPercentileMs gives HDR percentiles exactly, at odd ranks and for a rank past the count (the effective p99) too', () => {
  const rng = seededRng(7);
  for (const n of [1, 3, 99, 100, 101, 12_345]) {
    const fast = new FastHistogram();
    const hdr = newHistogram();
    for (let i = 0; i < n; i++) {
      const ms = Math.exp(rng.next() * 10 - 3);
      fast.recordMs(ms);
      recordMs(hdr, ms);
    }
    for (const p of [0, 1, 50, 90, 99, 99.0000001, 99.9, 100, (99 * (n + 3)) / n]) {
      assert.equal(fast.hdrPercentileMs(p), Math.round(hdr.getValueAtPercentile(p)) / 1000, `n=${n} p${p}`);
    }
  }
});

test('addFrom adds counts, times a host count', () => {
  const a = new FastHistogram();
  const b = new FastHistogram();
  a.recordMs(1);
  b.recordMs(5);
  b.recordMs(9);
  a.addFrom(b, 3);
  assert.equal(a.total, 7);
  const h = a.toHdr();
  assert.equal(h.totalCount, 7);
  assert.equal(a.hdrPercentileMs(50), Math.round(h.getValueAtPercentile(50)) / 1000);
  assert.equal(a.hdrPercentileMs(100), Math.round(h.getValueAtPercentile(100)) / 1000);
  assert.equal(a.hdrPercentileMs(50), Math.round(h.getValueAtPercentile(50)) / 1000);
  assert.ok(a.hdrPercentileMs(50) >= 5 && a.hdrPercentileMs(50) < 5.01);
  a.addFrom(new FastHistogram(), 5);
  assert.equal(a.total, 7);
});
