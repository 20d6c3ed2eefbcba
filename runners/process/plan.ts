/** What the lab hands the `process` runner's host process (kit/launch.ts writes it as JSON beside the host's log). */
import type { LaunchPlan } from '../../lab/pop/contract.js';
import type { CgroupLimits } from './host/cgroups.js';

/** The process runner's options, parsed once by the runner. */
export interface ProcessOptions {
  /** Spare (pre-started) instances per tenant. */
  spares: number;
  /** Brought JS handler modules by workload name (absolute paths). */
  handlers: Record<string, string>;
  /** `none`: the unconfined baseline; `cgroup`: a cgroup per instance with the scenario's limits (host/cgroups.ts). */
  confine: 'none' | 'cgroup';
}

/** The launch plan plus everything the host must not look up itself (so tests can point it at test handlers). */
export interface ProcessHostPlan {
  plan: LaunchPlan<ProcessOptions>;
  /** The Node packaging server entry script. */
  serverScript: string;
  /** Compiled handler module per workload that runs as a JS module. */
  handlers: Record<string, string>;
  /**
   * Argv per workload whose bare process serves HTTP itself (a static executable: its path; an
   * interpreter: its program and arguments), by the C server's contract: HOST/PORT, a
   * `listening` line on stdout, exit at the end of stdin (LAB_EXIT_WITH_PARENT).
   */
  commands: Record<string, string[]>;
  /** The host's log file (its and its children's stderr), named in error messages. */
  logPath: string;
  /** `confine: cgroup`: the cgroup joiner (cgexec.c) and the limits each instance's cgroups get. */
  cgroups?: { cgexec: string; limits: CgroupLimits };
}
