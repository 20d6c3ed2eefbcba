/** The tail of a container's output, for error messages about containers that crashed or never became ready. */
import type Docker from 'dockerode';

/** Splits the engine's multiplexed log stream (8-byte frame headers, non-TTY containers) into text. */
export function demuxLogs(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  // Not multiplexed (a TTY container): the bytes are the text.
  return i === 0 && buf.length > 0 ? buf.toString('utf8') : out;
}

/** Last `lines` lines of stdout and stderr, one string, `(no output)` when empty; never throws. */
export async function logsTail(container: Docker.Container, lines: number): Promise<string> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    const text = demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).trim();
    return text === '' ? '(no output)' : text;
  } catch (e) {
    return `(logs unavailable: ${(e as Error).message})`;
  }
}
