/**
 * The files a dynamically linked program needs in an empty (FROM scratch) root file system: the
 * program and every shared library `ldd` lists, the dynamic loader included. Each file keeps the
 * path ldd names, with the content of the file it resolves to (merged-/usr symlinks are
 * followed), so the image holds exactly what the host's loader would load. Used for the Node
 * runtime of JS images and the CPython runtime (and its extension modules) of Python images.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { EnvironmentError } from '../errors.js';

/** One file of a root file system: where it goes and where its bytes come from. */
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

/** The shared libraries `binary` loads (an executable or a shared object), as image files. */
export function sharedLibraryFiles(binary: string): RuntimeFile[] {
  return parseLdd(execFileSync('ldd', [binary], { encoding: 'utf8' })).map((lib) => {
    const real = realpathSync(lib);
    return { imagePath: lib, hostPath: real, mode: statSync(real).mode & 0o777 };
  });
}

/** `program` (kept at its own path) and its libraries. */
export function programRuntimeFiles(program: string): RuntimeFile[] {
  return [{ imagePath: program, hostPath: realpathSync(program), mode: 0o755 }, ...sharedLibraryFiles(program)];
}
