/** The kubernetes runner's options (a scenario runtime's `options` map), checked once. */
import { checkOptions, numberOption, parsed } from '../kit/options.js';
import type { ParsedOptions } from '../../lab/pop/contract.js';
import { parseRegistry } from './manifests/refs.js';
import { SIDES, type Side } from './manifests/names.js';

export interface KubernetesOptions {
  /** `wasm`: a SpinApp per tenant; `container`: a Deployment + Service per tenant. */
  side: Side;
  /** Where `lab publish` pushed the artifacts (host:port[/path]), as the cluster's nodes reach it. */
  registry: string;
  /** The kubeconfig file (default $KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** Load-generator pods (whole tenants each). */
  generators: number;
  /** Cold starts measured per workload (scale from zero and back) during the measured window. */
  coldStarts: number;
  /** How long every tenant may take to be Ready after apply, and a probe's pod to be Ready. */
  readyTimeoutSeconds: number;
  /** How long a probe waits for its first response once its pod is Ready. */
  firstResponseTimeoutSeconds: number;
  /** Check at prepare that every artifact is in the registry (reads its manifest digest); on by default. */
  checkRegistry: boolean;
  /** Speak http to a registry that is not on loopback (the prepare check). */
  insecureRegistry: boolean;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseKubernetesOptions(raw: Record<string, unknown>): ParsedOptions<KubernetesOptions> {
  const strings = ['side', 'registry', 'kubeconfig', 'context', 'namespace'];
  const flags = ['checkRegistry', 'insecureRegistry'];
  const problems = checkOptions(
    'kubernetes',
    raw,
    { generators: { kind: 'integer', min: 1 }, coldStarts: { kind: 'integer', min: 0 }, readyTimeoutSeconds: { kind: 'number', min: 1 }, firstResponseTimeoutSeconds: { kind: 'number', min: 0.1 } },
    [...strings, ...flags],
  );
  for (const k of strings) if (raw[k] !== undefined && (typeof raw[k] !== 'string' || raw[k] === '')) problems.push(`options.${k}: must be a non-empty string, got ${JSON.stringify(raw[k])}`);
  for (const k of flags) if (raw[k] !== undefined && typeof raw[k] !== 'boolean') problems.push(`options.${k}: must be true or false, got ${JSON.stringify(raw[k])}`);
  if (raw.side === undefined) problems.push(`options.side: which side this runtime measures: ${SIDES.join(' (SpinApp) or ')} (Deployment + Service)`);
  else if (!(SIDES as readonly unknown[]).includes(raw.side)) problems.push(`options.side: one of ${SIDES.join(', ')}, got ${JSON.stringify(raw.side)}`);
  if (raw.registry === undefined) problems.push('options.registry: the registry `lab publish --registry` pushed to, as the cluster reaches it (host:port)');
  else {
    try {
      parseRegistry(raw.registry, 'options.registry');
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (typeof raw.namespace === 'string' && (raw.namespace.length > 63 || !NAMESPACE.test(raw.namespace))) problems.push(`options.namespace: ${JSON.stringify(raw.namespace)} is not a DNS-1123 label`);
  return parsed(problems, () => ({
    side: raw.side as Side,
    registry: parseRegistry(raw.registry, 'options.registry'),
    ...(typeof raw.kubeconfig === 'string' ? { kubeconfig: raw.kubeconfig } : {}),
    ...(typeof raw.context === 'string' ? { context: raw.context } : {}),
    namespace: typeof raw.namespace === 'string' ? raw.namespace : 'edge-pop-lab',
    generators: numberOption(raw, 'generators', 2),
    coldStarts: numberOption(raw, 'coldStarts', 3),
    readyTimeoutSeconds: numberOption(raw, 'readyTimeoutSeconds', 300),
    firstResponseTimeoutSeconds: numberOption(raw, 'firstResponseTimeoutSeconds', 30),
    checkRegistry: raw.checkRegistry !== false,
    insecureRegistry: raw.insecureRegistry === true,
  }));
}
