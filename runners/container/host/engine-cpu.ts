/**
 * CPU the Docker engine spends on the runner's behalf: dockerd, containerd, the shims and runc
 * live outside every container's cgroup, so neither the container's own `cpuacct` nor the PoP
 * host's CPU shows it, yet on one machine it competes with the tenants for the same cores
 * (create + start + remove of a small container costs about as much engine CPU as the container
 * itself needs to boot). Measured from the cgroups the engine's processes run in.
 *
 * Per operation: an engine call that ran alone (no other metered call of this host in flight
 * from its start to its end) is charged the engine cgroup's CPU delta across it. Calls that
 * overlapped are counted but not charged: their delta holds other calls' work. Calibration
 * scales the per-operation means so that they add up to the engine's whole measured CPU.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { EngineCpuReport } from '../../../lab/pop/contract.js';

/** Where operations happen: on a cold request's path, filling a reserve, or removing a container. */
export type EnginePath = 'request' | 'fill' | 'disposal';

/** The cgroup v1 cpuacct controller the engine processes are put in by scripts/setup-docker.sh. */
export const LAB_ENGINE_CGROUP = '/edge-pop-lab-engine';

/** Processes that make up the engine: their cgroups are summed. */
const ENGINE_COMMANDS = ['dockerd', 'containerd'];

/** How to read the engine's CPU, or why it cannot be read here. */
export type EngineCgroups = { files: string[]; method: string } | { unmeasured: string };

/**
 * The cpuacct (cgroup v1) or unified (v2) cgroup path of a process from its /proc/<pid>/cgroup
 * text, or undefined when it has neither.
 */
export function cpuCgroupOf(procCgroup: string): { version: 1 | 2; path: string } | undefined {
  let v2: string | undefined;
  for (const line of procCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, controllers = '', path = ''] = m;
    if (controllers.split(',').includes('cpuacct')) return { version: 1, path };
    if (controllers === '') v2 = path;
  }
  return v2 !== undefined ? { version: 2, path: v2 } : undefined;
}

/** Pids of running processes whose command name is `comm`. */
function pidsOf(comm: string, proc = '/proc'): number[] {
  const out: number[] = [];
  for (const d of readdirSync(proc)) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`${proc}/${d}/comm`, 'utf8').trim() === comm) out.push(Number(d));
    } catch {
      // Exited while listed.
    }
  }
  return out;
}

/**
 * The usage files of the cgroups dockerd and containerd run in. A local engine only (a remote
 * DOCKER_HOST has its CPU elsewhere), and never the root cgroup: that would charge the whole
 * machine, tenants included, to the engine.
 */
export function locateEngineCgroups(env: NodeJS.ProcessEnv = process.env, proc = '/proc', sys = '/sys/fs/cgroup'): EngineCgroups {
  const host = env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) return { unmeasured: `the engine is remote (DOCKER_HOST=${host}): its CPU is not on this machine's cores` };
  const dockerd = pidsOf('dockerd', proc);
  if (dockerd.length === 0) return { unmeasured: 'no dockerd process on this machine (the engine answers from elsewhere)' };
  const files = new Set<string>();
  const paths: string[] = [];
  for (const comm of ENGINE_COMMANDS) {
    for (const pid of comm === 'dockerd' ? dockerd : pidsOf(comm, proc)) {
      let cg: ReturnType<typeof cpuCgroupOf>;
      try {
        cg = cpuCgroupOf(readFileSync(`${proc}/${pid}/cgroup`, 'utf8'));
      } catch {
        continue;
      }
      if (!cg) continue;
      if (cg.path === '/') {
        if (comm === 'dockerd') return { unmeasured: `dockerd runs in the root cgroup, so its CPU cannot be told from the tenants'; start it with scripts/setup-docker.sh, which puts the engine in the cpuacct cgroup ${LAB_ENGINE_CGROUP}` };
        continue;
      }
      const file = cg.version === 1 ? `${sys}/cpuacct${cg.path}/cpuacct.usage` : `${sys}${cg.path}/cpu.stat`;
      const where = `${comm} in ${cg.path}`;
      if (!paths.includes(where)) paths.push(where);
      files.add(file);
    }
  }
  return { files: [...files], method: `engine CPU = usage of the engine's cgroups (${paths.join(', ')}): dockerd, containerd, the shims and runc, outside every container's cgroup` };
}

/** Cumulative CPU of a cgroup usage file, milliseconds (v1 cpuacct.usage is ns, v2 cpu.stat usage_usec is µs). */
export function readUsageMs(file: string): number {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('cpu.stat')) {
    const m = /^usage_usec (\d+)$/m.exec(text);
    if (!m) throw new Error(`${file} has no usage_usec line`);
    return Number(m[1]) / 1e3;
  }
  return Number(text.trim()) / 1e6;
}

interface OperationTally {
  count: number;
  alone: number;
  aloneCpuMs: number;
}

/** Meters the engine calls of one PoP host. */
export class EngineMeter {
  private readonly operations = new Map<string, OperationTally>();
  private inFlight = 0;
  private started = 0;
  private readonly baseline: number | null;

  /** `usage` reads the engine's cumulative CPU in ms, or is null when it cannot be measured (`method` says why). */
  constructor(
    private readonly usage: (() => number) | null,
    readonly method: string,
  ) {
    this.baseline = usage ? usage() : null;
  }

  /** A meter for this machine's engine. */
  static forLocalEngine(): EngineMeter {
    const cg = locateEngineCgroups();
    if ('unmeasured' in cg) return new EngineMeter(null, `engine CPU not measured: ${cg.unmeasured}`);
    return new EngineMeter(() => cg.files.reduce((a, f) => a + readUsageMs(f), 0), cg.method);
  }

  /** Runs one engine call and tallies it under `<path>/<name>`. */
  async op<T>(path: EnginePath, name: string, call: () => Promise<T>): Promise<T> {
    const tally = this.tally(`${path}/${name}`);
    tally.count++;
    if (!this.usage) return call();
    const ticket = ++this.started;
    const aloneAtStart = this.inFlight === 0;
    this.inFlight++;
    const before = this.usage();
    try {
      return await call();
    } finally {
      const after = this.usage();
      this.inFlight--;
      // Alone: nobody was in flight when it started and nobody started since.
      if (aloneAtStart && this.started === ticket) {
        tally.alone++;
        tally.aloneCpuMs += after - before;
      }
    }
  }

  /** Everything since the meter was made. */
  report(): EngineCpuReport {
    const operations: EngineCpuReport['operations'] = {};
    for (const [k, t] of [...this.operations].sort(([a], [b]) => a.localeCompare(b))) operations[k] = { ...t, aloneCpuMs: Math.round(t.aloneCpuMs * 1000) / 1000 };
    const cpuMs = this.usage && this.baseline !== null ? Math.round((this.usage() - this.baseline) * 1000) / 1000 : null;
    return { method: this.method, cpuMs, operations };
  }

  private tally(key: string): OperationTally {
    let t = this.operations.get(key);
    if (!t) this.operations.set(key, (t = { count: 0, alone: 0, aloneCpuMs: 0 }));
    return t;
  }
}
