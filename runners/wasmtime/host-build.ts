/** The Rust host crate (runners/wasmtime/host) and its build: cargo, through the project's one crate builder. */
import { buildCrate, type CargoOptions, type RustCrate } from '../../lab/proc/cargo.js';

const HOST: RustCrate = { what: 'wasmtime runner', dir: 'runners/wasmtime/host', binary: 'edge-pop-wasmtime-host', target: 'wasmtime-host-target' };

/** Options of a host build. */
export type HostBuildOptions = CargoOptions;

/** Builds the host (a no-op when cargo finds it up to date) and returns the binary's path. */
export function buildHost(opts: HostBuildOptions = {}): Promise<string> {
  return buildCrate(HOST, opts);
}
