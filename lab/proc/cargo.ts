/**
 * Builds one of the project's Rust crates with cargo (`cargo build --release --locked`): crates
 * come from crates.io at build time, never at run time. Each crate's target folder is under the
 * project's own cache (a build product like dist/, whatever LAB_CACHE_DIR says), so rebuilds are
 * incremental and a test run never rebuilds from scratch. One build per crate per process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { projectRoot } from '../paths.js';

/** A crate of the project and what it builds. */
export interface RustCrate {
  /** Who builds it, for messages (`wasmtime runner`, `load engine`). */
  what: string;
  /** The crate folder, project-relative (`runners/wasmtime/host`). */
  dir: string;
  /** Its binary's name (`[package] name`). */
  binary: string;
  /** The target folder's name under `.cache/`. */
  target: string;
}

/** Options of a build. */
export interface CargoOptions {
  /** Progress lines (a first build takes minutes). */
  log?: (line: string) => void;
}

/** Where the crate's release binary is (built or not). */
export function crateBinary(c: RustCrate): string {
  return join(projectRoot, '.cache', c.target, 'release', c.binary);
}

const building = new Map<string, Promise<string>>();

/** Builds the crate (a no-op when cargo finds it up to date) and returns its binary's path. */
export function buildCrate(c: RustCrate, opts: CargoOptions = {}): Promise<string> {
  let b = building.get(c.dir);
  if (!b) {
    b = runCargo(c, opts).catch((e: unknown) => {
      building.delete(c.dir);
      throw e;
    });
    building.set(c.dir, b);
  }
  return b;
}

function runCargo(c: RustCrate, opts: CargoOptions): Promise<string> {
  const dir = join(projectRoot, c.dir);
  const locked = existsSync(join(dir, 'Cargo.lock'));
  const args = ['build', '--release', ...(locked ? ['--locked'] : [])];
  opts.log?.(`${c.what}: cargo ${args.join(' ')} in ${c.dir} (a first build takes minutes)`);
  return new Promise((resolve, reject) => {
    const child = spawn('cargo', args, { cwd: dir, env: { ...process.env, CARGO_TARGET_DIR: join(projectRoot, '.cache', c.target) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-8000);
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new EnvironmentError(`${c.what}: cargo is not installed; install a Rust toolchain (rustup.rs, Rust >= 1.95) to build ${c.dir}`)
          : new EnvironmentError(`${c.what}: cannot run cargo: ${e.message}`),
      );
    });
    child.once('exit', (code) => {
      if (code === 0 && existsSync(crateBinary(c))) resolve(crateBinary(c));
      else reject(new EnvironmentError(`${c.what}: cargo ${args.join(' ')} in ${c.dir} failed (exit code ${code}); last output:\n${err.trim().split('\n').slice(-25).join('\n')}`));
    });
  });
}
