/**
 * The V8 host's per-instance memory limit: a component's core module defines its own linear
 * memory and V8 gives the embedder no cap to set on it, so the limit is written into the module
 * itself before it is compiled. Each memory the module defines gets a maximum of at most
 * `maxPages` (64 KiB each); `memory.grow` past it then fails inside the guest, as Wasmtime's
 * Store limiter makes it fail there. Imported memories are the defining module's to cap.
 */

/** Why a module's memories cannot take the cap (memory64 or shared memories: left to the caller to report). */
export class MemoryCapError extends Error {}

function readLeb(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++]!;
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [v, at];
  }
}

function leb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

/** `module` with every defined memory's maximum set to min(its own, `maxPages`); throws MemoryCapError if a memory's minimum is already above it. */
export function capMemories(module: Uint8Array, maxPages: number): Uint8Array {
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let at = 8;
  while (at < module.length) {
    const id = module[at]!;
    const [size, bodyAt] = readLeb(module, at + 1);
    const end = bodyAt + size;
    if (id !== 5) {
      parts.push(module.subarray(at, end));
      at = end;
      continue;
    }
    let p = bodyAt;
    let count: number;
    [count, p] = readLeb(module, p);
    const body: number[] = [...leb(count)];
    for (let i = 0; i < count; i++) {
      const flags = module[p++]!;
      if (flags & 0x06) throw new MemoryCapError(`memory ${i} is ${flags & 0x04 ? '64-bit' : 'shared'}: its limit is not capped by this host`);
      let min: number;
      [min, p] = readLeb(module, p);
      let max = maxPages;
      if (flags & 0x01) {
        let own: number;
        [own, p] = readLeb(module, p);
        max = Math.min(own, maxPages);
      }
      if (min > max) throw new MemoryCapError(`memory ${i} starts at ${min} pages (${(min / 16).toFixed(1)} MiB), above the limit of ${max} pages`);
      body.push(0x01, ...leb(min), ...leb(max));
    }
    parts.push(Uint8Array.from([5, ...leb(body.length), ...body]));
    at = end;
  }
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}
