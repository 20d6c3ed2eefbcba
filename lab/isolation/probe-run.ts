/**
 * Running the escape probes against one hostile tenant through a PoP endpoint: plant the
 * targets on the host, send one request per probe on the tenant's public route,
 * judge each from the answer and from the disk, clean up. Used by the conformance suite (each
 * runner's declared matrix is checked against this) and by runs of scenarios with `hostile:`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeProbe, NEIGHBOUR_SECRET_ENV, PROBE_IDS, probeRequest, writtenPath, type ProbeResult, type ProbeTargets } from './probes.js';

/** Targets planted in a fresh host directory; `remove()` takes them away again. */
export interface PlantedTargets extends ProbeTargets {
  remove(): void;
}

// The stand-in neighbour: answers every request, on its port and its socket, with a status line
// carrying its secret (after the request, so a client that writes first never meets a reset);
// its environment holds nothing but the secret. Bounded: it ends itself after 30 minutes.
const NEIGHBOUR_SCRIPT = `
const net = require('node:net');
const fs = require('node:fs');
const answer = (c) => { c.on('error', () => {}); c.once('data', () => c.end('HTTP/1.0 200 neighbour-' + process.env.${NEIGHBOUR_SECRET_ENV} + '\\r\\n\\r\\n')); };
const tcp = net.createServer(answer).listen(0, '127.0.0.1', () => {
  net.createServer(answer).listen(process.argv[1], () => {
    fs.chmodSync(process.argv[1], 0o777);
    process.stdout.write(tcp.address().port + '\\n');
  });
});
setTimeout(() => process.exit(0), 30 * 60 * 1000).unref();
`;

/** Starts the stand-in neighbour and waits for its port. */
async function startNeighbour(socket: string, secret: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', NEIGHBOUR_SCRIPT, socket], { env: { [NEIGHBOUR_SECRET_ENV]: secret }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('the stand-in neighbour did not listen within 10 s')), 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(Number(out.trim()));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the stand-in neighbour exited (${code}) before it listened`));
      });
    });
    return { child, port };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

/**
 * Plants a secret file and an open directory under the host's temporary directory (never inside
 * any sandbox's own directory), world-readable and world-writable, so that only the sandbox
 * can stop a probe, not file permissions; starts the stand-in neighbour there.
 */
export async function plantProbeTargets(controlPort: number): Promise<PlantedTargets> {
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
  const neighbourDir = join(dir, 'neighbour');
  mkdirSync(neighbourDir);
  chmodSync(neighbourDir, 0o755);
  const secret = randomBytes(16).toString('hex');
  const socket = join(neighbourDir, 'http.sock');
  let n: { child: ChildProcess; port: number };
  try {
    n = await startNeighbour(socket, secret);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    hostFile,
    hostSecret,
    hostPid,
    hostCmdline,
    outsideDir,
    token: randomBytes(16).toString('hex'),
    controlPort,
    neighbour: { pid: n.child.pid!, port: n.port, socket, secret },
    remove: () => {
      n.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
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
