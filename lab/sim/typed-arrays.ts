/**
 * Growable typed arrays for the simulator's slot tables and heaps: an array doubles when an
 * index reaches its end, so a long run allocates only O(log n) times and the hot loop never.
 */

type NumberArray = Float64Array | Int32Array | Uint8Array;

/** `a` when index `need` fits, else a copy at least twice as long whose new slots hold `fill`. */
export function grown<T extends NumberArray>(a: T, need: number, fill = 0): T {
  if (need < a.length) return a;
  const b = new (a.constructor as new (length: number) => T)(Math.max(need + 1, a.length * 2));
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}
