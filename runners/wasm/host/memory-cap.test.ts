/** The memory cap written into a core module: V8 enforces it at `memory.grow`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capMemories, MemoryCapError } from './memory-cap.js';

/** A module with one memory of `min` pages (and `max`, if given) and an exported `grow(delta) -> old size | -1`. */
function moduleWith(min: number, max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, min] : [0x01, min, max];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type: (i32) -> i32
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x05, 1 + limits.length, 0x01, ...limits, // memory
    0x07, 0x08, 0x01, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, // export "grow"
    0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, // memory.grow(local 0)
  ]);
}

function grow(bytes: Uint8Array, delta: number): number {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return (inst.exports.grow as (d: number) => number)(delta);
}

test('a module without a maximum gets the cap: growing past it fails in the guest, up to it succeeds', () => {
  const capped = capMemories(moduleWith(2), 4);
  assert.equal(grow(capped, 2), 2, 'to 4 pages: allowed');
  assert.equal(grow(capped, 3), -1, 'to 5 pages: refused');
  assert.equal(grow(moduleWith(2), 3), 2, 'uncapped, the same grow succeeds');
});

test("a module's own smaller maximum stays; one starting above the cap is refused with why", () => {
  assert.equal(grow(capMemories(moduleWith(1, 2), 100), 2), -1, 'its own max of 2 pages stays');
  assert.throws(() => capMemories(moduleWith(10), 4), (e: unknown) => e instanceof MemoryCapError && /starts at 10 pages/.test((e as Error).message));
});
