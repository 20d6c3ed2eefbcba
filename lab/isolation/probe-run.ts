/**
 * Running the escape probes against one hostile tenant through a PoP endpoint: plant the
 * targets on the host, send one request per probe on the tenant's public route,
 * judge each from the answer and from the disk, clean up. Used by the conformance suite (each
 * runner's declared matrix is checked against this) and by runs of scenarios with `hostile:`.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeProbe, PROBE_IDS, probeRequest, writtenPath, type ProbeResult, type ProbeTargets } from './probes.js';

/** Targets planted in a fresh host directory; `remove()` takes them away again. */
export interface PlantedTargets extends ProbeTargets {
  remove(): void;
}

/**
 * Plants a secret file and an open directory under the host's temporary directory (never inside
 * any sandbox's own directory), world-readable and world-writable, so that only the sandbox
 * can stop a probe, not file permissions.
 */
export function plantProbeTargets(controlPort: number): PlantedTargets {
  const dir = mkdtempSync(join(tmpdir(), 'lab-canary-'));
  chmodSync(dir, 0o755);
  const hostSecret = new Uint8Array(randomBytes(32));
  const hostFile = join(dir, 'host-secret');
  writeFileSync(hostFile, hostSecret, { mode: 0o644 });
  const outsideDir = join(dir, 'outside');
  mkdirSync(outsideDir);
  chmodSync(outsideDir, 0o777);
  const hostPid = process.pid;
  const hostCmdline = new Uint8Array(readFileSync(`/proc/${hostPid}/cmdline`)).subarray(0, 64);
  return {
    hostFile,
    hostSecret,
    hostPid,
    hostCmdline,
    outsideDir,
    token: randomBytes(16).toString('hex'),
    controlPort,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Sends every probe to `tenant` at `route` (its PoP route `<pop>/t/<tenant>`, or a plain
 * endpoint's URL) and judges it. Sequential: one probe's effects never blur another's.
 */
export async function runProbes(route: string, tenant: string, t: ProbeTargets, timeoutMs = 15_000): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const probe of PROBE_IDS) {
    const r = probeRequest(probe, t, tenant);
    let status = 0;
    let body = '';
    try {
      const res = await fetch(`${route}${r.path}`, { headers: r.headers, signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      body = await res.text();
    } catch (e) {
      body = `no answer: ${(e as Error).message}`;
    }
    const file = writtenPath(t, tenant);
    const written = probe === 'write-outside' && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    out.push(judgeProbe(probe, t, status, body, written));
  }
  return out;
}
