/** The same-thread watchdog: a synchronous loop is stopped and the thread goes on; results and errors pass through. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GuardTimeoutError, runGuarded } from './guard.js';

describe('runGuarded', () => {
  test('returns the result and rethrows the error of a call that ends in time', () => {
    assert.equal(
      runGuarded(() => 6 * 7, 1000),
      42,
    );
    assert.throws(() => runGuarded(() => {
      throw new RangeError('guest said no');
    }, 1000), RangeError);
  });

  test('terminates a call that loops, and the thread keeps working', () => {
    assert.throws(() => runGuarded(() => {
      for (;;) {
        // a guest stuck in a loop
      }
    }, 50), GuardTimeoutError);
    assert.equal(runGuarded(() => 'alive', 1000), 'alive');
  });
});
