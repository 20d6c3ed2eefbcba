/**
 * Which side of the decision a runtime stands on. The field claims speak of "containers" and
 * "Wasm"; the lab's runners have their own names, so claims and the missing-runtime notice map
 * runner names to families here, in one place.
 */

/** Families the decision compares; `process` is a language runtime per instance without a container. */
export type Family = 'wasm' | 'container' | 'process' | 'other';

/** The family of a runner name (`wasm`, `wasmtime`, `docker`, `container`, `process`, ...). */
export function runtimeFamily(runtime: string): Family {
  const r = runtime.toLowerCase();
  if (r.includes('wasm') || r.includes('spin') || r.includes('jco')) return 'wasm';
  if (['docker', 'container', 'runc', 'crun', 'oci', 'podman', 'containerd'].some((x) => r.includes(x))) return 'container';
  if (r.includes('process') || r === 'node') return 'process';
  return 'other';
}

/** How a family is named in prose. */
export const FAMILY_NAMES: Record<Family, string> = {
  wasm: 'Wasm component',
  container: 'container',
  process: 'bare process (a language runtime per instance, no container)',
  other: 'other runtime',
};
