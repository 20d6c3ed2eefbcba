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
