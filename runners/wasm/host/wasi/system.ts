/**
 * wasi:cli, wasi:clocks, wasi:random and wasi:filesystem for a guest that owns nothing of the
 * host: no arguments, no environment, no preopened directory, an empty stdin, and stdout/stderr
 * handed to a per-instance log sink. Clocks and randomness are real (the lab's workloads are
 * deterministic by their own rules, not by the host's).
 */
import { randomFillSync } from 'node:crypto';
import { InputStream, OutputStream, Pollable, type ByteSink } from './io.js';

/** wasi:clocks/monotonic-clock: nanoseconds from process.hrtime. */
export const monotonicClock = {
  now: (): bigint => process.hrtime.bigint(),
  resolution: (): bigint => 1n,
  subscribeInstant: (when: bigint): Pollable => new Pollable(when),
  subscribeDuration: (d: bigint): Pollable => new Pollable(process.hrtime.bigint() + d),
};

/** wasi:clocks/wall-clock. */
export const wallClock = {
  now: (): { seconds: bigint; nanoseconds: number } => {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
  },
  resolution: (): { seconds: bigint; nanoseconds: number } => ({ seconds: 0n, nanoseconds: 1_000_000 }),
};

// randomFillSync refuses more than 2^31-1 bytes; a guest asking that much is broken anyway.
function randomBytes(len: bigint): Uint8Array {
  return randomFillSync(new Uint8Array(Number(len)));
}

function randomU64(): bigint {
  return new DataView(randomBytes(8n).buffer).getBigUint64(0, true);
}

/** wasi:random/random, insecure and insecure-seed: all from the OS CSPRNG (cheap enough at edge sizes). */
export const random = { getRandomBytes: randomBytes, getRandomU64: randomU64 };
export const insecureRandom = { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 };
export const insecureSeed = { insecureSeed: (): [bigint, bigint] => [randomU64(), randomU64()] };

/** wasi:cli/terminal-input and terminal-output: no stream is a terminal here. */
export class TerminalInput {}
export class TerminalOutput {}

/** wasi:filesystem/types.descriptor: none is ever handed out, since there are no preopens. */
export class Descriptor {}
/** wasi:filesystem/types.directory-entry-stream: made only from a descriptor, so never. */
export class DirectoryEntryStream {}

/** A guest's stdout/stderr, and what it gets for stdin. */
export interface GuestStdio {
  stdout: ByteSink;
  stderr: ByteSink;
}

/** wasi:cli/* interfaces of one instance, keyed by unversioned interface name. */
export function cliImports(stdio: GuestStdio): Record<string, Record<string, unknown>> {
  const stdin = new InputStream(new Uint8Array(0));
  const stdout = new OutputStream(stdio.stdout);
  const stderr = new OutputStream(stdio.stderr);
  return {
    'wasi:cli/environment': { getEnvironment: (): [string, string][] => [], getArguments: (): string[] => [], initialCwd: (): undefined => undefined },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }): never => {
        throw new Error(`guest called wasi:cli/exit (${status.tag === 'ok' ? 'success' : 'failure'})`);
      },
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: (): undefined => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: (): undefined => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: (): undefined => undefined },
  };
}

/** wasi:filesystem: no preopened directory, so a guest can name no file at all. */
export const filesystemImports = {
  'wasi:filesystem/preopens': { getDirectories: (): [Descriptor, string][] => [] },
  'wasi:filesystem/types': { Descriptor, DirectoryEntryStream, filesystemErrorCode: (): undefined => undefined },
};
