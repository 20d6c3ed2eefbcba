/**
 * A real Kubernetes control plane on 127.0.0.1 for the opt-in test `npm run test:kubernetes`:
 * etcd (Debian etcd-server), kube-apiserver, kube-controller-manager and kube-scheduler of
 * k8s.io/kubernetes v1.33.13 (built from the Go module proxy by scripts/setup-kubernetes-test.sh)
 * and kwok, which plays the kubelet of fake nodes: it marks them Ready and sets their pods' status
 * (scheduled, running, Ready, Job pods Succeeded) without running any container. No image is
 * pulled, no container runs, no pod gets an address outside 127.0.0.0/8 (kwok's pod CIDR is
 * 127.1.0.0/24), so nothing here sends traffic off loopback.
 *
 * Two users by static token: `admin` (system:masters) sets the cluster up; `lab` has only what
 * rbac.yaml of `lab export kubernetes` grants once bound to it, so the runner is tested with the
 * permissions the runbook gives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../../../lab/paths.js';
import { freePorts } from '../../../lab/proc/free-ports.js';

export const KUBERNETES_TEST_VERSION = 'v1.33.13';

/** Where setup-kubernetes-test.sh puts the binaries. */
export function controlPlaneBin(): string {
  return join(cacheDir, 'kubernetes-test', KUBERNETES_TEST_VERSION, 'bin');
}

export interface TestCluster {
  server: string;
  /** kubeconfig of `admin` (system:masters). */
  adminKubeconfig: string;
  /** kubeconfig of `lab` (no rights until a binding gives it some). */
  labKubeconfig: string;
  dir: string;
  /** An authenticated request as admin; answered whatever its status. */
  admin(method: string, path: string, body?: unknown, query?: string): Promise<{ status: number; json: any }>;
  /** Seconds each component took to answer, for the docs. */
  startSeconds: number;
  stop(): Promise<void>;
}

function kubeconfig(server: string, user: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${server}`,
    // A self-signed serving certificate the apiserver made for itself at start.
    '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: test',
    `  context: { cluster: test, user: ${user} }`,
    'current-context: test',
    '',
  ].join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the control plane and one fake node; throws naming the component that did not come up. */
export async function startTestCluster(): Promise<TestCluster> {
  const bin = controlPlaneBin();
  for (const b of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']) {
    if (!existsSync(join(bin, b))) throw new Error(`${join(bin, b)} is not built: run bash scripts/setup-kubernetes-test.sh (npm run test:kubernetes does)`);
  }
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'lab-k8s-test-'));
  const children: ChildProcess[] = [];
  const start = (name: string, cmd: string, args: string[]): ChildProcess => {
    const log = openSync(join(dir, `${name}.log`), 'w');
    const c = spawn(cmd, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    children.push(c);
    return c;
  };
  const stop = async (): Promise<void> => {
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGTERM');
      const gone = await Promise.race([new Promise((r) => c.once('exit', () => r(true))), sleep(5000).then(() => false)]);
      if (!gone) {
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [etcdClient, etcdPeer, apiPort] = (await freePorts(3)) as [number, number, number];
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'tokens.csv'), 'admintoken,admin,admin,"system:masters"\nlabtoken,lab,lab\n');
    const etcd = start('etcd', 'etcd', ['--data-dir', join(dir, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`, '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`]);
    const server = `https://127.0.0.1:${apiPort}`;
    const api = start('kube-apiserver', join(bin, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      // Virtual addresses only: no kube-proxy runs, nothing ever connects to them.
      '--service-cluster-ip-range=10.96.0.0/16',
      '--endpoint-reconciler-type=none',
    ]);
    writeFileSync(join(dir, 'admin.kubeconfig'), kubeconfig(server, 'admin', 'admintoken'));
    writeFileSync(join(dir, 'lab.kubeconfig'), kubeconfig(server, 'lab', 'labtoken'));
    const admin = async (method: string, path: string, body?: unknown, query = ''): Promise<{ status: number; json: any }> => {
      const { request } = await import('node:https');
      return new Promise((resolve, reject) => {
        const req = request(`${server}${path}${query}`, { method, rejectUnauthorized: false, headers: { authorization: 'Bearer admintoken', 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = text;
            try {
              json = JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        });
        req.on('error', reject);
        if (body !== undefined) req.write(JSON.stringify(body));
        req.end();
      });
    };
    const readyBy = performance.now() + 60_000;
    for (;;) {
      const dead = [etcd, api].find((c) => c.exitCode !== null);
      if (dead) throw new Error(`${dead === etcd ? 'etcd' : 'kube-apiserver'} exited at start: ${readFileSync(join(dir, dead === etcd ? 'etcd.log' : 'kube-apiserver.log'), 'utf8').slice(-800)}`);
      const r = await admin('GET', '/readyz').catch(() => ({ status: 0, json: null }));
      if (r.status === 200) break;
      if (performance.now() > readyBy) throw new Error(`kube-apiserver not ready within 60 s: ${readFileSync(join(dir, 'kube-apiserver.log'), 'utf8').slice(-800)}`);
      await sleep(250);
    }
    const adminConfig = join(dir, 'admin.kubeconfig');
    start('kube-controller-manager', join(bin, 'kube-controller-manager'), [
      `--kubeconfig=${adminConfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
      // No cloud, no volumes, no pod CIDRs: the controllers a Deployment, a Job and a node's taints need.
      '--controllers=*,-nodeipam,-persistentvolume-binder,-attachdetach,-persistentvolume-expander,-cloud-node-lifecycle,-ttl',
    ]);
    start('kube-scheduler', join(bin, 'kube-scheduler'), [`--kubeconfig=${adminConfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0']);
    start('kwok', join(bin, 'kwok'), [
      `--kubeconfig=${adminConfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--manage-nodes-with-label-selector=',
      '--manage-single-node=',
      // Pod addresses on loopback: whatever the API server's proxy dials stays on this machine.
      '--cidr=127.1.0.0/24',
      '--node-ip=127.0.0.1',
      '--node-lease-duration-seconds=40',
      '--server-address=',
    ]);
    const node = await admin('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'kwok-node-0', annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': 'kwok-node-0', type: 'kwok' } },
      status: { allocatable: { cpu: '32', memory: '256Gi', pods: '110' }, capacity: { cpu: '32', memory: '256Gi', pods: '110' } },
    });
    if (node.status !== 201) throw new Error(`the fake node was refused: ${JSON.stringify(node.json).slice(0, 300)}`);
    // Ready and untainted (kwok's heartbeat, the node lifecycle controller), and the default ServiceAccount exists in namespaces.
    const schedulableBy = performance.now() + 60_000;
    for (;;) {
      const n = await admin('GET', '/api/v1/nodes/kwok-node-0');
      const ready = n.json?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (ready && !(n.json?.spec?.taints?.length > 0)) break;
      if (performance.now() > schedulableBy) throw new Error(`the fake node is not Ready and untainted within 60 s (kwok.log: ${readFileSync(join(dir, 'kwok.log'), 'utf8').slice(-400)})`);
      await sleep(250);
    }
    mkdirSync(join(dir, 'work'), { recursive: true });
    return { server, adminKubeconfig: adminConfig, labKubeconfig: join(dir, 'lab.kubeconfig'), dir, admin, startSeconds: (performance.now() - t0) / 1000, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
