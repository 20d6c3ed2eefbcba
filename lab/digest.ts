/** Content digests used for caching and for the reproducibility record. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `sha256:<hex>` of some bytes or text. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `sha256:<hex>` of a file's bytes. */
export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}
