/**
 * Small static helpers a runner compiles from C once per source digest (musl-gcc -static, like
 * the C workloads' servers) and caches: the container runner's network-namespace holder, the
 * process runner's cgroup joiner. Built on first use, never downloaded.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { sha256 } from '../../lab/digest.js';
import { cacheDir } from '../../lab/paths.js';
import { EnvironmentError } from '../../lab/errors.js';

const run = promisify(execFile);

/** Compiles `src` (once per content) into `<cache>/<runner>/<name>/<key>/<name>`; returns the binary's path. `what` names it in errors. */
export async function staticHelperBinary(runner: string, name: string, src: string, what: string): Promise<string> {
  const key = sha256(readFileSync(src)).slice(7, 23);
  const out = join(cacheDir, runner, name, key, name);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await run('musl-gcc', ['-static', '-s', '-O2', '-Wall', '-Werror', '-o', tmp, src]);
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new EnvironmentError(`${runner} runner: musl-gcc is not installed (bash scripts/setup-c-toolchain.sh installs musl-tools); ${what} needs it`);
    throw new EnvironmentError(`${runner} runner: building ${what} failed: ${(err.stderr ?? err.message).trim()}`);
  }
  // Atomic: a concurrent builder's binary is the same bytes.
  renameSync(tmp, out);
  return out;
}
