/**
 * The `process` runner: each tenant instance is a bare Node child process running the workload's
 * Node packaging server; a PoP host process of its own (host.ts) routes, pools and proxies.
 * Running the host apart from the lab keeps the lab's load generator and the measured PoP from
 * sharing an event loop, and makes "host USS" a clean fixed overhead.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../../lab/digest.js';
import { workloadsDir } from '../../lab/paths.js';
import { EnvironmentError, ExitCode, LabError } from '../../lab/errors.js';
import { nodeServerScript } from '../../workloads/packaging/node/launch.js';
import { loadWorkload } from '../../workloads/registry.js';
import { buildCWorkload } from '../../workloads/c/build.js';
import type { ArtifactInfo, LaunchPlan, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { checkOptions, numberOption, type NumericOption } from '../kit/options.js';
import { attachHost, type HostPopHandle } from '../kit/launch.js';
import { writeHostPlan } from './plan.js';

const OPTIONS: Record<string, NumericOption> = {
  spares: { kind: 'integer', min: 0 },
};

/** Generous: start-up includes filling spare pools, and this is not a measurement. */
const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Seams for tests: where handlers and the packaging server come from. */
export interface ProcessRunnerDeps {
  /** Compiled handler module of a workload. Default: the workload registry's `handlerPath`. */
  resolveHandler?(workload: string): string;
  /** The Node packaging server entry script. Default: the compiled workloads/packaging/node/server.js. */
  serverScript?: string;
  /** Deadline for the host to serve, milliseconds. */
  startTimeoutMs?: number;
}

/** A launched PoP, with the host's pid for leak checks. */
export type ProcessPopHandle = HostPopHandle;

/** Builds a process runner; `processRunner` is the registered one. */
export function createProcessRunner(deps: ProcessRunnerDeps = {}): Runner {
  const resolveHandler = deps.resolveHandler ?? ((w: string) => loadWorkload(w).handlerPath);
  const serverScript = deps.serverScript ?? nodeServerScript;
  const hostScript = new URL('./host/main.js', import.meta.url);

  // Test tenants may name handlers that are not registered workloads: only a registered C workload is compiled.
  const isCompiled = (w: string): boolean => existsSync(join(workloadsDir, w, 'workload.json')) && loadWorkload(w).manifest.language === 'c';
  const requireBuilt = (path: string, what: string): void => {
    if (!existsSync(path)) throw new EnvironmentError(`process runner: ${what} ${path} does not exist; build the project first (npm run build)`);
  };

  return {
    name: 'process',

    validateOptions(options: Record<string, unknown>): string[] {
      return checkOptions('process', options, OPTIONS);
    },

    async prepare(workloads: string[]): Promise<PreparedRuntime> {
      requireBuilt(serverScript, 'Node packaging server');
      const artifacts: ArtifactInfo[] = [];
      for (const name of workloads) {
        const w = loadWorkload(name);
        if (w.manifest.language === 'c') {
          // A compiled workload's bare process is its static server: the baseline that separates
          // container mechanics from process start-up for compiled code too.
          const server = (await buildCWorkload(name)).server;
          artifacts.push({ workload: name, packaging: 'native-static', digest: server.digest, sourceDigest: w.sourceDigest, sizeBytes: server.sizeBytes, path: server.path });
          continue;
        }
        const handlerPath = resolveHandler(name);
        requireBuilt(handlerPath, `compiled handler of workload ${name}`);
        artifacts.push({ workload: name, packaging: 'node', digest: sha256File(handlerPath), sourceDigest: w.sourceDigest, sizeBytes: statSync(handlerPath).size, path: handlerPath });
      }
      return { artifacts, versions: { node: process.version } };
    },

    async launch(plan: LaunchPlan): Promise<ProcessPopHandle> {
      const problems = checkOptions('process', plan.options, OPTIONS);
      if (problems.length > 0) throw new LabError(`process runner: ${problems.join('; ')}`, ExitCode.invalidInput);
      requireBuilt(serverScript, 'Node packaging server');
      const handlers: Record<string, string> = {};
      const natives: Record<string, string> = {};
      for (const t of plan.tenants) {
        if (handlers[t.workload] || natives[t.workload]) continue;
        if (isCompiled(t.workload)) {
          natives[t.workload] = (await buildCWorkload(t.workload)).server.path;
          continue;
        }
        const path = resolveHandler(t.workload);
        requireBuilt(path, `compiled handler of workload ${t.workload}`);
        handlers[t.workload] = path;
      }
      mkdirSync(plan.workDir, { recursive: true });
      const planPath = join(plan.workDir, 'process-host.plan.json');
      const logPath = join(plan.workDir, 'process-host.log');
      writeHostPlan(planPath, { plan, serverScript, handlers, natives, spares: numberOption(plan.options, 'spares', 0), logPath });
      const log = openSync(logPath, 'a');
      let host: ChildProcess;
      try {
        host = fork(hostScript, [planPath], {
          stdio: ['ignore', log, log, 'ipc'],
          execArgv: [],
          // Its own process group: a terminal's Ctrl-C reaches the lab only, which then stops the
          // host in order (partial results stay consistent); if the lab dies instead, the IPC
          // channel closing stops the host all the same.
          detached: true,
          serialization: 'json',
        });
      } finally {
        closeSync(log);
      }
      const timeoutMs = deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      return attachHost('process', host, { channel: 'ipc', logPath, startTimeoutMs: timeoutMs });
    },
  };
}

/** The registered `process` runner. Options: `spares` (spare instances per tenant, default 0). */
export const processRunner: Runner = createProcessRunner();
