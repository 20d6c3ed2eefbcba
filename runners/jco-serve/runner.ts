/**
 * The `jco-serve` runner: `jco serve` of the project's own `@bytecodealliance/jco` (the same jco
 * the V8 host transpiles with), serving each workload's component on Node: the reference for
 * the lab's V8 host. `isolate` chooses its model: `instance` (the default here) gives every
 * request a fresh component instance, the WASI 0.2 model; `worker` a fresh worker thread;
 * `none` one instance for every request. It speaks no PoP protocol, so it is measured
 * client-side only, like any endpoint.
 *
 * Options: `isolate` (`instance` | `worker` | `none`), `components` (bring your own).
 */
import type { LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { jcoCliPath, toolVersions } from '../../workloads/components/tools.js';
import { componentsOptionProblems, resolveComponents, WASM_EXTENDED_CONST_FLAG } from '../components/components.js';
import { plainOnlyConformance } from '../kit/endpoint.js';
import { checkOptions, parsed } from '../kit/options.js';
import { launchReferenceServers } from '../kit/reference-hosts.js';

const ISOLATE = ['instance', 'worker', 'none'] as const;

/** The runner's options. */
export interface JcoServeOptions {
  isolate: (typeof ISOLATE)[number];
  components: Record<string, string>;
}

/** The registered `jco-serve` runner. */
export const jcoServeRunner: Runner<JcoServeOptions> = {
  name: 'jco-serve',

  parseOptions: (raw) => {
    const problems = [...checkOptions('jco-serve', raw, {}, ['isolate', 'components']), ...componentsOptionProblems(raw.components)];
    if (raw.isolate !== undefined && !(ISOLATE as readonly unknown[]).includes(raw.isolate)) problems.push(`options.isolate: must be one of ${ISOLATE.join(', ')}, got ${JSON.stringify(raw.isolate)}`);
    return parsed(problems, () => ({ isolate: (raw.isolate as JcoServeOptions['isolate'] | undefined) ?? 'instance', components: { ...((raw.components as Record<string, string> | undefined) ?? {}) } }));
  },

  conformance: plainOnlyConformance('jco serve'),

  async prepare(workloads: string[], o: JcoServeOptions): Promise<PreparedRuntime> {
    const resolved = await resolveComponents(workloads, o.components);
    return {
      artifacts: Object.entries(resolved).map(([w, c]) => ({ workload: w, packaging: 'wasm-component', digest: c.digest, sourceDigest: c.sourceDigest, sizeBytes: c.sizeBytes, path: c.file })),
      versions: { jco: toolVersions.jco, node: process.version, isolate: o.isolate },
    };
  },

  async launch(plan: LaunchPlan<JcoServeOptions>): Promise<PopHandle> {
    const workloads = plan.tenants.map((t) => t.workload);
    const resolved = await resolveComponents(workloads, plan.options.components);
    const isolate = plan.options.isolate === 'none' ? [] : ['--isolate-requests', plan.options.isolate];
    return launchReferenceServers({
      runner: 'jco-serve',
      workDir: plan.workDir,
      workloads,
      command: (w, port) => [process.execPath, jcoCliPath, 'serve', resolved[w]!.file, '--port', String(port), '--host', '127.0.0.1', ...isolate],
      // jco serve runs the transpiled component in a child node, whose flags it takes from here.
      env: { JCO_RUN_ARGS: WASM_EXTENDED_CONST_FLAG },
      // jco transpiles the component at start: seconds for StarlingMonkey; not a measurement.
      startTimeoutMs: 120_000,
    });
  },
};
