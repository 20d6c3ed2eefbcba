/**
 * The `process` runner: each tenant instance is a bare Node child process running the workload's
 * Node packaging server; a PoP host process of its own (host.ts) routes, pools and proxies.
 * Running the host apart from the lab keeps the lab's load generator and the measured PoP from
 * sharing an event loop, and makes "host USS" a clean fixed overhead.
 */
import { existsSync, statSync } from 'node:fs';
import { sha256File } from '../../lab/digest.js';
import { EnvironmentError } from '../../lab/errors.js';
import { nodeServerScript } from '../../workloads/packaging/node/launch.js';
import { loadWorkload } from '../../workloads/registry.js';
import { languageOf } from '../../workloads/languages/index.js';
import type { ProcessArtifact } from '../../workloads/languages/language.js';
import type { ArtifactInfo, LaunchPlan, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { checkOptions, numberOption, parsed, type NumericOption } from '../kit/options.js';
import { hostFiles, launchHost, type HostPopHandle } from '../kit/launch.js';
import type { ProcessHostPlan, ProcessOptions } from './plan.js';

const OPTIONS: Record<string, NumericOption> = {
  spares: { kind: 'integer', min: 0 },
};

/** Generous: start-up includes filling spare pools, and this is not a measurement. */
const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Seams for tests: where handlers and the packaging server come from. */
export interface ProcessRunnerDeps {
  /** A test handler module to serve for `workload` instead of its own artifact (undefined: the workload's language decides). */
  resolveHandler?(workload: string): string | undefined;
  /** The Node packaging server entry script. Default: the compiled workloads/packaging/node/server.js. */
  serverScript?: string;
  /** Deadline for the host to serve, milliseconds. */
  startTimeoutMs?: number;
}

/** A launched PoP, with the host's pid for leak checks. */
export type ProcessPopHandle = HostPopHandle;

/** Builds a process runner; `processRunner` is the registered one. */
export function createProcessRunner(deps: ProcessRunnerDeps = {}): Runner<ProcessOptions> {
  const serverScript = deps.serverScript ?? nodeServerScript;
  const hostScript = new URL('./host/main.js', import.meta.url);
  const requireBuilt = (path: string, what: string): void => {
    if (!existsSync(path)) throw new EnvironmentError(`process runner: ${what} ${path} does not exist; build the project first (npm run build)`);
  };
  /** What an instance of `workload` runs: a test handler when the seam gives one, else the artifact its language builds. */
  const artifactOf = async (workload: string): Promise<ProcessArtifact> => {
    const test = deps.resolveHandler?.(workload);
    if (test !== undefined) {
      requireBuilt(test, `handler of test workload ${workload}`);
      return { kind: 'node-module', packaging: 'node', file: { path: test, digest: sha256File(test), sizeBytes: statSync(test).size } };
    }
    const w = loadWorkload(workload);
    return languageOf(w).processArtifact(w);
  };

  return {
    name: 'process',

    parseOptions: (raw) => parsed(checkOptions('process', raw, OPTIONS), () => ({ spares: numberOption(raw, 'spares', 0) })),

    async prepare(workloads: string[]): Promise<PreparedRuntime> {
      requireBuilt(serverScript, 'Node packaging server');
      const artifacts: ArtifactInfo[] = [];
      for (const name of workloads) {
        // A compiled workload's bare process is its static server: the baseline that separates
        // container mechanics from process start-up for compiled code too.
        const a = await artifactOf(name);
        artifacts.push({ workload: name, packaging: a.packaging, digest: a.file.digest, sourceDigest: loadWorkload(name).sourceDigest, sizeBytes: a.file.sizeBytes, path: a.file.path });
      }
      return { artifacts, versions: { node: process.version } };
    },

    async launch(plan: LaunchPlan<ProcessOptions>): Promise<ProcessPopHandle> {
      requireBuilt(serverScript, 'Node packaging server');
      const handlers: Record<string, string> = {};
      const natives: Record<string, string> = {};
      for (const t of plan.tenants) {
        if (handlers[t.workload] || natives[t.workload]) continue;
        const a = await artifactOf(t.workload);
        if (a.kind === 'executable') natives[t.workload] = a.file.path;
        else handlers[t.workload] = a.file.path;
      }
      const { logPath } = hostFiles(plan.workDir, 'process');
      const hostPlan: ProcessHostPlan = { plan, serverScript, handlers, natives, logPath };
      return launchHost({ runner: 'process', program: { kind: 'node', script: hostScript }, plan: hostPlan, workDir: plan.workDir, startTimeoutMs: deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS });
    },
  };
}

/** The registered `process` runner. Options: `spares` (spare instances per tenant, default 0). */
export const processRunner: Runner<ProcessOptions> = createProcessRunner();
