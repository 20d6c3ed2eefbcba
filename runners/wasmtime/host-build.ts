/**
 * Builds the Rust host with cargo (`cargo build --release --locked`): crates come from crates.io
 * at build time, never at run time. Cargo's output goes under the project's cache, so local
 * rebuilds are incremental and nothing lands in the repository.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../../lab/errors.js';
import { projectRoot } from '../../lab/paths.js';

/** The host crate. */
export const hostCrateDir = join(projectRoot, 'runners', 'wasmtime', 'host');
/**
 * Cargo's target directory for the host: always the project's own cache (a build product like
 * dist/), even when LAB_CACHE_DIR points artifacts elsewhere, so a test run never rebuilds it.
 */
export const hostTargetDir = (): string => join(projectRoot, '.cache', 'wasmtime-host-target');
/** The built host binary. */
export const hostBinary = (): string => join(hostTargetDir(), 'release', 'edge-pop-wasmtime-host');

/** Options of a host build. */
export interface HostBuildOptions {
  /** Progress lines. */
  log?: (line: string) => void;
}

let building: Promise<string> | undefined;

/** Builds the host (a no-op when cargo finds it up to date) and returns the binary's path. One build per process. */
export function buildHost(opts: HostBuildOptions = {}): Promise<string> {
  building ??= runCargo(opts).catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}

function runCargo(opts: HostBuildOptions): Promise<string> {
  const locked = existsSync(join(hostCrateDir, 'Cargo.lock'));
  const args = ['build', '--release', ...(locked ? ['--locked'] : [])];
  opts.log?.(`wasmtime: cargo ${args.join(' ')} in ${hostCrateDir} (first build takes minutes)`);
  return new Promise((resolve, reject) => {
    const child = spawn('cargo', args, { cwd: hostCrateDir, env: { ...process.env, CARGO_TARGET_DIR: hostTargetDir() }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-8000);
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new EnvironmentError('wasmtime runner: cargo is not installed; install a Rust toolchain (rustup.rs, Rust >= 1.95) to build the host')
          : new EnvironmentError(`wasmtime runner: cannot run cargo: ${e.message}`),
      );
    });
    child.once('exit', (code) => {
      if (code === 0 && existsSync(hostBinary())) resolve(hostBinary());
      else reject(new EnvironmentError(`wasmtime runner: cargo ${args.join(' ')} failed (exit code ${code}); last output:\n${err.trim().split('\n').slice(-25).join('\n')}`));
    });
  });
}
