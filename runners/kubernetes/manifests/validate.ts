/**
 * Every object checked before it is written or applied: against the OpenAPI schema that
 * kubernetes-models pins (Kubernetes 1.33) or the pinned SpinApp CRD schema, and against the
 * API's naming rules the schemas do not carry (names, label keys and values). A problem names the
 * tenant, the object and the field path.
 */
import { InputError } from '../../../lab/errors.js';

/** An object of the manifests, with whom it belongs to. */
export interface OwnedObject {
  /** The tenant it serves; absent for the run's shared objects (load generator, namespace, RBAC). */
  tenant?: string;
  object: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; validate(): void; toJSON(): unknown };
}

/** One problem, located. */
export interface ManifestProblem {
  tenant?: string;
  kind: string;
  name: string;
  /** Dotted field path, `spec.template.spec.containers[0].image`. */
  field: string;
  message: string;
}

/** The manifests failed their check; every problem is listed. */
export class ManifestError extends InputError {
  constructor(readonly problems: ManifestProblem[]) {
    super(`invalid Kubernetes objects:\n  ${problems.map(problemText).join('\n  ')}`);
    this.name = 'ManifestError';
  }
}

export function problemText(p: ManifestProblem): string {
  return `${p.tenant !== undefined ? `tenant ${p.tenant}: ` : ''}${p.kind} ${p.name}: ${p.field || '(object)'}: ${p.message}`;
}

/** `/spec/containers/0/image` as `spec.containers[0].image`. */
export function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Kinds whose names must be DNS-1123 labels (a Service's name is a DNS label; the rest here follow it). */
const LABEL_NAMED = new Set(['Service', 'Namespace', 'Deployment', 'SpinApp', 'Job']);

function metadataProblems(o: OwnedObject['object']): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const name = o.metadata?.name ?? '';
  const kind = o.kind ?? '';
  if (LABEL_NAMED.has(kind)) {
    if (name.length > 63 || !DNS_LABEL.test(name)) out.push({ field: 'metadata.name', message: `${JSON.stringify(name)} is not a DNS-1123 label (lower case, digits, '-', at most 63)` });
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    out.push({ field: 'metadata.name', message: `${JSON.stringify(name)} is not a DNS-1123 subdomain` });
  }
  for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
    const slash = k.lastIndexOf('/');
    const [prefix, nameOfKey] = slash >= 0 ? [k.slice(0, slash), k.slice(slash + 1)] : ['', k];
    if ((prefix !== '' && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || nameOfKey === '' || nameOfKey.length > 63 || !LABEL_NAME.test(nameOfKey)) out.push({ field: `metadata.labels.${k}`, message: 'not a valid label key' });
    if (typeof v !== 'string' || v.length > 63 || !LABEL_NAME.test(v)) out.push({ field: `metadata.labels.${k}`, message: `${JSON.stringify(v)} is not a valid label value (at most 63 of [A-Za-z0-9._-], alphanumeric at both ends)` });
  }
  return out;
}

/** Every problem of the objects (empty when all are valid). */
export function manifestProblems(objects: OwnedObject[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const { tenant, object } of objects) {
    const at = { ...(tenant !== undefined ? { tenant } : {}), kind: object.kind ?? '?', name: object.metadata?.name ?? '?' };
    for (const p of metadataProblems(object)) problems.push({ ...at, ...p });
    try {
      object.validate();
    } catch (e) {
      const errors = (e as { errors?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[] }).errors;
      if (!Array.isArray(errors)) throw e;
      for (const err of errors) {
        const extra = err.params && 'allowedValues' in err.params ? ` (${(err.params.allowedValues as unknown[]).join(', ')})` : err.params && 'missingProperty' in err.params ? ` (${String(err.params.missingProperty)})` : '';
        problems.push({ ...at, field: fieldPath(err.instancePath ?? ''), message: `${err.message ?? 'invalid'}${extra}` });
      }
    }
  }
  return problems;
}

/** Throws a ManifestError listing every problem, if any. */
export function validateObjects(objects: OwnedObject[]): void {
  const problems = manifestProblems(objects);
  if (problems.length > 0) throw new ManifestError(problems);
}
