/**
 * The container runner's options (a scenario runtime entry's `options`), checked all at once:
 * every problem is returned, each naming the option, the rule and the value.
 */
import type { ParsedOptions } from '../../lab/pop/contract.js';
import { DEFAULT_TENANT_LIMITS, type TenantLimits } from '../../lab/scenario/types.js';
import { parsed } from '../kit/options.js';
import { IMAGE_PACKAGINGS, type ImagePackaging } from './images/images.js';
import type { PortRange } from './ports.js';
import { STRATEGIES, type Strategy } from './strategies.js';
import { NETNS_MODES, OCI_RUNTIMES, SANDBOXES, type ContainerLimits, type NetnsMode, type OciRuntime, type SandboxKind } from './host/sandbox.js';

/** An image the lab did not build, already loaded in the engine, run for every tenant of `workload`. */
export interface ByoImage {
  /** Image reference in the engine (`myorg/app:1.2`, or an id). */
  image: string;
  /** Hardened sandbox: an env variable the image reads a unix socket path from, to serve HTTP on. */
  socketEnv?: string;
  /** `host-network` sandbox only: fixed port the image serves HTTP on (127.0.0.1): one instance at a time. */
  port?: number;
  /** `host-network` sandbox only: an env variable the image reads its port from; each container gets its own. */
  portEnv?: string;
}

/** Options after defaults. */
export interface ContainerOptions {
  strategy: Strategy;
  packaging: ImagePackaging;
  /** Containers made ahead per tenant (pre-created, paused, warm). */
  reserve: number;
  /** Pool spares (instances handed to requests as `spare`), as every TS host has. */
  spares: number;
  /** Fraction of activations whose image is removed first and pulled from the origin; absent: the scenario's `cache.artifactMissRate`. */
  artifactMissRate: number | undefined;
  /** Seed of the artifact-miss draws; absent: derived from the run id. */
  seed: number | undefined;
  /** Never-ready deadline, ms; absent: the plan's request timeout. */
  readyTimeoutMs: number | undefined;
  pollMs: number;
  aliveEveryMs: number;
  logLines: number;
  ports: PortRange;
  byoImages: Record<string, ByoImage>;
  /** How containers are confined (host/sandbox.ts): `hardened`, or the first wave's `host-network` for comparison. */
  sandbox: SandboxKind;
  /** cgroup limits of each container (hardened sandbox), overriding the scenario's `limits` for this runtime; 0 leaves one unset. */
  limits: Partial<ContainerLimits>;
  /** Network namespaces of hardened containers: one per tenant that its instances join (default), or a new one per instance. */
  netns: NetnsMode;
  /** The OCI runtime containers run under: runc (default), crun, runsc (gVisor). */
  ociRuntime: OciRuntime;
}

/** Defaults, in one place. The readiness poll interval follows the measured fact "poll about every 1 ms". */
export const DEFAULT_OPTIONS: ContainerOptions = {
  strategy: 'cold',
  packaging: 'oci-image-scratch',
  reserve: 1,
  spares: 0,
  artifactMissRate: undefined,
  seed: undefined,
  readyTimeoutMs: undefined,
  pollMs: 1,
  aliveEveryMs: 50,
  logLines: 20,
  ports: { first: 20000, last: 24999 },
  byoImages: {},
  sandbox: 'hardened',
  limits: {},
  netns: 'per-tenant',
  ociRuntime: 'runc',
};

const KNOWN = ['strategy', 'packaging', 'reserve', 'spares', 'artifactMissRate', 'seed', 'readyTimeoutMs', 'pollMs', 'aliveEveryMs', 'logLines', 'portRange', 'byoImages', 'sandbox', 'memoryMiB', 'cpus', 'pids', 'netns', 'ociRuntime'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The scenario's options map checked once: every problem, or the options with defaults. */
export function parseContainerOptions(raw: Record<string, unknown>): ParsedOptions<ContainerOptions> {
  const { options, problems } = parse(raw);
  return parsed(problems, () => options);
}

function parse(raw: Record<string, unknown>): { options: ContainerOptions; problems: string[] } {
  const p: string[] = [];
  const o: ContainerOptions = { ...DEFAULT_OPTIONS, byoImages: {}, limits: {} };
  for (const k of Object.keys(raw)) if (!KNOWN.includes(k)) p.push(`options.${k}: unknown option of runner "container" (known: ${KNOWN.join(', ')})`);
  const num = (name: string, min: number, max: number, integer: boolean): number | undefined => {
    const v = raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      p.push(`options.${name}: must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };
  /** An option that is one of `allowed`: its value, or undefined (absent, or a problem recorded). */
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = raw[name];
    if (v === undefined) return undefined;
    if ((allowed as readonly unknown[]).includes(v)) return v as T;
    p.push(`options.${name}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return undefined;
  };
  o.strategy = oneOf('strategy', STRATEGIES) ?? o.strategy;
  o.packaging = oneOf('packaging', IMAGE_PACKAGINGS) ?? o.packaging;
  o.reserve = num('reserve', 1, 1000, true) ?? o.reserve;
  o.spares = num('spares', 0, 1000, true) ?? o.spares;
  o.artifactMissRate = num('artifactMissRate', 0, 1, false) ?? o.artifactMissRate;
  o.seed = num('seed', 0, 2 ** 32 - 1, true) ?? o.seed;
  o.readyTimeoutMs = num('readyTimeoutMs', 1, 600_000, false) ?? o.readyTimeoutMs;
  o.pollMs = num('pollMs', 1, 1000, false) ?? o.pollMs;
  o.aliveEveryMs = num('aliveEveryMs', 1, 60_000, false) ?? o.aliveEveryMs;
  o.logLines = num('logLines', 1, 1000, true) ?? o.logLines;
  o.sandbox = oneOf('sandbox', SANDBOXES) ?? o.sandbox;
  o.ociRuntime = oneOf('ociRuntime', OCI_RUNTIMES) ?? o.ociRuntime;
  o.netns = oneOf('netns', NETNS_MODES) ?? o.netns;
  for (const [k, v] of [['memoryMiB', num('memoryMiB', 0, 1 << 20, true)], ['cpus', num('cpus', 0, 1024, false)], ['pids', num('pids', 0, 1 << 22, true)]] as const) if (v !== undefined) o.limits[k] = v;
  if (o.sandbox === 'host-network') {
    for (const k of ['memoryMiB', 'cpus', 'pids', 'netns']) if (raw[k] !== undefined) p.push(`options.${k}: the host-network sandbox sets no limits and no namespaces (it is the unconfined comparison mode); use sandbox: hardened`);
  } else if (o.limits.memoryMiB !== undefined && o.limits.memoryMiB > 0 && o.limits.memoryMiB < 6) p.push(`options.memoryMiB: the engine refuses a container memory limit under 6 MiB, got ${o.limits.memoryMiB}`);
  if (raw.portRange !== undefined) {
    const r = raw.portRange;
    if (Array.isArray(r) && r.length === 2 && r.every((x) => Number.isInteger(x)) && (r[0] as number) >= 1024 && (r[0] as number) <= (r[1] as number) && (r[1] as number) < 32768) {
      o.ports = { first: r[0] as number, last: r[1] as number };
    } else p.push(`options.portRange: must be [first, last] with 1024 <= first <= last < 32768 (below the ephemeral range), got ${JSON.stringify(r)}`);
  }
  if (raw.byoImages !== undefined) {
    if (!isObject(raw.byoImages)) p.push('options.byoImages: must map workload names to { image, socketEnv } (or { image, port | portEnv } on the host-network sandbox)');
    else {
      for (const [w, spec] of Object.entries(raw.byoImages)) {
        const at = `options.byoImages.${w}`;
        if (!isObject(spec) || typeof spec.image !== 'string' || spec.image === '') {
          p.push(`${at}: must be { image: string, socketEnv: string } (or port / portEnv on the host-network sandbox)`);
          continue;
        }
        const given = (['socketEnv', 'port', 'portEnv'] as const).filter((k) => spec[k] !== undefined);
        if (o.sandbox === 'hardened') {
          if (given.length !== 1 || given[0] !== 'socketEnv') p.push(`${at}: a hardened container has no network: give socketEnv (the variable the image reads a unix socket path to serve HTTP on from), or choose sandbox: host-network to serve on a port`);
        } else if (given.length !== 1 || given[0] === 'socketEnv') p.push(`${at}: give exactly one of port (fixed) or portEnv (variable the image reads its port from) on the host-network sandbox`);
        if (spec.port !== undefined && !(Number.isInteger(spec.port) && (spec.port as number) >= 1024 && (spec.port as number) < 32768)) p.push(`${at}.port: must be an integer in [1024, 32767], got ${JSON.stringify(spec.port)}`);
        for (const k of ['portEnv', 'socketEnv'] as const) {
          if (spec[k] !== undefined && (typeof spec[k] !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec[k]))) p.push(`${at}.${k}: must be an environment variable name, got ${JSON.stringify(spec[k])}`);
        }
        o.byoImages[w] = { image: spec.image, ...Object.fromEntries(given.map((k) => [k, spec[k]])) };
      }
    }
  }
  if ((o.artifactMissRate ?? 0) > 0 && Object.keys(o.byoImages).length > 0) p.push('options.artifactMissRate: artifact misses need images the lab pushed to its origin; not available together with byoImages');
  return { options: o, problems: p };
}

/** The limits a launch enforces: the scenario's (`plan.limits`, or the defaults without a scenario), with this runtime's options over them. */
export function effectiveLimits(scenario: TenantLimits | undefined, o: ContainerOptions): ContainerLimits {
  const base = scenario ?? DEFAULT_TENANT_LIMITS;
  return { memoryMiB: base.memoryMiB, cpus: base.cpus, pids: base.pids, ...o.limits };
}
