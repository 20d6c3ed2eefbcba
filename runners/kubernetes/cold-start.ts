/**
 * A cold start on a cluster: a workload's probe object (a Deployment or SpinApp the plan never
 * sends to) scaled from zero to one, its pod followed to Ready, and its first answer fetched
 * through the API server's service proxy; then scaled back to zero.
 *
 * What each figure is:
 * - `totalMs`: the lab's clock, from the scale-up request to the first answer with the status the
 *   workload's fixture expects (ms resolution; includes the service proxy's hop).
 * - phases `scheduled`, `initialized`, `containersReady`, `ready`: the pod's own condition
 *   timestamps (creation to PodScheduled, to Initialized, to ContainersReady, to Ready) on the API
 *   server's clock. Kubernetes keeps them to the SECOND, so each is a multiple of 1000 ms and
 *   their sum can differ from `totalMs` by up to a second per phase.
 * - phase `firstResponse`: the lab's clock, from seeing the pod Ready (polled every 100 ms) to
 *   the first answer.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ActivationRecord, Phase } from '../../lab/pop/contract.js';
import { errorText, type Cluster } from './cluster.js';

/** A workload's probe object and how to ask it. */
export interface ProbeTarget {
  tenant: string;
  workload: string;
  object: { apiVersion: string; kind: string; name: string; namespace: string };
  /** Label selector of its pods. */
  selector: string;
  /** Its Service's name (port 80). */
  service: string;
  request: { method: string; path: string; headers: Record<string, string>; body: Uint8Array; expectStatus: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A pod condition's transition time, epoch ms (second resolution), if the condition is True. */
function conditionAt(pod: V1Pod, type: string): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === type && x.status === 'True');
  return c?.lastTransitionTime ? new Date(c.lastTransitionTime).getTime() : undefined;
}

/** Why a pod is not Ready, in one line (phase, waiting reasons). */
export function podState(pod: V1Pod): string {
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).filter(Boolean);
  return `${pod.metadata?.name}: ${pod.status?.phase ?? 'no phase'}${waiting.length > 0 ? ` (${waiting.join(', ')})` : ''}`;
}

/** The phases the pod's conditions give, on the server's clock (second resolution). */
export function conditionPhases(pod: V1Pod): Phase[] {
  const created = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : undefined;
  const marks: [string, number | undefined][] = [
    ['scheduled', conditionAt(pod, 'PodScheduled')],
    ['initialized', conditionAt(pod, 'Initialized')],
    ['containersReady', conditionAt(pod, 'ContainersReady')],
    ['ready', conditionAt(pod, 'Ready')],
  ];
  const out: Phase[] = [];
  let prev = created;
  for (const [name, at] of marks) {
    if (at === undefined || prev === undefined) continue;
    out.push({ name, ms: Math.max(0, at - prev) });
    prev = at;
  }
  return out;
}

/** Waits until no pod of `selector` is left (after a scale to zero). */
async function waitNoPods(cluster: Cluster, namespace: string, selector: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await cluster.pods(namespace, selector)).length > 0) {
    if (Date.now() > end) throw new Error(`pods of ${selector} still there after ${timeoutMs} ms`);
    await sleep(200);
  }
}

let probes = 0;

/** One cold start of `t`; never throws for the substrate's failures: the record says what failed. */
export async function coldStartProbe(cluster: Cluster, t: ProbeTarget, o: { readyTimeoutMs: number; firstResponseTimeoutMs: number }): Promise<ActivationRecord> {
  const id = `k8s-probe-${process.pid}-${++probes}`;
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const record = (fields: Partial<ActivationRecord> & { ok: boolean }): ActivationRecord => ({
    id,
    tenant: t.tenant,
    workload: t.workload,
    instance: '',
    path: 'request',
    reason: 'forced',
    strategy: 'scale-from-zero',
    startedAtMs,
    totalMs: performance.now() - t0,
    phases: [],
    ...fields,
  });
  try {
    await cluster.scale(t.object, 1);
    let ready: V1Pod | undefined;
    let last: V1Pod | undefined;
    const readyBy = performance.now() + o.readyTimeoutMs;
    while (!ready) {
      const pods = await cluster.pods(t.object.namespace, t.selector);
      last = pods[0] ?? last;
      ready = pods.find((p) => conditionAt(p, 'Ready') !== undefined);
      if (ready) break;
      if (performance.now() > readyBy) return record({ ok: false, error: `tenant ${t.tenant}: no pod Ready within ${o.readyTimeoutMs} ms after scaling ${t.object.kind} ${t.object.name} to 1 (${last ? podState(last) : 'no pod created'})` });
      await sleep(100);
    }
    const readyAt = performance.now();
    const phases = conditionPhases(ready);
    const instance = ready.metadata?.name ?? '';
    const path = `/api/v1/namespaces/${t.object.namespace}/services/${t.service}:80/proxy${t.request.path}`;
    const answerBy = readyAt + o.firstResponseTimeoutMs;
    let lastAnswer = 'no answer';
    for (;;) {
      const r = await cluster.raw(t.request.method, path, t.request.body.length > 0 ? Buffer.from(t.request.body) : undefined, Math.max(1000, answerBy - performance.now()), t.request.headers).catch((e: Error) => ({ status: 0, body: e.message }));
      if (r.status === t.request.expectStatus) break;
      lastAnswer = r.status === 0 ? r.body : `HTTP ${r.status} ${r.body.slice(0, 120)}`;
      if (performance.now() > answerBy) {
        return record({ ok: false, instance, phases, error: `tenant ${t.tenant}: pod ${instance} Ready, but no ${t.request.expectStatus} through the service proxy of ${t.service} within ${o.firstResponseTimeoutMs} ms (last: ${lastAnswer})` });
      }
      await sleep(20);
    }
    const done = performance.now();
    return record({ ok: true, instance, totalMs: done - t0, phases: [...phases, { name: 'firstResponse', ms: done - readyAt }] });
  } catch (e) {
    return record({ ok: false, error: `tenant ${t.tenant}: ${errorText(e)}` });
  } finally {
    // Back to zero for the next probe, whatever happened; a failure here shows up as pods left at stop.
    await cluster.scale(t.object, 0).catch(() => {});
    await waitNoPods(cluster, t.object.namespace, t.selector, o.readyTimeoutMs).catch(() => {});
  }
}
