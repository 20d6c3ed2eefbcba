/**
 * The lab side of the reference-host runners (`wasmtime-serve`, `jco-serve`): one server per
 * workload on a free loopback port, all under one supervisor host (kit/supervise.ts) launched
 * like every runner's host, so they stop with it and never outlive the lab. The endpoint they
 * make speaks no PoP protocol: the handle is a plain one (kit/endpoint.ts).
 */
import type { PopHandle } from '../../lab/pop/contract.js';
import { freePorts } from '../../lab/proc/free-ports.js';
import { plainHandle } from './endpoint.js';
import { launchHost } from './launch.js';
import type { SupervisedServer, SupervisorPlan } from './supervise.js';

/** Starts `command(port)` for every workload and returns the plain endpoint over them. */
export async function launchReferenceServers(o: {
  runner: string;
  workDir: string;
  workloads: string[];
  command: (workload: string, port: number) => string[];
  /** Variables every server gets besides the lab's environment. */
  env?: Record<string, string>;
  startTimeoutMs: number;
}): Promise<PopHandle> {
  const servers: SupervisedServer[] = [];
  const urls: Record<string, string> = {};
  const workloads = [...new Set(o.workloads)];
  const ports = await freePorts(workloads.length);
  for (const [i, w] of workloads.entries()) {
    const port = ports[i]!;
    urls[w] = `http://127.0.0.1:${port}`;
    servers.push({ name: `${o.runner} server of ${w}`, command: o.command(w, port), ...(o.env ? { env: o.env } : {}), url: urls[w]! });
  }
  const plan: SupervisorPlan = { servers, startTimeoutMs: o.startTimeoutMs };
  // The supervisor starts the servers one after another, each within startTimeoutMs (wasmtime
  // serve compiles its component first): the whole launch gets that budget per server.
  const host = await launchHost({ runner: o.runner, program: { kind: 'node', script: new URL('./supervise.js', import.meta.url) }, plan, workDir: o.workDir, startTimeoutMs: o.startTimeoutMs * servers.length + 5000, checkHealth: false });
  return plainHandle(urls, `${o.runner} (a reference host)`, () => host.stop(), host.hostPid);
}
