/**
 * The `wasmtime-serve` runner: the reference host users of this field trust, `wasmtime serve`
 * of crates.io `wasmtime-cli` =48.0.8 (the same Wasmtime as the lab's own host), serving each
 * workload's component, run the fair way: the pooling allocator on (`-O pooling-allocator=y`;
 * without it ~10x less throughput, wasmtime#8034), no `-W timeout` (an epoch thread per request,
 * wasmtime#11814), a fresh instance per request (its model). Setup builds it into
 * `.cache/wasmtime-cli`; nothing is downloaded at run time. It speaks no PoP protocol, so it is
 * measured client-side only, like any endpoint.
 *
 * Options: `components` (`{ <workload>: <file.wasm> }`, bring your own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../../lab/errors.js';
import { projectRoot } from '../../lab/paths.js';
import type { LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { componentsOptionProblems, resolveComponents } from '../components/components.js';
import { launchReferenceServers } from '../kit/reference-hosts.js';
import { checkOptions, parsed } from '../kit/options.js';
import { plainOnlyConformance } from '../kit/endpoint.js';

/** The version setup builds, with the features the lab's host has. */
export const WASMTIME_CLI_VERSION = '48.0.8';

/** The runner's options. */
export interface WasmtimeServeOptions {
  components: Record<string, string>;
}

/** The `wasmtime` binary setup built. */
export function wasmtimeCli(): string {
  const bin = join(projectRoot, '.cache', 'wasmtime-cli', 'bin', 'wasmtime');
  if (!existsSync(bin)) {
    throw new EnvironmentError(`wasmtime-serve runner: ${bin} is not built; run bash scripts/setup.sh (cargo install wasmtime-cli --version =${WASMTIME_CLI_VERSION} --no-default-features --features serve,...)`);
  }
  return bin;
}

/** The registered `wasmtime-serve` runner. */
export const wasmtimeServeRunner: Runner<WasmtimeServeOptions> = {
  name: 'wasmtime-serve',

  parseOptions: (raw) =>
    parsed([...checkOptions('wasmtime-serve', raw, {}, ['components']), ...componentsOptionProblems(raw.components)], () => ({
      components: { ...((raw.components as Record<string, string> | undefined) ?? {}) },
    })),

  conformance: plainOnlyConformance('wasmtime serve'),

  async prepare(workloads: string[], o: WasmtimeServeOptions): Promise<PreparedRuntime> {
    const bin = wasmtimeCli();
    const resolved = await resolveComponents(workloads, o.components);
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return {
      artifacts: Object.entries(resolved).map(([w, c]) => ({ workload: w, packaging: 'wasm-component', digest: c.digest, sourceDigest: c.sourceDigest, sizeBytes: c.sizeBytes, path: c.file })),
      versions: { wasmtimeCli: version, flags: '-O pooling-allocator=y -S cli=y' },
    };
  },

  async launch(plan: LaunchPlan<WasmtimeServeOptions>): Promise<PopHandle> {
    const bin = wasmtimeCli();
    const workloads = plan.tenants.map((t) => t.workload);
    const resolved = await resolveComponents(workloads, plan.options.components);
    return launchReferenceServers({
      runner: 'wasmtime-serve',
      workDir: plan.workDir,
      workloads,
      // `-S cli=y`: the WASI CLI interfaces (clocks, random, environment) the lab's own host also
      // links, which StarlingMonkey components import; without it `serve` offers the proxy world only.
      command: (w, port) => [bin, 'serve', '-O', 'pooling-allocator=y', '-S', 'cli=y', '--addr', `127.0.0.1:${port}`, resolved[w]!.file],
      // Compiling a StarlingMonkey component takes seconds; not a measurement.
      startTimeoutMs: 120_000,
    });
  },
};
