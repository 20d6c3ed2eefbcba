import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile } from './containers.js';

test('nearest-rank percentile', () => {
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
  assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
});
