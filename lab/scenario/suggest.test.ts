import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestMatch, didYouMean } from './suggest.js';

test('suggests the closest name for typos, swaps and dropped unit suffixes', () => {
  assert.equal(closestMatch('jwt-verfy', ['hello', 'jwt-verify']), 'jwt-verify');
  assert.equal(closestMatch('wams', ['process', 'wasm']), 'wasm');
  assert.equal(closestMatch('memory', ['memoryGiB', 'cores']), 'memoryGiB');
  assert.equal(closestMatch('Rate', ['rate', 'durationSeconds']), 'rate');
});

test('suggests nothing for unrelated words', () => {
  assert.equal(closestMatch('dokker', ['process', 'wasm']), undefined);
  assert.equal(didYouMean('foo', ['name', 'host']), '');
  assert.equal(didYouMean('hots', ['name', 'host']), " (did you mean 'host'?)");
});
