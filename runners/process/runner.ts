/**
 * The `process` runner: each tenant instance is a bare OS process: the workload's bare-process
 * artifact as its language builds it (a JS module behind the Node packaging server, or a static
 * executable); a PoP host process of its own (host/main.ts) routes, pools and proxies. Running
 * the host apart from the lab keeps the lab's load generator and the measured PoP from sharing
 * an event loop, and makes "host USS" a clean fixed overhead.
 *
 * Options: `spares` (spare instances per tenant, default 0); `handlers` (`{ <workload>: <path
 * to a JS module exporting handle> }`: bring your own handler, run by the Node packaging server
 * for tenants of that workload).
 */
import { everyProbe } from '../../lab/isolation/probes.js';
import { handlerDeadlineLine } from '../kit/pool.js';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256File } from '../../lab/digest.js';
import { EnvironmentError, ExitCode, LabError } from '../../lab/errors.js';
import type { ArtifactInfo, LaunchPlan, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { languageOf } from '../../workloads/languages/index.js';
import type { ProcessArtifact } from '../../workloads/languages/language.js';
import { nodeServerScript } from '../../workloads/packaging/node/launch.js';
import { loadWorkload } from '../../workloads/registry.js';
import { hostFiles, launchHost, type HostPopHandle } from '../kit/launch.js';
import { checkOptions, numberOption, parsed, type NumericOption } from '../kit/options.js';
import type { ProcessHostPlan, ProcessOptions } from './plan.js';
import { cgroupIsolation, cgroupsUnavailable } from './host/cgroups.js';
import { staticHelperBinary } from '../kit/static-helper.js';
import { projectRoot } from '../../lab/paths.js';
import { DEFAULT_TENANT_LIMITS } from '../../lab/scenario/types.js';

const OPTIONS: Record<string, NumericOption> = {
  spares: { kind: 'integer', min: 0 },
};
const WORKLOAD_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Generous: start-up includes filling spare pools, and this is not a measurement. */
const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Seams for tests. */
export interface ProcessRunnerDeps {
  /** Deadline for the host to serve, milliseconds. */
  startTimeoutMs?: number;
}

/** A launched PoP, with the host's pid for leak checks. */
export type ProcessPopHandle = HostPopHandle;

function handlersProblems(h: unknown): string[] {
  if (h === undefined) return [];
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return ['options.handlers: must map workload names to JS handler module paths'];
  const problems: string[] = [];
  for (const [name, path] of Object.entries(h)) {
    if (!WORKLOAD_NAME.test(name)) problems.push(`options.handlers.${name}: not a workload name ([a-z0-9-]+)`);
    if (typeof path !== 'string' || path === '') problems.push(`options.handlers.${name}: must be a path to a JS module exporting handle`);
  }
  return problems;
}

const CONFINES = ['none', 'cgroup'] as const;

function confineProblems(c: unknown): string[] {
  return c === undefined || CONFINES.includes(c as (typeof CONFINES)[number]) ? [] : [`options.confine: must be one of ${CONFINES.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(c)}`];
}

function parseProcessOptions(raw: Record<string, unknown>) {
  return parsed([...checkOptions('process', raw, OPTIONS, ['handlers', 'confine']), ...handlersProblems(raw.handlers), ...confineProblems(raw.confine)], (): ProcessOptions => ({
    spares: numberOption(raw, 'spares', 0),
    handlers: Object.fromEntries(Object.entries((raw.handlers as Record<string, string> | undefined) ?? {}).map(([w, p]) => [w, resolve(p)])),
    confine: (raw.confine as ProcessOptions['confine'] | undefined) ?? 'none',
  }));
}

/** `confine: cgroup` on a machine that cannot give it: said before any traffic. */
function requireCgroups(o: ProcessOptions): void {
  if (o.confine !== 'cgroup') return;
  const why = cgroupsUnavailable();
  if (why) throw new EnvironmentError(`process runner: options.confine: cgroup cannot be enforced on this machine: ${why}; use confine: none for the unconfined baseline`);
}

const cgexecSource = (): string => join(projectRoot, 'runners', 'process', 'cgexec', 'cgexec.c');

function requireBuilt(path: string, what: string): void {
  if (!existsSync(path)) throw new EnvironmentError(`process runner: ${what} ${path} does not exist; build the project first (npm run build)`);
}

/** What an instance of `workload` runs, with the handler source's digest: a brought handler, else the artifact its language builds. */
async function artifactOf(workload: string, o: ProcessOptions): Promise<{ artifact: ProcessArtifact; sourceDigest: string }> {
  const brought = o.handlers[workload];
  if (brought !== undefined) {
    if (!existsSync(brought)) throw new LabError(`process runner: options.handlers.${workload}: ${brought} does not exist`, ExitCode.invalidInput);
    const digest = sha256File(brought);
    // A brought handler has no lab source: its own digest stands for it.
    return { artifact: { kind: 'node-module', packaging: 'node', file: { path: brought, digest, sizeBytes: statSync(brought).size } }, sourceDigest: digest };
  }
  const w = loadWorkload(workload);
  return { artifact: await languageOf(w).processArtifact(w), sourceDigest: w.sourceDigest };
}

/** Builds a process runner; `processRunner` is the registered one. */
export function createProcessRunner(deps: ProcessRunnerDeps = {}): Runner<ProcessOptions> {
  const hostScript = new URL('./host/main.js', import.meta.url);
  return {
    name: 'process',

    parseOptions: parseProcessOptions,

    conformance: {
      // The unconfined baseline: an instance is a host process like the lab itself.
      probes: everyProbe('allowed'),
      misbehaving: async () => (await import('../testdata/misbehaving.js')).misbehavingHandler(),
    },

    async prepare(workloads: string[], o: ProcessOptions): Promise<PreparedRuntime> {
      requireBuilt(nodeServerScript, 'Node packaging server');
      requireCgroups(o);
      const artifacts: ArtifactInfo[] = [];
      for (const name of workloads) {
        // A compiled workload's bare process is its static server: the baseline that separates
        // container mechanics from process start-up for compiled code too.
        const { artifact: a, sourceDigest } = await artifactOf(name, o);
        artifacts.push({ workload: name, packaging: a.packaging, digest: a.file.digest, sourceDigest, sizeBytes: a.file.sizeBytes, path: a.file.path });
      }
      return { artifacts, versions: { node: process.version } };
    },

    async launch(plan: LaunchPlan<ProcessOptions>): Promise<ProcessPopHandle> {
      requireBuilt(nodeServerScript, 'Node packaging server');
      const handlers: Record<string, string> = {};
      const commands: Record<string, string[]> = {};
      for (const workload of new Set(plan.tenants.map((t) => t.workload))) {
        const { artifact: a } = await artifactOf(workload, plan.options);
        if (a.kind === 'executable') commands[workload] = [a.file.path];
        else if (a.kind === 'interpreter') commands[workload] = a.command;
        else handlers[workload] = a.file.path;
      }
      const { logPath } = hostFiles(plan.workDir, 'process');
      requireCgroups(plan.options);
      const limits = plan.limits ?? DEFAULT_TENANT_LIMITS;
      const cgroups = plan.options.confine === 'cgroup' ? { cgexec: await staticHelperBinary('process', 'cgexec', cgexecSource(), 'the per-instance cgroup joiner'), limits: { memoryMiB: limits.memoryMiB, cpus: limits.cpus, pids: limits.pids } } : undefined;
      const hostPlan: ProcessHostPlan = { plan, serverScript: nodeServerScript, handlers, commands, logPath, ...(cgroups ? { cgroups } : {}) };
      const handle = await launchHost({ runner: 'process', program: { kind: 'node', script: hostScript }, plan: hostPlan, workDir: plan.workDir, startTimeoutMs: deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS });
      const deadline = handlerDeadlineLine(limits.cpuMsPerRequest);
      if (cgroups) return { ...handle, isolation: [...cgroupIsolation(cgroups.limits), deadline] };
      // The unconfined baseline: what a bare process per instance gets, said as plainly as the sandboxes' lists.
      return { ...handle, isolation: ["none: each instance is a process of the lab's user with the host's network, filesystem and process table; the scenario's memory, CPU and pids limits are not enforced", deadline] };
    },
  };
}

/** The registered `process` runner. */
export const processRunner: Runner<ProcessOptions> = createProcessRunner();
