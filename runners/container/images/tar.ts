/**
 * A minimal POSIX ustar writer for build contexts and base root file systems. The engine takes
 * contexts as tar streams; writing them here (deterministic headers, mtime 0) makes the bytes a
 * function of the content alone, so their digest is the image cache key.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';

/** One regular file of an archive: bytes in memory or a file on disk. */
export interface TarEntry {
  /** Path inside the archive, relative, `/`-separated. */
  path: string;
  mode: number;
  source: { bytes: Uint8Array } | { file: string };
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  // ustar: a path longer than 100 bytes is split at a slash into prefix (155) and name (100).
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(path: string, size: number, mode: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { name, prefix } = splitPath(path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii'); // mtime: 0, so the bytes depend on content only
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder (spaces) while summing
  h.write('0', 156, 1, 'ascii'); // regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function sizeOf(e: TarEntry): number {
  return 'bytes' in e.source ? e.source.bytes.byteLength : statSync(e.source.file).size;
}

async function* chunks(entries: TarEntry[]): AsyncGenerator<Uint8Array> {
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const size = sizeOf(e);
    yield header(e.path, size, e.mode);
    if ('bytes' in e.source) yield e.source.bytes;
    else {
      let read = 0;
      for await (const c of createReadStream(e.source.file)) {
        read += (c as Buffer).length;
        yield c as Buffer;
      }
      if (read !== size) throw new Error(`tar: ${e.source.file} changed size while archived (${size} -> ${read})`);
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad, 0);
  }
  yield Buffer.alloc(BLOCK * 2, 0);
}

/** The archive as a stream (entries sorted by path: same content, same bytes). */
export function tarStream(entries: TarEntry[]): Readable {
  const out = new PassThrough();
  (async () => {
    for await (const c of chunks(entries)) if (!out.write(c)) await new Promise((r) => out.once('drain', r));
    out.end();
  })().catch((e: unknown) => out.destroy(e as Error));
  return out;
}

/** `sha256:<hex>` of the archive's bytes, without keeping them. */
export async function tarDigest(entries: TarEntry[]): Promise<string> {
  const h = createHash('sha256');
  for await (const c of chunks(entries)) h.update(c);
  return `sha256:${h.digest('hex')}`;
}
