/**
 * The files a Node binary needs to run in an empty (FROM scratch) image: the binary and every
 * shared library `ldd` lists, the dynamic loader included. Each file keeps the path ldd names,
 * with the content of the file it resolves to (merged-/usr symlinks are followed), so the image
 * holds exactly what the host's loader would load.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { EnvironmentError } from '../../../lab/errors.js';

/** One file of the runtime: where it goes in the image and where its bytes come from. */
export interface RuntimeFile {
  /** Absolute path in the image. */
  imagePath: string;
  /** Real file on the host. */
  hostPath: string;
  mode: number;
}

/** Parses `ldd` output into the absolute library paths it lists (vdso has no file and is skipped). */
export function parseLdd(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const arrow = /=>\s+(\/\S+)\s+\(/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path) out.push(path);
    else if (/=>\s+not found/.test(line)) throw new EnvironmentError(`ldd: a library is missing on this host: ${line.trim()}`);
  }
  return out;
}

/** The node binary (`nodePath`, default the running one) and its libraries. */
export function nodeRuntimeFiles(nodePath: string = process.execPath): RuntimeFile[] {
  const text = execFileSync('ldd', [nodePath], { encoding: 'utf8' });
  const files: RuntimeFile[] = [{ imagePath: nodePath, hostPath: realpathSync(nodePath), mode: 0o755 }];
  for (const lib of parseLdd(text)) {
    const real = realpathSync(lib);
    files.push({ imagePath: lib, hostPath: real, mode: statSync(real).mode & 0o777 });
  }
  return files;
}
