/**
 * Escape probes: what a hostile tenant (workloads/hostile, hostile-c) is asked to try from
 * inside its sandbox, and how the lab judges the attempt. A probe is judged from evidence the
 * lab checks itself, never from the tenant's word: a file read counts as allowed only when the
 * bytes it returned are the bytes the lab planted; a write counts only when the lab finds the
 * token on disk. A denied probe shows one path closed, not that the sandbox is sound
 * (docs/isolation.md says what each probe does not prove).
 */

/** The probes, in report order. */
export const PROBE_IDS = ['host-file', 'host-process', 'write-outside', 'control-port', 'neighbour-port', 'neighbour-socket', 'neighbour-env'] as const;
export type ProbeId = (typeof PROBE_IDS)[number];

export const PROBE_DESCRIPTIONS: Record<ProbeId, string> = {
  'host-file': 'read a file the lab planted on the host, outside any sandbox directory (mode 0644, so only the sandbox can stop it)',
  'host-process': "read the PoP host process's /proc/<pid>/cmdline: sees host processes",
  'write-outside': "write a token into a host directory outside the tenant's own (the lab looks for it on disk)",
  'control-port': 'connect to the PoP endpoint on 127.0.0.1 and ask its control API (/_lab/stats)',
  'neighbour-port': "connect to a neighbour tenant's server on 127.0.0.1 (a stand-in the lab runs, answering a secret)",
  'neighbour-socket': "connect to a neighbour tenant's unix socket on the host (the same stand-in, as hardened containers serve)",
  'neighbour-env': "read a neighbour tenant's environment (/proc/<pid>/environ of the stand-in, holding a secret)",
};

/** The same outcome for every probe: a sandbox's declaration when it closes (or opens) all of them. */
export function everyProbe(outcome: 'allowed' | 'denied'): Record<ProbeId, 'allowed' | 'denied'> {
  return Object.fromEntries(PROBE_IDS.map((p) => [p, outcome])) as Record<ProbeId, 'allowed' | 'denied'>;
}

/** Outcome of one probe: `inconclusive` when the tenant did not answer a probe line (it crashed, timed out). */
export type ProbeOutcome = 'allowed' | 'denied' | 'inconclusive';

export interface ProbeResult {
  probe: ProbeId;
  outcome: ProbeOutcome;
  /** What decided it: the denial's code, the evidence that matched, or why it is inconclusive. */
  detail: string;
}

/** What the lab planted and where, for one runtime's probes. */
export interface ProbeTargets {
  /** A host file holding `hostSecret`. */
  hostFile: string;
  hostSecret: Uint8Array;
  /** The PoP host's pid and the first bytes of its /proc/<pid>/cmdline, as the lab reads them. */
  hostPid: number;
  hostCmdline: Uint8Array;
  /** A host directory the tenant must not be able to write into. */
  outsideDir: string;
  /** Token the write probe tries to leave there. */
  token: string;
  /** The PoP endpoint's TCP port on 127.0.0.1. */
  controlPort: number;
  /**
   * A stand-in neighbour tenant: a process of the lab's on the host, as a neighbour's instance is
   * on the process and container substrates, serving `secret` on a loopback port and a
   * unix socket and holding it in its environment.
   */
  neighbour: { pid: number; port: number; socket: string; secret: string };
}

/** The variable the stand-in neighbour holds its secret in. */
export const NEIGHBOUR_SECRET_ENV = 'LAB_NEIGHBOUR_SECRET';

/** The request that makes the hostile workload try `probe` (path with query, headers). */
export function probeRequest(probe: ProbeId, t: ProbeTargets, tenant: string): { path: string; headers: Record<string, string> } {
  const q = (o: Record<string, string>): string => Object.entries(o).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  switch (probe) {
    case 'host-file':
      return { path: `/?${q({ path: t.hostFile })}`, headers: { 'x-lab-hostile': 'read-file' } };
    case 'host-process':
      return { path: `/?${q({ path: `/proc/${t.hostPid}/cmdline` })}`, headers: { 'x-lab-hostile': 'read-file' } };
    case 'write-outside':
      return { path: `/?${q({ path: writtenPath(t, tenant), token: t.token })}`, headers: { 'x-lab-hostile': 'write-file' } };
    case 'control-port':
      return { path: `/?${q({ port: String(t.controlPort) })}`, headers: { 'x-lab-hostile': 'connect' } };
    case 'neighbour-port':
      return { path: `/?${q({ port: String(t.neighbour.port) })}`, headers: { 'x-lab-hostile': 'connect' } };
    case 'neighbour-socket':
      return { path: `/?${q({ socket: t.neighbour.socket })}`, headers: { 'x-lab-hostile': 'connect' } };
    case 'neighbour-env':
      return { path: `/?${q({ path: `/proc/${t.neighbour.pid}/environ` })}`, headers: { 'x-lab-hostile': 'read-file' } };
  }
}

/** Where the write probe of `tenant` tries to put its token. */
export function writtenPath(t: ProbeTargets, tenant: string): string {
  return `${t.outsideDir}/written-by-${tenant}`;
}

function hex(b: Uint8Array): string {
  return Array.from(b.subarray(0, 64), (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The text of a read probe's hex, or '' when it is not hex. */
function unhex(h: string): string {
  return /^(?:[0-9a-f]{2})*$/.test(h) ? Buffer.from(h, 'hex').toString('latin1') : '';
}

const LINE = /^(allowed|denied)(?: ([ -~]{0,200}))?\n?$/;

/**
 * Judges one probe from the tenant's answer and, for the write probe, from what the lab found
 * on disk (`written`: the file's content, or undefined when there is none).
 */
export function judgeProbe(probe: ProbeId, t: ProbeTargets, status: number, body: string, written?: string): ProbeResult {
  if (probe === 'write-outside' && written !== undefined) {
    // The disk decides, whatever the tenant answered.
    return written === t.token ? { probe, outcome: 'allowed', detail: 'the token is on the host disk' } : { probe, outcome: 'inconclusive', detail: 'a file is there, not holding the token' };
  }
  const m = status === 200 ? LINE.exec(body) : null;
  if (!m) return { probe, outcome: 'inconclusive', detail: `the tenant answered ${status} ${JSON.stringify(body.slice(0, 120))}, not a probe line` };
  const [, said, rest = ''] = m;
  if (said === 'denied') return { probe, outcome: 'denied', detail: rest || 'denied' };
  switch (probe) {
    case 'host-file':
      return rest === hex(t.hostSecret) ? { probe, outcome: 'allowed', detail: 'returned the planted secret' } : { probe, outcome: 'inconclusive', detail: 'read a file, not the planted one' };
    case 'host-process':
      return rest === hex(t.hostCmdline) ? { probe, outcome: 'allowed', detail: "returned the host process's command line" } : { probe, outcome: 'denied', detail: 'read another process table (its own pid namespace)' };
    case 'write-outside':
      return { probe, outcome: 'denied', detail: 'said allowed, but the token is not on the host disk (it wrote inside its own filesystem view)' };
    case 'control-port':
      return /^HTTP\/1\.[01] \d{3}\b/.test(rest) ? { probe, outcome: 'allowed', detail: rest } : { probe, outcome: 'inconclusive', detail: `connected, answered ${JSON.stringify(rest)}` };
    case 'neighbour-port':
    case 'neighbour-socket':
      return rest.includes(t.neighbour.secret) ? { probe, outcome: 'allowed', detail: "the neighbour answered with its secret" } : { probe, outcome: 'inconclusive', detail: `connected, answered ${JSON.stringify(rest)}` };
    case 'neighbour-env':
      return unhex(rest).includes(`${NEIGHBOUR_SECRET_ENV}=${t.neighbour.secret}`)
        ? { probe, outcome: 'allowed', detail: "returned the neighbour's secret from its environment" }
        : { probe, outcome: 'denied', detail: 'read another process table (its own pid namespace)' };
  }
}
